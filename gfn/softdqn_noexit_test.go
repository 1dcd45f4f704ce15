package gfn_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
)

// sdqnBits is an environment without exit action: bit strings of length 3
// written left to right. State = (length, b₀, b₁, b₂); action c ∈ {0, 1}
// appends c; a full string has no valid action and is the terminal object,
// with log R(x) = (number of ones) − 1. It is a tree, so P_B = 1.
type sdqnBits struct{}

var (
	_ gfn.Reversible = sdqnBits{}
	_ gfn.Enumerable = sdqnBits{}
)

func (sdqnBits) Spec() gfn.Spec {
	return gfn.Spec{StateDim: 4, NumActions: 2, NumBackward: 1, InputDim: 9, MaxLen: 3}
}
func (sdqnBits) Start(dst gfn.State) { clear(dst[:4]) }
func (sdqnBits) Mask(dst []bool, s gfn.State) {
	dst[0], dst[1] = s[0] < 3, s[0] < 3
}
func (sdqnBits) Step(dst, s gfn.State, a int) {
	copy(dst, s)
	dst[1+s[0]] = a
	dst[0]++
}
func (sdqnBits) LogReward(x gfn.State) float64 { return float64(x[1]+x[2]+x[3]) - 1 }
func (sdqnBits) Encode(dst []float64, s gfn.State) {
	clear(dst[:9])
	for i := 0; i < 3; i++ {
		switch {
		case i >= s[0]:
			dst[3*i] = 1
		default:
			dst[3*i+1+s[1+i]] = 1
		}
	}
}
func (sdqnBits) BackwardMask(dst []bool, s gfn.State) { dst[0] = s[0] > 0 }
func (sdqnBits) BackwardStep(dst, s gfn.State, _ int) {
	copy(dst, s)
	dst[0]--
	dst[1+dst[0]] = 0
}
func (sdqnBits) BackwardAction(gfn.State, int) int { return 0 }
func (sdqnBits) NumStates() int                    { return 15 }

// StateAt orders states by length, then by value: 0 | 1 2 | 3 4 5 6 | 7 … 14.
func (sdqnBits) StateAt(dst gfn.State, i int) {
	n := 0
	for i >= 1<<n {
		i -= 1 << n
		n++
	}
	clear(dst[:4])
	dst[0] = n
	for k := 0; k < n; k++ {
		dst[1+k] = (i >> (n - 1 - k)) & 1
	}
}
func (sdqnBits) Index(s gfn.State) int {
	v := 0
	for k := 0; k < s[0]; k++ {
		v = 2*v + s[1+k]
	}
	return 1<<s[0] - 1 + v
}

// TestSoftDQNWithoutExit covers the terminal without exit action: the last
// edge is Done with reward log P_B + log R(x) (log P_B = 0 on a tree), the TD
// error is zero at Q*(s, a) = log F(child) = log Σ_{leaves x below} R(x), and
// training reaches R/Z.
func TestSoftDQNWithoutExit(t *testing.T) {
	env := sdqnBits{}
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
	table := gfn.NewQTable(env)
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

	rng := rand.New(rand.NewPCG(8, 8))
	d := &gfn.SoftDQN{Env: env, Q: table, Target: gfn.NewQTable(env), Rng: rng, LearningStarts: 1000}
	if _, err := d.Step(); err != nil { // rollout only; copies Q* into Target
		t.Fatal(err)
	}
	var tr gfn.Transitions
	d.Replay().Gather(&tr, sdqnAllSlots(d.Replay()))
	if tr.N != 16*3 {
		t.Fatalf("%d transitions from 16 trajectories of 3 steps", tr.N)
	}
	done := 0
	for k := 0; k < tr.N; k++ {
		x := tr.Target(k)
		leaf := x[0] == 3
		if tr.Done[k] != leaf || tr.Exit[k] || tr.LogPB[k] != 0 || (leaf && tr.LogR[k] != env.LogReward(x)) || (!leaf && tr.LogR[k] != 0) {
			t.Fatalf("transition %d into %v: done %v exit %v log P_B %v log R %v", k, x, tr.Done[k], tr.Exit[k], tr.LogPB[k], tr.LogR[k])
		}
		if leaf {
			done++
		}
	}
	if done != 16 {
		t.Errorf("%d done transitions, want 16", done)
	}
	var tp autograd.Tape
	qNext := d.Target.Q(&tp, tr.Next, tr.N).Value.RawMatrix().Data
	y := make([]float64, tr.N)
	gfn.TD{}.Targets(y, &tr, qNext, nil, nil)
	loss, _ := gfn.TDLoss(&tp, table, &tr, y, nil, false)
	if l := loss.Scalar(); l > 1e-24 {
		t.Errorf("TD loss %v at Q*", l)
	}
	p, _ := gfn.TargetDistribution(env)
	if l1 := gfn.Compare(gfn.ExactDistribution(env, table), p).L1; l1 > 1e-12 {
		t.Errorf("Σ|P − R/Z| = %v at Q*", l1)
	}

	// Training a tabular Q from zero reaches R/Z.
	q := gfn.NewQTable(env)
	if l1 := gfn.Compare(gfn.ExactDistribution(env, q), p).L1; l1 < 0.5 {
		t.Fatalf("the uniform policy is already at Σ|P − R/Z| = %v", l1)
	}
	d = &gfn.SoftDQN{Env: env, Q: q, Target: gfn.NewQTable(env), Rng: rng, LR: 0.05, BatchSize: 32}
	for i := 0; i < 300; i++ {
		if _, err := d.Step(); err != nil {
			t.Fatal(err)
		}
	}
	l1 := gfn.Compare(gfn.ExactDistribution(env, q), p).L1
	t.Logf("trained: Σ|P − R/Z| = %.2g", l1)
	if l1 > 0.02 {
		t.Errorf("after training Σ|P − R/Z| = %v, want < 0.02", l1)
	}
}

// sdqnCountPB is the uniform P_B, counting its calls.
type sdqnCountPB struct {
	gfn.UniformBackward
	calls []int
}

func (c *sdqnCountPB) LogPB(tr *gfn.Transitions) {
	c.calls = append(c.calls, tr.N)
	c.UniformBackward.LogPB(tr)
}

func TestSoftDQNRefreshPB(t *testing.T) {
	env := sdqnBits{}
	for _, refresh := range []bool{false, true} {
		pb := &sdqnCountPB{UniformBackward: gfn.UniformBackward{Env: env}}
		d := &gfn.SoftDQN{Env: env, Q: gfn.NewQTable(env), Target: gfn.NewQTable(env), PB: pb,
			Rng: rand.New(rand.NewPCG(1, 1)), LearningStarts: 1, BatchSize: 7, RefreshPB: refresh}
		for i := 0; i < 4; i++ {
			if _, err := d.Step(); err != nil {
				t.Fatal(err)
			}
		}
		want := []int{48, 48, 48, 48} // one rollout of 16×3 transitions per iteration
		if refresh {
			want = []int{48, 48, 48, 7, 48, 7} // and the batches of iterations 2 and 3
		}
		if len(pb.calls) != len(want) {
			t.Fatalf("refresh %v: calls %v, want %v", refresh, pb.calls, want)
		}
		for i := range want {
			if pb.calls[i] != want[i] {
				t.Fatalf("refresh %v: calls %v, want %v", refresh, pb.calls, want)
			}
		}
	}
}
