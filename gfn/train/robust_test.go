package train_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
)

// Environments that break their contract in one way each, for the findings
// of an adversarial pass: each must give an error that names the state and
// the rule, never a panic, never a silent wrong answer.

// aliasIndex gives (3, 3) the index of (0, 0).
type aliasIndex struct{ *hypergrid.Env }

func (e aliasIndex) Index(s gfn.State) int {
	if s[0] == 3 && s[1] == 3 {
		return 0
	}
	return e.Env.Index(s)
}

// leaves makes (1, 1) step outside the grid's enumeration.
type leaves struct{ *hypergrid.Env }

func (e leaves) Index(s gfn.State) int {
	if s[0] == 1 && s[1] == 1 {
		return e.NumStates() + 7
	}
	return e.Env.Index(s)
}

// longer lies about MaxLen: its trajectories can be one step longer.
type longer struct{ *hypergrid.Env }

func (e longer) Spec() gfn.Spec {
	s := e.Env.Spec()
	s.MaxLen--
	return s
}

// badReward has the log-reward r at (2, 2): NaN or +Inf.
type badReward struct {
	*hypergrid.Env
	r float64
}

func (e badReward) LogReward(x gfn.State) float64 {
	if x[0] == 2 && x[1] == 2 {
		return e.r
	}
	return e.Env.LogReward(x)
}

// uniformTB samples uniformly (ε = 1) so that every state is reached soon.
func uniformTB() *onpolicy.Algorithm {
	return &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{8}}, Epsilon: 1}
}

func runUntilError(tr *train.Trainer, n int) error {
	for range n {
		if _, err := tr.Step(); err != nil {
			return err
		}
	}
	return nil
}

func TestBrokenEnvironments(t *testing.T) {
	grid := func() *hypergrid.Env { return hypergrid.New(2, 4, hypergrid.Standard) }
	for name, c := range map[string]struct {
		env  gfn.Env
		alg  train.Algorithm
		want string
	}{
		"dead end, TB":             {deadEnd{grid()}, uniformTB(), "[1 1] has no valid action"},
		"dead end, Soft DQN":       {deadEnd{grid()}, &softrl.DQN{Hidden: []int{8}, Epsilon: 1}, "[1 1] has no valid action"},
		"index aliases":            {aliasIndex{grid()}, uniformTB(), "the index of [0 0]"},
		"index out of range":       {leaves{grid()}, uniformTB(), "outside [0, NumStates"},
		"longer than MaxLen":       {longer{grid()}, uniformTB(), "after Spec.MaxLen"},
		"longer than MaxLen (DQN)": {longer{grid()}, &softrl.DQN{Hidden: []int{8}, Epsilon: 1}, "after Spec.MaxLen"},
	} {
		tr, err := train.New(train.Config{Env: c.env, Algorithm: c.alg, Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		err = runUntilError(tr, 300)
		if !errors.Is(err, gfn.ErrEnv) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one that says %q", name, err, c.want)
		}
	}
	// A NaN or infinite reward is found when the trainer is made (the
	// target needs every reward), not when the metrics are NaN.
	for _, r := range []float64{math.NaN(), math.Inf(1)} {
		_, err := train.New(train.Config{Env: badReward{grid(), r}, Algorithm: uniformTB()})
		if want := fmt.Sprintf("LogReward of [2 2] is %v", r); !errors.Is(err, gfn.ErrEnv) || !strings.Contains(err.Error(), want) {
			t.Errorf("reward %v: %v, want an error that says %q", r, err, want)
		}
	}
}

// TestEvaluateNonFinite: a model whose outputs are NaN (a diverged run) has
// an exact distribution of NaN, which Evaluate reports as an error.
func TestEvaluateNonFinite(t *testing.T) {
	alg := uniformTB()
	tr, err := train.New(train.Config{Env: hypergrid.New(2, 4, hypergrid.Standard), Algorithm: alg, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Evaluate(); err != nil {
		t.Fatalf("before: %v", err)
	}
	alg.Trained().Net.Heads[0].B.Value.Set(0, 0, math.NaN())
	m, err := tr.Evaluate()
	if err == nil || !strings.Contains(err.Error(), "the model's exact distribution is not finite") || !math.IsNaN(m.Exact.L1) {
		t.Errorf("L1 %v, error %v; want NaN and an error", m.Exact.L1, err)
	}
}

// TestDivergence: a learning rate of 1000 makes TB's loss explode (with the CLI's
// exploration, ε = 0.05, which meets the trajectories the collapsed policy
// gives probability e^−10⁶), and Step
// says so instead of training on.
func TestDivergence(t *testing.T) {
	env := hypergrid.New(2, 8, hypergrid.Standard)
	tr, err := train.New(train.Config{Env: env, Algorithm: &onpolicy.Algorithm{Objective: objective.NewTB(), LR: 1000, Epsilon: 0.05}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = runUntilError(tr, 200)
	var d train.ErrDiverged
	var nf gfn.ErrNonFinite
	if !errors.As(err, &d) && !errors.As(err, &nf) {
		t.Fatalf("lr 1000: %v after %d iterations, want divergence", err, tr.Iter())
	}
	t.Logf("lr 1000: %v", err)
	// The default learning rate does not trip the check.
	tr, _ = train.New(train.Config{Env: env, Algorithm: &onpolicy.Algorithm{Objective: objective.NewTB()}, Seed: 1})
	if err := runUntilError(tr, 300); err != nil {
		t.Fatalf("lr 1e-3: %v", err)
	}
	if _, err := train.New(train.Config{Env: env, Algorithm: uniformTB(), DivergeFactor: 0.5}); err == nil {
		t.Error("DivergeFactor 0.5 accepted")
	}
}

// panicky panics in LogReward at (2, 3), which a worker goroutine meets. It
// hides the grid's enumeration, which would meet it first.
type panicky struct{ gfn.Reversible }

func (e panicky) Spec() gfn.Spec {
	s := e.Reversible.Spec()
	s.OneHot = 0
	return s
}

func (e panicky) LogReward(x gfn.State) float64 {
	if x[0] == 2 && x[1] == 3 {
		panic("a bug in the environment")
	}
	return e.Reversible.LogReward(x)
}

// TestWorkerPanic: a panic in a worker goroutine comes back from Step as an
// error instead of killing the process.
func TestWorkerPanic(t *testing.T) {
	alg := uniformTB()
	alg.Workers = 2
	tr, err := train.New(train.Config{Env: panicky{hypergrid.New(2, 4, hypergrid.Standard)}, Algorithm: alg, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = runUntilError(tr, 300)
	if err == nil || !strings.Contains(err.Error(), "a bug in the environment") {
		t.Fatalf("error %v, want the worker's panic", err)
	}
}

// TestEvaluateBrokenIndex: Evaluate's exact distribution meets every state,
// so it finds an index out of range or shared by two states before any
// training (the CLI evaluates at iteration 0), instead of panicking or
// returning corrupted metrics.
func TestEvaluateBrokenIndex(t *testing.T) {
	grid := func() *hypergrid.Env { return hypergrid.New(2, 4, hypergrid.Standard) }
	for name, c := range map[string]struct {
		env  gfn.Env
		want string
	}{
		"index out of range": {leaves{grid()}, "Index of [1 1] is 23, outside [0, NumStates = 16)"},
		"index aliases":      {aliasIndex{grid()}, "Index of [3 3] is 0, the index of [0 0] (StateAt)"},
	} {
		tr, err := train.New(train.Config{Env: c.env, Algorithm: uniformTB(), Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = tr.Evaluate()
		if !errors.Is(err, gfn.ErrEnv) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Evaluate: %v, want an error that says %q", name, err, c.want)
		}
	}
}

// badSpec is a hypergrid whose Spec is changed by edit.
type badSpec struct {
	*hypergrid.Env
	edit func(*gfn.Spec)
}

func (e badSpec) Spec() gfn.Spec {
	s := e.Env.Spec()
	e.edit(&s)
	return s
}

// TestInvalidSpec: New refuses an environment whose Spec has a size out of
// range, naming the field, before anything sized by it is made.
func TestInvalidSpec(t *testing.T) {
	for want, edit := range map[string]func(*gfn.Spec){
		"Spec.StateDim is 0, want at least 1":      func(s *gfn.Spec) { s.StateDim = 0 },
		"Spec.StateDim is -2, want at least 1":     func(s *gfn.Spec) { s.StateDim = -2 },
		"Spec.NumActions is 0, want at least 1":    func(s *gfn.Spec) { s.NumActions = 0 },
		"Spec.NumBackward is -1, want at least":    func(s *gfn.Spec) { s.NumBackward = -1 },
		"Spec.NumBackward is 0, want at least 1":   func(s *gfn.Spec) { s.NumBackward = 0 },
		"Spec.InputDim is 0, want at least 1":      func(s *gfn.Spec) { s.InputDim = 0 },
		"Spec.MaxLen is 0, want at least 1":        func(s *gfn.Spec) { s.MaxLen = 0 },
		"Spec.MaxLen is -3, want at least 1":       func(s *gfn.Spec) { s.MaxLen = -3 },
		"Spec.OneHot is -1, want in [0, InputDim]": func(s *gfn.Spec) { s.OneHot = -1 },
		"Spec.OneHot is 99, want in [0, InputDim]": func(s *gfn.Spec) { s.OneHot = 99 },
	} {
		env := badSpec{hypergrid.New(2, 4, hypergrid.Standard), edit}
		for _, alg := range []train.Algorithm{uniformTB(), &softrl.DQN{Hidden: []int{8}}} {
			_, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: 1})
			if !errors.Is(err, gfn.ErrEnv) || !strings.Contains(err.Error(), want) {
				t.Errorf("%T: %v, want an error that says %q", alg, err, want)
			}
		}
	}
}
