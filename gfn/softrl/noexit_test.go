package softrl_test

import (
	"math"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/testenv"
	"github.com/gogfn/gogfn/internal/traintest"
)

// TestWithoutExit covers the terminal without exit action: the last edge is
// Done with reward log P_B + log R(x) (log P_B = 0 on a tree), the TD error
// is zero at Q*(s, a) = log F(child) = log Σ_{leaves x below} R(x), and
// training reaches R/Z.
func TestWithoutExit(t *testing.T) {
	env := testenv.Bits{}
	// Q*: F of a state is the sum of R over its leaves.
	f := make([]float64, 15)
	s, c := make(gfn.State, 4), make(gfn.State, 4)
	for i := 14; i >= 0; i-- {
		env.StateAt(s, i)
		if s[0] == 3 {
			f[i] = math.Exp(env.LogReward(s))
			continue
		}
		for a := 0; a < 2; a++ {
			env.Step(c, s, a)
			f[i] += f[env.Index(c)]
		}
	}
	table := softrl.NewQTable(env)
	w := table.W.Value.RawMatrix().Data
	for i := 0; i < 7; i++ { // leaves keep junk: they have no valid action
		env.StateAt(s, i)
		for a := 0; a < 2; a++ {
			env.Step(c, s, a)
			w[2*i+a] = math.Log(f[env.Index(c)])
		}
	}
	for i := 7; i < 15; i++ {
		w[2*i], w[2*i+1] = 1e3, -1e3
	}

	d := &softrl.DQN{Q: table, Target: softrl.NewQTable(env), LearningStarts: 1000}
	tr := newTrainer(t, env, d, 8)
	traintest.Run(t, tr, 1) // rollout only; Init copied Q* into Target
	var ts gfn.Transitions
	d.Replay().Gather(&ts, allSlots(d.Replay()))
	if ts.N != 16*3 {
		t.Fatalf("%d transitions from 16 trajectories of 3 steps", ts.N)
	}
	done := 0
	for k := 0; k < ts.N; k++ {
		x := ts.Target(k)
		leaf := x[0] == 3
		if ts.Done[k] != leaf || ts.Exit[k] || ts.LogPB[k] != 0 || (leaf && ts.LogR[k] != env.LogReward(x)) || (!leaf && ts.LogR[k] != 0) {
			t.Fatalf("transition %d into %v: done %v exit %v log P_B %v log R %v", k, x, ts.Done[k], ts.Exit[k], ts.LogPB[k], ts.LogR[k])
		}
		if leaf {
			done++
		}
	}
	if done != 16 {
		t.Errorf("%d done transitions, want 16", done)
	}
	var tp autograd.Tape
	qNext := d.Target.Q(&tp, ts.Next, ts.N).Value.RawMatrix().Data
	y := make([]float64, ts.N)
	softrl.TD{}.Targets(y, &ts, qNext, nil, nil)
	loss, _ := softrl.TDLoss(&tp, table, &ts, y, nil, false)
	if l := loss.Scalar(); l > 1e-24 {
		t.Errorf("TD loss %v at Q*", l)
	}
	if m, _ := tr.Evaluate(); m.Exact.L1 > 1e-12 {
		t.Errorf("Σ|P − R/Z| = %v at Q*", m.Exact.L1)
	}

	// Training a tabular Q from zero reaches R/Z.
	tr = newTrainer(t, env, &softrl.DQN{Q: softrl.NewQTable(env), Target: softrl.NewQTable(env), LR: 0.05, BatchSize: 32}, 8)
	if m, _ := tr.Evaluate(); m.Exact.L1 < 0.5 {
		t.Fatalf("the uniform policy is already at Σ|P − R/Z| = %v", m.Exact.L1)
	}
	traintest.Run(t, tr, 300)
	m, _ := tr.Evaluate()
	t.Logf("trained: Σ|P − R/Z| = %.2g", m.Exact.L1)
	if m.Exact.L1 > 0.02 {
		t.Errorf("after training Σ|P − R/Z| = %v, want < 0.02", m.Exact.L1)
	}
}

// countPB is the uniform P_B as a learned module would be evaluated: one
// batched call per set of transitions, counted.
type countPB struct {
	uniform gfn.Uniform
	calls   []int
}

func (c *countPB) LogProbs(t *autograd.Tape, states []int, n int) *autograd.Node {
	c.calls = append(c.calls, n)
	return c.uniform.LogProbs(t, states, n)
}

func TestRefreshPB(t *testing.T) {
	env := testenv.Bits{}
	for _, refresh := range []bool{false, true} {
		pb := &countPB{uniform: gfn.Uniform{Env: env}}
		d := &softrl.DQN{Q: softrl.NewQTable(env), Target: softrl.NewQTable(env), Backward: pb,
			LearningStarts: 1, BatchSize: 7, RefreshPB: refresh}
		traintest.Run(t, newTrainer(t, env, d, 1), 4)
		want := []int{48, 48, 48, 48} // one rollout of 16×3 transitions per iteration
		if refresh {
			want = []int{48, 48, 48, 7, 48, 7} // and the batches of iterations 2 and 3
		}
		if !slices.Equal(pb.calls, want) {
			t.Fatalf("refresh %v: calls %v, want %v", refresh, pb.calls, want)
		}
	}
}
