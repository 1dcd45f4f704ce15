package tlm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/testenv"
)

func values(ps []*autograd.Node) [][]float64 {
	v := make([][]float64, len(ps))
	for i, p := range ps {
		v[i] = slices.Clone(p.Value.RawMatrix().Data)
	}
	return v
}

func changed(before [][]float64, ps []*autograd.Node) bool {
	for i, p := range ps {
		if !slices.Equal(before[i], p.Value.RawMatrix().Data) {
			return true
		}
	}
	return false
}

// TestBackwardStepReach checks which parameters the backward step changes:
// the P_B head always, the shared trunk unless HeadOnly, and never the
// forward head, the flow head or log Z; and that it leaves no gradient
// behind for the forward step.
func TestBackwardStepReach(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	for _, headOnly := range []bool{false, true} {
		fwd := &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{16}, Flow: true}}
		a := &Algorithm{Forward: fwd, HeadOnly: headOnly, LR: 0.1}
		rng := rand.New(rand.NewPCG(1, 1))
		if err := a.Init(env, rng); err != nil {
			t.Fatal(err)
		}
		pol := fwd.Trained()
		var b gfn.Batch
		if err := a.Sample(0, &b, rng); err != nil {
			t.Fatal(err)
		}
		head, trunk := pol.BackwardParams(), pol.TrunkParams()
		var others []*autograd.Node // the forward head, the flow head
		for i, h := range pol.Net.Heads {
			if !slices.Contains(head, h.W) {
				others = append(others, pol.Net.Heads[i].Params()...)
			}
		}
		logZ := fwd.Objective.Params()
		vh, vt, vo, vz := values(head), values(trunk), values(others), values(logZ)
		// Two steps: the head starts at zero, so the first step's gradient
		// cannot reach the trunk through it.
		for range 2 {
			if _, err := a.backward(train.StepInfo{}, &b, rng); err != nil {
				t.Fatal(err)
			}
		}
		if !changed(vh, head) {
			t.Errorf("headOnly=%v: the P_B head did not move", headOnly)
		}
		if changed(vt, trunk) == headOnly {
			t.Errorf("headOnly=%v: the trunk moved: %v", headOnly, changed(vt, trunk))
		}
		if changed(vo, others) || changed(vz, logZ) {
			t.Errorf("headOnly=%v: the backward step moved the forward or flow head or log Z", headOnly)
		}
		for _, p := range pol.Params() {
			for _, g := range p.Grad.RawMatrix().Data {
				if g != 0 {
					t.Fatalf("headOnly=%v: a gradient was left for the forward step", headOnly)
				}
			}
		}
	}
}

// fixedForward samples from a fixed policy and learns nothing: the forward
// algorithm of a test of the backward step alone.
type fixedForward struct {
	pol     *policy.Policy
	sampler gfn.Sampler
	actor   policy.Actor
	n       int
}

func (f *fixedForward) Init(env gfn.Env, rng *rand.Rand) error {
	p, err := policy.New(env, policy.Config{Hidden: []int{16}, Act: 1}, rng) // tanh: a smooth, non-uniform P_F
	if err != nil {
		return err
	}
	for _, q := range p.Params() {
		for i := range q.Value.RawMatrix().Data {
			q.Value.RawMatrix().Data[i] = 0.3 * rng.NormFloat64()
		}
	}
	f.pol, f.sampler, f.actor = p, gfn.Sampler{Env: env}, policy.Actor{Policy: p}
	return nil
}
func (f *fixedForward) Step(it int, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	return train.StepInfo{}, f.Sample(it, dst, rng)
}
func (f *fixedForward) Sample(_ int, dst *gfn.Batch, rng *rand.Rand) error {
	return f.sampler.Rollout(dst, &f.actor, f.n, rng)
}
func (f *fixedForward) Learn(int, *gfn.Batch, *rand.Rand) (train.StepInfo, error) {
	return train.StepInfo{}, nil
}
func (f *fixedForward) Model() gfn.Evaluator           { return f.pol }
func (f *fixedForward) Actor() gfn.Actor               { return &f.actor }
func (f *fixedForward) SetBackward(gfn.Backward) error { return nil }

// TestConvergesToInducedBackward: for a fixed forward policy on a small DAG,
// TLM's P_B converges to the backward policy P_F induces,
// P_B(s|s′) = F(s)·P_F(s′|s)/F(s′), with F the probability of visiting s,
// computed exactly here by dynamic programming. The largest total variation
// over the states with several parents must be below 0.02. (Every state of
// this DAG is visited with probability above 0.5% under this P_F, which the
// test checks: a state the forward policy never visits gives TLM nothing to
// fit.)
func TestConvergesToInducedBackward(t *testing.T) {
	env := testenv.Fill{N: 3}
	fwd := &fixedForward{n: 64}
	a := &Algorithm{Forward: fwd, Own: true, Hidden: []int{32, 32}, LR: 3e-3, Gamma: 0.9995, Norm: PerTransition}
	rng := rand.New(rand.NewPCG(3, 3))
	if err := a.Init(env, rng); err != nil {
		t.Fatal(err)
	}
	var b gfn.Batch
	for it := 0; it < 4000; it++ {
		if _, err := a.Step(it, &b, rng); err != nil {
			t.Fatal(err)
		}
	}
	// Exact visit probabilities and induced P_B.
	spec := env.Spec()
	n := env.NumStates()
	var tp autograd.Tape
	states := make([]int, n*spec.StateDim)
	for i := 0; i < n; i++ {
		env.StateAt(states[i*spec.StateDim:(i+1)*spec.StateDim], i)
	}
	lp, _ := fwd.pol.Evaluate(&tp, states, n)
	pf := lp.Value.RawMatrix().Data
	reach := make([]float64, n)
	reach[0] = 1
	c := make(gfn.State, spec.StateDim)
	mask := make([]bool, spec.NumActions)
	type edge struct{ parent, back int }
	in := make([][]edge, n)
	inP := make([][]float64, n)
	for i := 0; i < n; i++ {
		s := gfn.State(states[i*spec.StateDim : (i+1)*spec.StateDim])
		env.Mask(mask, s)
		for act, ok := range mask {
			if !ok {
				continue
			}
			env.Step(c, s, act)
			j := env.Index(c)
			q := reach[i] * math.Exp(pf[i*spec.NumActions+act])
			reach[j] += q
			in[j] = append(in[j], edge{i, env.BackwardAction(s, act)})
			inP[j] = append(inP[j], q)
		}
	}
	learned := logProbs(env, a.Backward())
	uniform := logProbs(env, &gfn.Uniform{Env: env})
	worst, far := 0.0, 0.0 // far: the uniform P_B's distance, so that the test has teeth
	for j := 1; j < n; j++ {
		if reach[j] < 0.005 {
			t.Fatalf("state %d is visited with probability %.4f: make the forward policy less peaked", j, reach[j])
		}
		if len(in[j]) < 2 {
			continue
		}
		tv, tu := 0.0, 0.0
		for k, e := range in[j] {
			tv += math.Abs(math.Exp(learned[j-1][e.back]) - inP[j][k]/reach[j])
			tu += math.Abs(math.Exp(uniform[j-1][e.back]) - inP[j][k]/reach[j])
		}
		worst, far = max(worst, tv/2), max(far, tu/2)
	}
	t.Logf("largest total variation %.4f (the uniform P_B: %.4f)", worst, far)
	if far < 0.2 {
		t.Fatalf("the induced P_B is within %.4f of uniform: the test proves little", far)
	}
	if worst > 0.02 {
		t.Errorf("largest total variation between the learned and the induced P_B: %.4f > 0.02", worst)
	}
}

// logProbs evaluates a backward policy on every state of env except s₀.
func logProbs(env gfn.Enumerable, pb gfn.Backward) [][]float64 {
	spec := env.Spec()
	var t autograd.Tape
	n := env.NumStates() - 1
	states := make([]int, n*spec.StateDim)
	for i := 1; i <= n; i++ {
		env.StateAt(states[(i-1)*spec.StateDim:i*spec.StateDim], i)
	}
	v := pb.LogProbs(&t, states, n).Value.RawMatrix().Data
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = append([]float64(nil), v[i*spec.NumBackward:(i+1)*spec.NumBackward]...)
	}
	return rows
}
