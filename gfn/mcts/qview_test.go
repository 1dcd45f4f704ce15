package mcts_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/mcts"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/testenv"
)

// noFlow hides a model's log-flow head, as a TB policy has none.
type noFlow struct{ gfn.Evaluator }

func (m noFlow) Evaluate(t *autograd.Tape, states []int, n int) (*autograd.Node, *autograd.Node) {
	lp, _ := m.Evaluator.Evaluate(t, states, n)
	return lp, nil
}

// allStates returns every state of env, flat.
func allStates(env testenv.Tiny) []int {
	d := env.Spec().StateDim
	s := make([]int, env.NumStates()*d)
	for i := range env.NumStates() {
		env.StateAt(s[i*d:(i+1)*d], i)
	}
	return s
}

// TestEdgeFlowQ checks the view of a Soft DQN model (λ = 1: Q itself) and
// of a Munchausen DQN model (λ = 1/(1−α): λ·log Σ exp(Q/λ) + log softmax(Q/λ))
// at the valid actions.
func TestEdgeFlowQ(t *testing.T) {
	env := testenv.Grid{}
	q := softrl.NewQTable(env)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range q.W.Value.RawMatrix().Data {
		q.W.Value.RawMatrix().Data[i] = rng.NormFloat64()
	}
	states, n, a := allStates(env), env.NumStates(), env.Spec().NumActions
	mask := make([]bool, a)
	for _, lambda := range []float64{1, 1 / (1 - softrl.MunchausenAlpha)} {
		var tape autograd.Tape
		view := &mcts.EdgeFlowQ{Model: &softrl.SoftPolicy{Env: env, Q: q, Lambda: lambda}}
		got := view.Q(&tape, states, n).Value.RawMatrix().Data
		w := q.W.Value.RawMatrix().Data
		for i := range n {
			env.Mask(mask, states[i*2:(i+1)*2])
			row := w[i*a : (i+1)*a]
			scaled := make([]float64, a)
			for j := range scaled {
				scaled[j] = row[j] / lambda
			}
			lse := softrl.SoftValue(scaled, mask, 1)
			for j, ok := range mask {
				if want := lambda*lse + scaled[j] - lse; ok && math.Abs(got[i*a+j]-want) > 1e-12 {
					t.Errorf("λ = %v, state %d, action %d: %v, want %v", lambda, i, j, got[i*a+j], want)
				}
			}
		}
	}
}

// TestForwardLogFlows computes the forward flows of the exact forward
// policy of tiny environments from the true log Z: they are the true flows,
// and the view of the policy with them (as for a TB model, which has no
// flow head) gives the exact soft Q-values.
func TestForwardLogFlows(t *testing.T) {
	for _, env := range []testenv.Tiny{testenv.Grid{}, testenv.Subsets{}, testenv.Fill{N: 3}} {
		fl := testenv.NewFlows(env)
		model := noFlow{&softrl.SoftPolicy{Env: env, Q: starTable(env)}}
		logF, err := mcts.ForwardLogFlows(env, model, fl.LogZ)
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range fl.LogF {
			if math.Abs(logF[i]-want) > 1e-12 {
				t.Errorf("%T: log F of state %d is %v, want %v", env, i, logF[i], want)
			}
		}
		states, n, a := allStates(env), env.NumStates(), env.Spec().NumActions
		var tape autograd.Tape
		got := (&mcts.EdgeFlowQ{Model: model, LogF: logF, Env: env}).Q(&tape, states, n).Value.RawMatrix().Data
		w := starTable(env).W.Value.RawMatrix().Data
		mask := make([]bool, a)
		d := env.Spec().StateDim
		for i := range n {
			env.Mask(mask, states[i*d:(i+1)*d])
			for j, ok := range mask {
				if ok && math.Abs(got[i*a+j]-w[i*a+j]) > 1e-12 {
					t.Errorf("%T: Q(%d, %d) = %v, want %v", env, i, j, got[i*a+j], w[i*a+j])
				}
			}
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("EdgeFlowQ of a model without log F and without LogF did not panic")
				}
			}()
			(&mcts.EdgeFlowQ{Model: model}).Q(&tape, states, n)
		}()
	}
}

// TestForModel checks which flows ForModel plans with: the model's flow
// head when it has one, else the forward flows from log Z on an Enumerable
// environment, else an error.
func TestForModel(t *testing.T) {
	env := testenv.Grid{}
	fl := testenv.NewFlows(env)
	withFlow := &softrl.SoftPolicy{Env: env, Q: starTable(env)}
	p, err := mcts.ForModel(env, withFlow, nil, math.NaN())
	if err != nil || p.Q.(*mcts.EdgeFlowQ).LogF != nil {
		t.Fatalf("a model with a flow head: %v, %v", p, err)
	}
	p, err = mcts.ForModel(env, noFlow{withFlow}, nil, fl.LogZ)
	if err != nil {
		t.Fatal(err)
	}
	if logF := p.Q.(*mcts.EdgeFlowQ).LogF; len(logF) != env.NumStates() || math.Abs(logF[3]-fl.LogF[3]) > 1e-12 {
		t.Errorf("forward flows %v, want %v", logF, fl.LogF)
	}
	if _, err := mcts.ForModel(env, noFlow{withFlow}, nil, math.NaN()); err == nil {
		t.Error("no flow head and no log Z: no error")
	}
	line := testenv.Line{N: 3}
	if _, err := mcts.ForModel(line, noFlow{&softrl.SoftPolicy{Env: line, Q: zeroQ{2}}}, nil, 0); err == nil {
		t.Error("no flow head and not Enumerable: no error")
	}
}

// badIndex is a hypergrid whose Index sends [1 1] outside the enumerated
// states.
type badIndex struct{ *hypergrid.Env }

func (e badIndex) Index(s gfn.State) int {
	if s[0] == 1 && s[1] == 1 {
		return e.NumStates() + 7
	}
	return e.Env.Index(s)
}

// TestForwardLogFlowsBrokenIndex checks that a step out of the enumerated
// states is an error that names it, for ForwardLogFlows and ForModel.
func TestForwardLogFlowsBrokenIndex(t *testing.T) {
	env := badIndex{hypergrid.New(2, 4, hypergrid.Standard)}
	model := noFlow{&softrl.SoftPolicy{Env: env, Q: zeroQ{env.Spec().NumActions}}}
	const want = "Index of [1 1] is 23, outside [0, NumStates = 16)"
	if _, err := mcts.ForwardLogFlows(env, model, 0); !errors.Is(err, gfn.ErrEnv) || !strings.Contains(err.Error(), want) {
		t.Errorf("ForwardLogFlows: %v, want an error that says %q", err, want)
	}
	if _, err := mcts.ForModel(env, model, nil, 0); !errors.Is(err, gfn.ErrEnv) {
		t.Errorf("ForModel: %v, want an ErrEnv", err)
	}
}
