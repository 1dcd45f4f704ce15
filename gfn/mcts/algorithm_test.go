package mcts_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/mcts"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/testenv"
	"github.com/gogfn/gogfn/internal/traintest"
)

var modes = []mcts.Mode{mcts.All, mcts.Train, mcts.Inference, mcts.Off}

func newTrainer(t testing.TB, env gfn.Env, alg train.Algorithm, seed uint64) *train.Trainer {
	t.Helper()
	tr, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func algOf(tr *train.Trainer) *mcts.Algorithm { return tr.Algorithm().(*mcts.Algorithm) }

func params(tr *train.Trainer) []*autograd.Node {
	a := algOf(tr)
	return append(a.Q.Params(), a.Target.Params()...)
}

// starTable returns a QTable of the exact soft Q-values of a tiny
// environment: log F(s) + log P_F(a|s), and 50 at invalid actions.
func starTable(env testenv.Tiny) *softrl.QTable {
	fl := testenv.NewFlows(env)
	q := softrl.NewQTable(env)
	a := env.Spec().NumActions
	w := q.W.Value.RawMatrix().Data
	for i := range env.NumStates() {
		for j := range a {
			w[i*a+j] = 50
			if !math.IsInf(fl.LogPF[i][j], -1) {
				w[i*a+j] = fl.LogF[i] + fl.LogPF[i][j]
			}
		}
	}
	return q
}

// TestLossesAtOptimum computes every mode's loss from the exact soft
// Q-values of tiny environments (with and without exit action) held in
// tables: it is zero up to rounding. (Only the first step is at the optimum:
// Adam moves the parameters by about LR·g/ε even for a gradient g of
// rounding size.)
func TestLossesAtOptimum(t *testing.T) {
	for _, env := range []testenv.Tiny{testenv.Grid{}, testenv.Fill{N: 2}} {
		for _, m := range modes {
			alg := &mcts.Algorithm{Mode: m, Q: starTable(env), Target: starTable(env), Trajectories: 32, Rollouts: 3}
			info, err := newTrainer(t, env, alg, 1).Step()
			if err != nil {
				t.Fatal(err)
			}
			if info.Loss > 1e-28 {
				t.Errorf("%T, mode %v: loss %.3g at the optimum", env, m, info.Loss)
			}
		}
	}
}

// TestRootLoss checks RootLoss against its formula written out by hand on a
// batch of the grid, and its gradient against finite differences.
func TestRootLoss(t *testing.T) {
	env := testenv.Grid{}
	b := testenv.Batch(env, [][]int{{0, 1, 2}, {2}, {1, 1, 0, 2}})
	var tr gfn.Transitions
	tr.FromBatch(env, b)
	(&gfn.BackwardScorer{Env: env}).Fill(&tr)
	rng := rand.New(rand.NewPCG(1, 1))
	q := softrl.NewQTable(env)
	for i, w := range q.W.Value.RawMatrix().Data {
		q.W.Value.RawMatrix().Data[i] = w + rng.NormFloat64()
	}
	a := tr.NumActions
	targets := make([]float64, tr.N*a)
	for i := range targets {
		targets[i] = rng.NormFloat64()
	}
	var tape autograd.Tape
	got := mcts.RootLoss(&tape, q.Q(&tape, tr.States, tr.N), &tr, targets).Scalar()
	qv := q.Q(&tape, tr.States, tr.N).Value.RawMatrix().Data
	var sum float64
	terms := tr.N
	for k := range tr.N {
		for j := range a {
			if tr.Mask[k*a+j] {
				d := qv[k*a+j] - targets[k*a+j]
				sum += d * d / float64(a)
			}
		}
		if tr.Done[k] {
			d := qv[k*a+tr.Actions[k]] - env.LogReward(tr.Source(k))
			sum += d * d
			terms++
		}
	}
	if want := sum / float64(terms); math.Abs(got-want) > 1e-12 {
		t.Errorf("RootLoss = %v, want %v", got, want)
	}
	autogradtest.Check(t, func(tape *autograd.Tape) *autograd.Node {
		return mcts.RootLoss(tape, q.Q(tape, tr.States, tr.N), &tr, targets)
	}, q.W)
}

// TestTrains trains each mode on the 8×8 hypergrid: the exact distribution
// of softmax Q_θ must come within L1 0.15 of R/Z in 800 iterations (0.03 to
// 0.06 with this seed).
func TestTrains(t *testing.T) {
	for _, m := range modes {
		env := hypergrid.New(2, 8, hypergrid.Standard)
		tr := newTrainer(t, env, &mcts.Algorithm{Mode: m, Hidden: []int{64, 64}}, 1)
		traintest.Run(t, tr, 800)
		met, err := tr.Evaluate()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%v: exact L1 %.4f, log Z %.4f (true %.4f)", m, met.Exact.L1, met.LogZ, met.TrueLogZ)
		if met.Exact.L1 > 0.15 || math.Abs(met.LogZ-met.TrueLogZ) > 0.1 {
			t.Errorf("%v: exact L1 %.4f, log Z %.4f (true %.4f) after 800 iterations", m, met.Exact.L1, met.LogZ, met.TrueLogZ)
		}
	}
}

// TestResume checks that every mode resumes bit-identically from a
// checkpoint and refuses corrupt or foreign ones.
func TestResume(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	for _, m := range modes {
		mk := func() *mcts.Algorithm {
			return &mcts.Algorithm{Mode: m, Hidden: []int{16}, Trajectories: 4, Rollouts: 3}
		}
		traintest.Resume(t, func(seed uint64) *train.Trainer { return newTrainer(t, env, mk(), seed) }, params, 7, 5)
		tr := newTrainer(t, env, mk(), 1)
		traintest.Run(t, tr, 4)
		other := mk()
		other.Rollouts = 5
		traintest.BadCheckpoints(t, tr, newTrainer(t, env, mk(), 1), newTrainer(t, env, other, 1), params)
	}
}

// TestStepAllocs checks that a training iteration allocates nothing once
// Init has sized the buffers.
func TestStepAllocs(t *testing.T) {
	for _, m := range modes {
		env := hypergrid.New(2, 8, hypergrid.Standard)
		tr := newTrainer(t, env, &mcts.Algorithm{Mode: m, Hidden: []int{32}}, 1)
		traintest.Run(t, tr, 2)
		if n := testing.AllocsPerRun(10, func() {
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v: %v allocations per iteration", m, n)
		}
	}
}

// TestConfigErrors checks that Init names a bad setting.
func TestConfigErrors(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	q := softrl.NewQNet(env, []int{4}, rand.New(rand.NewPCG(1, 1)))
	for name, alg := range map[string]*mcts.Algorithm{
		"mode":     {Mode: 7},
		"rollouts": {Rollouts: -1},
		"eps":      {Eps: math.NaN()},
		"target":   {Q: q},
		"lr":       {LR: -1},
		"hidden":   {Hidden: []int{}},
		"width":    {Hidden: []int{0}},
		"hard":     {HardEvery: -2},
	} {
		if _, err := train.New(train.Config{Env: env, Algorithm: alg}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for _, m := range modes {
		if got, err := mcts.ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := mcts.ParseMode("mcts_all"); err == nil {
		t.Error("ParseMode accepted an unknown name")
	}
	if s := fmt.Sprint(mcts.Mode(9)); s != "Mode(9)" {
		t.Errorf("Mode(9) prints %q", s)
	}
}
