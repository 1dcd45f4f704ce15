package policy_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/internal/testenv"
)

type policyCase struct {
	name string
	env  gfn.Env
	cfg  policy.Config
}

func policyCases() []policyCase {
	small := []int{16, 16}
	hg := hypergrid.New(2, 4, hypergrid.Standard)
	var cs []policyCase
	for _, env := range []gfn.Env{hg, testenv.Fill{N: 3}} {
		for _, pb := range []policy.PBKind{policy.FixedPB, policy.TiedPB, policy.SeparatePB} {
			cs = append(cs, policyCase{fmt.Sprintf("%T/pb=%v/flow", env, pb), env,
				policy.Config{Hidden: small, PB: pb, Flow: true}})
		}
	}
	cs = append(cs, policyCase{"tree", testenv.Tree{N: 3}, policy.Config{Hidden: small}})
	cs = append(cs, policyCase{"hypergrid/fixed", hg, policy.Config{Hidden: small,
		Backward: &gfn.Fixed{Spec: hg.Spec(), LogPB: func(dst []float64, s gfn.State) { // P_B ∝ 1 + s_b
			var z float64
			for _, v := range s {
				if v > 0 {
					z += float64(1 + v)
				}
			}
			for b, v := range s {
				dst[b] = math.Inf(-1)
				if v > 0 {
					dst[b] = math.Log(float64(1+v) / z)
				}
			}
		}}}})
	return cs
}

// randomise makes the zero-initialised backward heads non-trivial.
func randomise(p *policy.Policy, rng *rand.Rand) {
	for _, w := range p.BackwardParams() {
		d := w.Value.RawMatrix().Data
		for i := range d {
			d[i] = rng.NormFloat64()
		}
	}
}

// checkBatch verifies that b holds valid complete trajectories of env.
func checkBatch(t *testing.T, env gfn.Env, b *gfn.Batch) {
	t.Helper()
	spec := env.Spec()
	s0 := make(gfn.State, spec.StateDim)
	next := make(gfn.State, spec.StateDim)
	mask := make([]bool, spec.NumActions)
	env.Start(s0)
	rev, _ := env.(gfn.Reversible)
	for i := 0; i < b.N; i++ {
		if b.Len[i] < 1 || b.Len[i] > spec.MaxLen || b.Offset[i+1]-b.Offset[i] != b.Len[i] {
			t.Fatalf("trajectory %d: length %d, offsets %v", i, b.Len[i], b.Offset[i:i+2])
		}
		if !slices.Equal(b.State(i, 0), s0) {
			t.Fatalf("trajectory %d starts at %v", i, b.State(i, 0))
		}
		for k := 0; k < b.Len[i]; k++ {
			m := b.Offset[i] + k
			src, a := b.Source(m), b.Actions[m]
			env.Mask(mask, src)
			if b.Traj[m] != i || !mask[a] {
				t.Fatalf("transition %d: traj %d, action %d invalid at %v", m, b.Traj[m], a, src)
			}
			exit := spec.Exit && a == spec.NumActions-1
			if b.Exit[m] != exit || (exit && k != b.Len[i]-1) {
				t.Fatalf("transition %d: Exit = %v", m, b.Exit[m])
			}
			if exit {
				if !slices.Equal(b.Target(m), src) || b.Back[m] != -1 {
					t.Fatalf("exit transition %d goes to %v, back %d", m, b.Target(m), b.Back[m])
				}
				continue
			}
			env.Step(next, src, a)
			if !slices.Equal(b.Target(m), next) {
				t.Fatalf("transition %d: %v -%d-> %v, want %v", m, src, a, b.Target(m), next)
			}
			if rev != nil && b.Back[m] != rev.BackwardAction(src, a) || rev == nil && b.Back[m] != -1 {
				t.Fatalf("transition %d: Back = %d", m, b.Back[m])
			}
		}
		x := b.Terminal(i)
		env.Mask(mask, x)
		if !spec.Exit && slices.Contains(mask, true) {
			t.Fatalf("trajectory %d ends at %v, which is not terminal", i, x)
		}
		if b.LogReward[i] != env.LogReward(x) {
			t.Fatalf("trajectory %d: LogReward %v, want %v", i, b.LogReward[i], env.LogReward(x))
		}
	}
}

func values(n *autograd.Node) []float64 {
	if n == nil {
		return nil
	}
	return slices.Clone(n.Value.RawMatrix().Data)
}

func TestRolloutScores(t *testing.T) {
	for _, c := range policyCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			p := newPolicy(t, c.env, c.cfg, rng)
			randomise(p, rng)
			s := &policy.Sampler{Policy: p, Rand: rng, Epsilon: 0.3, Temperature: 2}
			var tape autograd.Tape
			var b gfn.Batch
			sc, err := s.Rollout(&b, &tape, 16)
			if err != nil {
				t.Fatal(err)
			}
			checkBatch(t, c.env, &b)

			// The rollout's scores equal one batched forward over the stored batch.
			var tape2 autograd.Tape
			sc2 := p.Score(nil, &tape2, &b)
			for _, f := range []struct {
				name string
				a, b *autograd.Node
			}{{"LogPF", sc.LogPF, sc2.LogPF}, {"LogPB", sc.LogPB, sc2.LogPB}, {"LogF", sc.LogF, sc2.LogF}, {"LogPFExit", sc.LogPFExit, sc2.LogPFExit}} {
				va, vb := values(f.a), values(f.b)
				if len(va) != len(vb) || (f.a != nil && len(va) != b.M()) {
					t.Fatalf("%s: %d and %d values for %d transitions", f.name, len(va), len(vb), b.M())
				}
				for j := range va {
					if math.Abs(va[j]-vb[j]) > 1e-12 {
						t.Fatalf("%s[%d]: rollout %v, Score %v", f.name, j, va[j], vb[j])
					}
				}
			}

			// LogPF is the model's, read from Evaluate; LogPB from its Backward.
			var tape3 autograd.Tape
			lp, _ := p.Evaluate(&tape3, b.States, b.M()+b.N)
			a := c.env.Spec().NumActions
			rev, _ := c.env.(gfn.Reversible)
			var lb *autograd.Node
			if rev != nil {
				pb := p.Backward()
				if pb == nil {
					pb = &gfn.Uniform{Env: rev}
				}
				lb = pb.LogProbs(&tape3, b.States, b.M()+b.N)
			}
			for m := 0; m < b.M(); m++ {
				row := m + b.Traj[m]
				if want := lp.Value.At(row, b.Actions[m]); math.Abs(sc.LogPF.Value.At(m, 0)-want) > 1e-12 {
					t.Fatalf("LogPF[%d] = %v, Evaluate gives %v", m, sc.LogPF.Value.At(m, 0), want)
				}
				if sc.LogPFExit != nil && math.Abs(sc.LogPFExit.Value.At(m, 0)-lp.Value.At(row, a-1)) > 1e-12 {
					t.Fatalf("LogPFExit[%d]", m)
				}
				want := 0.0
				if lb != nil && !b.Exit[m] {
					want = lb.Value.At(row+1, b.Back[m])
				}
				if got := sc.LogPB.Value.At(m, 0); math.Abs(got-want) > 1e-12 {
					t.Fatalf("LogPB[%d] = %v, want %v", m, got, want)
				}
			}
		})
	}
}

// tbLoss is a trajectory-balance loss with a fixed log Z, for gradient checks.
func tbLoss(tp *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	d := tp.Sub(s.LogPF, s.LogPB)
	if s.LogF != nil {
		d = tp.Add(d, tp.Scale(0.1, s.LogF))
	}
	if s.LogPFExit != nil {
		d = tp.Add(d, tp.Scale(0.1, s.LogPFExit))
	}
	sum := tp.SegmentSum(d, b.Traj, b.N)
	r := tp.Input(b.N, 1)
	for i := range b.N {
		r.Value.Set(i, 0, 1.5-b.LogReward[i])
	}
	return tp.Mean(tp.Square(tp.Add(sum, r)))
}

func TestScoresGradient(t *testing.T) {
	for _, c := range policyCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			c.cfg.Hidden = []int{5}
			c.cfg.Act = 1 // tanh: smooth, so finite differences are clean
			p := newPolicy(t, c.env, c.cfg, rng)
			randomise(p, rng)
			s := &policy.Sampler{Policy: p, Rand: rng}
			var tape autograd.Tape
			var b gfn.Batch
			// The gradient through the rollout's own nodes is the gradient of
			// the same loss recomputed from scratch by Score.
			sc, err := s.Rollout(&b, &tape, 4)
			if err != nil {
				t.Fatal(err)
			}
			tape.Backward(tbLoss(&tape, &b, sc))
			got := make([][]float64, 0)
			for _, q := range p.Params() {
				got = append(got, slices.Clone(q.Grad.RawMatrix().Data))
				autograd.ZeroGrad(q)
			}
			autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
				return tbLoss(tp, &b, p.Score(nil, tp, &b))
			}, p.Params()...)
			for i, q := range p.Params() {
				for j, g := range q.Grad.RawMatrix().Data {
					if math.Abs(g-got[i][j]) > 1e-10*math.Max(1, math.Abs(g)) {
						t.Fatalf("param %d[%d]: rollout gradient %v, Score gradient %v", i, j, got[i][j], g)
					}
				}
			}
		})
	}
}

func TestSampleMatchesExact(t *testing.T) {
	for _, env := range []gfn.Enumerable{hypergrid.New(2, 3, hypergrid.Standard), testenv.Fill{N: 3}} {
		rng := rand.New(rand.NewPCG(5, 6))
		p := newPolicy(t, env, policy.Config{Hidden: []int{16}}, rng)
		exact, err := gfn.ExactDistribution(env, p)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, v := range exact {
			sum += v
		}
		if math.Abs(sum-1) > 1e-12 {
			t.Fatalf("%T: exact distribution sums to %v", env, sum)
		}
		s := &policy.Sampler{Policy: p, Rand: rng}
		emp := gfn.NewEmpirical(env.NumStates(), 0)
		var b gfn.Batch
		for range 500 {
			if err := s.Sample(&b, 64); err != nil {
				t.Fatal(err)
			}
			if err := emp.AddBatch(env, &b); err != nil {
				t.Fatal(err)
			}
		}
		// 32,000 samples over ≤ 9 objects: L1 noise is about 0.01.
		if d := emp.Distances(exact); d.L1 > 0.04 {
			t.Errorf("%T: L1(empirical, exact) = %v", env, d.L1)
		}
	}
}

func TestExactUniformLine(t *testing.T) {
	// D=1, H=3 with a zero output layer: P_F uniform over valid actions, so
	// P(0) = 1/2, P(1) = 1/4, P(2) = 1/4 (only exit is valid at 2).
	env := hypergrid.New(1, 3, hypergrid.Standard)
	p := newPolicy(t, env, policy.Config{Hidden: []int{4}}, rand.New(rand.NewPCG(1, 1)))
	p.Net.Heads[0].W.Value.Zero()
	p.Net.Heads[0].B.Value.Zero()
	got, err := gfn.ExactDistribution(env, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, 0.25, 0.25}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Fatalf("exact = %v, want %v", got, want)
		}
	}
}

func TestExploration(t *testing.T) {
	env := hypergrid.New(2, 8, hypergrid.Standard)
	rng := rand.New(rand.NewPCG(7, 8))
	p := newPolicy(t, env, policy.Config{Hidden: []int{8}}, rng)
	// Make "exit" overwhelmingly likely under the model.
	p.Net.Heads[0].B.Value.Set(0, 2, 20)
	freq := func(eps, temp float64) float64 {
		s := &policy.Sampler{Policy: p, Rand: rand.New(rand.NewPCG(9, 9)), Epsilon: eps, Temperature: temp}
		var b gfn.Batch
		exits := 0
		for range 100 {
			if err := s.Sample(&b, 30); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				if b.Actions[b.Offset[i]] == 2 {
					exits++
				}
			}
		}
		return float64(exits) / 3000
	}
	if f := freq(0, 0); f < 0.99 {
		t.Errorf("on-policy: first action exits %.3f of the time", f)
	}
	if f := freq(1, 0); math.Abs(f-1.0/3) > 0.03 {
		t.Errorf("epsilon 1: first action exits %.3f of the time, want 1/3", f)
	}
	if f := freq(0.5, 0); math.Abs(f-(0.5+0.5/3)) > 0.03 {
		t.Errorf("epsilon 0.5: exits %.3f, want 2/3", f)
	}
	if f := freq(0, 1e6); math.Abs(f-1.0/3) > 0.03 {
		t.Errorf("temperature 1e6: exits %.3f, want 1/3", f)
	}
}

func TestRolloutReproducibleAndAllocs(t *testing.T) {
	env := hypergrid.New(2, 8, hypergrid.Standard)
	p := newPolicy(t, env, policy.Config{PB: policy.TiedPB, Flow: true}, rand.New(rand.NewPCG(1, 1)))
	src := rand.NewPCG(2, 2)
	s := &policy.Sampler{Policy: p, Rand: rand.New(src), Epsilon: 0.1}
	var tape autograd.Tape
	var b gfn.Batch
	run := func() {
		src.Seed(2, 2)
		tape.Reset()
		if _, err := s.Rollout(&b, &tape, 16); err != nil {
			t.Fatal(err)
		}
	}
	run()
	first := slices.Clone(b.Actions)
	run()
	if !slices.Equal(first, b.Actions) {
		t.Fatal("same seed, different trajectories")
	}
	if a := testing.AllocsPerRun(10, run); a != 0 {
		t.Errorf("Rollout: %v allocs per run", a)
	}
	if a := testing.AllocsPerRun(10, func() { src.Seed(2, 2); s.Sample(&b, 16) }); a != 0 {
		t.Errorf("Sample: %v allocs per run", a)
	}
}

func newPolicy(t testing.TB, env gfn.Env, cfg policy.Config, rng *rand.Rand) *policy.Policy {
	t.Helper()
	p, err := policy.New(env, cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
