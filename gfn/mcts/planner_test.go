package mcts

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/testenv"
)

// checked runs a planner and measures, after every step, how far the root
// values it acted on and the values of every node it kept are from want.
type checked struct {
	p     *Planner
	want  func(dst []float64, s gfn.State)
	worst float64
	nodes int // nodes checked
}

func (c *checked) StartRollout(n int) { c.p.StartRollout(n) }

func (c *checked) Act(acts []int, states []int, mask []bool, ids []int, rng *rand.Rand) error {
	sp := c.p.Env.Spec()
	a, d := sp.NumActions, sp.StateDim
	first := len(c.p.Values) / a
	if err := c.p.Act(acts, states, mask, ids, rng); err != nil {
		return err
	}
	q := make([]float64, a)
	for r := range ids {
		c.want(q, states[r*d:(r+1)*d])
		c.worst = max(c.worst, maxDiff(c.p.Values[(first+r)*a:(first+r+1)*a], q, mask[r*a:(r+1)*a]))
	}
	f := &c.p.trees
	var walk func(u int32)
	walk = func(u int32) {
		if f.term[u] {
			return
		}
		c.nodes++
		c.want(q, f.stateOf(u))
		c.worst = max(c.worst, maxDiff(f.values(u), q, f.valid(u)))
		for _, ch := range f.children(u) {
			if ch != none {
				walk(ch)
			}
		}
	}
	for _, root := range c.p.roots {
		if root != none {
			walk(root)
		}
	}
	return nil
}

// TestExactQStaysExact plans with the exact soft Q-values Q* (the true log
// edge flows, from a table where the environment is enumerable): every
// backup must leave Q̂ = Q*, at the roots the actions are drawn from and at
// every node kept, for any number of rollouts and either terminal value.
// The actions are then drawn from softmax Q* = P_F*, whose terminal
// distribution is R/Z (TestPlannerSamplesTarget).
func TestExactQStaysExact(t *testing.T) {
	type envQ struct {
		name string
		env  gfn.Env
		q    softrl.QFunction
	}
	var cases []envQ
	for _, e := range []testenv.Tiny{testenv.Grid{}, testenv.Subsets{}, testenv.Fill{N: 3}, testenv.Bits{}} {
		cases = append(cases, envQ{fmt.Sprintf("%T", e), e, tableStar(e)})
	}
	line, grid := testenv.Line{N: 4}, hypergrid.New(2, 3, hypergrid.Standard)
	cases = append(cases, envQ{"Line", line, starQ(line)}, envQ{"hypergrid 3×3", grid, starQ(grid)})
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		for _, rollouts := range []int{0, 1, 3, 10, 40} {
			for _, trueR := range []bool{false, true} {
				p := &Planner{Env: c.env, Q: c.q, Rollouts: rollouts, Eps: 0.05, TrueReward: trueR, Record: true}
				ch := &checked{p: p, want: func(dst []float64, s gfn.State) { qStar(c.env, dst, s) }}
				s := gfn.Sampler{Env: c.env}
				var b gfn.Batch
				for range 3 {
					if err := s.Rollout(&b, ch, 20, rng); err != nil {
						t.Fatal(err)
					}
				}
				if ch.worst > 1e-12 {
					t.Errorf("%s, %d rollouts, true reward %v: Q̂ differs from Q* by %.3g", c.name, rollouts, trueR, ch.worst)
				}
				if rollouts > 0 && ch.nodes == 0 {
					t.Errorf("%s, %d rollouts: no node kept from step to step", c.name, rollouts)
				}
			}
		}
	}
}

// TestPlannerSamplesTarget draws 100,000 objects from the planner over the
// exact Q* of the 2×3 grid and compares their frequencies with R/Z by
// Pearson's χ² statistic (5 degrees of freedom; its 99.9% quantile is
// 20.5). The model's exact distribution, that of softmax Q*, is R/Z to
// 1e-12.
func TestPlannerSamplesTarget(t *testing.T) {
	env := testenv.Grid{}
	q := tableStar(env)
	target, _ := gfn.TargetDistribution(env)
	exact, err := gfn.ExactDistribution(env, &softrl.SoftPolicy{Env: env, Q: q})
	if err != nil {
		t.Fatal(err)
	}
	if d := gfn.Compare(exact, target); d.L1 > 1e-12 {
		t.Fatalf("softmax Q* samples at L1 %.3g from R/Z", d.L1)
	}
	p := &Planner{Env: env, Q: q, Rollouts: 4}
	s := gfn.Sampler{Env: env}
	rng := rand.New(rand.NewPCG(3, 4))
	counts := make([]float64, env.NumStates())
	const n, chunk = 100_000, 1000
	var b gfn.Batch
	for range n / chunk {
		if err := s.Rollout(&b, p, chunk, rng); err != nil {
			t.Fatal(err)
		}
		for i := range chunk {
			counts[env.Index(b.Terminal(i))]++
		}
	}
	var chi2 float64
	for i, c := range counts {
		e := n * target[i]
		chi2 += (c - e) * (c - e) / e
	}
	if chi2 > 20.5 {
		t.Errorf("χ² = %.2f over 6 objects, want < 20.5: counts %v, expected %v ×n", chi2, counts, target)
	}
}

// TestPerturbedRecoversRootValues plans with noisy values (Q* plus N(0, 1)
// per state and action) and the true log-rewards at terminal nodes, with
// more rollouts than the complete search tree has nodes: once the tree is
// complete, the backups give the exact values of every node, the root
// included. Without the true rewards (the paper's default) the terminal
// nodes keep the noisy values and the root is not exact.
func TestPerturbedRecoversRootValues(t *testing.T) {
	for _, env := range []gfn.Env{testenv.Bits{}, testenv.Line{N: 5}, testenv.Grid{}, testenv.Subsets{}} {
		s0, mask := start(env)
		full := treeSize(env, s0)
		want := make([]float64, env.Spec().NumActions)
		qStar(env, want, s0)
		for _, trueR := range []bool{true, false} {
			p := &Planner{Env: env, Q: perturbed(env, 1, 7), Rollouts: 40 * full, TrueReward: trueR}
			p.StartRollout(1)
			if err := p.plan(s0, mask, []int{0}, rand.New(rand.NewPCG(5, 6))); err != nil {
				t.Fatal(err)
			}
			root := p.roots[0]
			if got := int(p.trees.size[root]); got != full {
				t.Fatalf("%T: the tree has %d nodes after %d rollouts, the complete tree %d", env, got, p.Rollouts, full)
			}
			d := maxDiff(p.trees.values(root), want, mask)
			switch {
			case trueR && d > 1e-12:
				t.Errorf("%T: root values %v, want Q* = %v", env, p.trees.values(root), want)
			case !trueR && d < 1e-3:
				t.Errorf("%T: without true rewards the root is exact (%.3g), the terminal values should be noisy", env, d)
			}
		}
	}
}

// TestZeroRolloutsIsBoltzmann checks that a planner without rollouts is the
// Boltzmann policy of its Q: the same trajectories from the same random
// numbers, and the same recorded values.
func TestZeroRolloutsIsBoltzmann(t *testing.T) {
	env := hypergrid.New(3, 5, hypergrid.Standard)
	q := softrl.NewQNet(env, []int{16}, rand.New(rand.NewPCG(1, 1)))
	var a, b gfn.Batch
	s := gfn.Sampler{Env: env}
	boltz := &softrl.Boltzmann{Q: q, Record: true}
	plan := &Planner{Env: env, Q: q, Record: true}
	for seed := range uint64(3) {
		if err := s.Rollout(&a, boltz, 64, rand.New(rand.NewPCG(seed, 9))); err != nil {
			t.Fatal(err)
		}
		if err := s.Rollout(&b, plan, 64, rand.New(rand.NewPCG(seed, 9))); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.States, b.States) || !slices.Equal(a.Actions, b.Actions) || !slices.Equal(a.Len, b.Len) {
			t.Fatalf("seed %d: the planner without rollouts sampled other trajectories than softrl.Boltzmann", seed)
		}
		if !slices.Equal(boltz.Values, plan.Values) {
			t.Fatalf("seed %d: recorded values differ", seed)
		}
	}
}

// hiddenPB hides the fixed evaluation of a backward policy, so that the
// planner takes the batched path of a learned one.
type hiddenPB struct{ gfn.Backward }

// TestLearnedBackwardPath checks that a backward policy evaluated on a tape
// (the path of learned ones) gives the trees the same rewards as its fixed
// evaluation: same values, same actions.
func TestLearnedBackwardPath(t *testing.T) {
	env := hypergrid.New(3, 4, hypergrid.Standard)
	q := softrl.NewQNet(env, []int{16}, rand.New(rand.NewPCG(1, 1)))
	var a, b gfn.Batch
	s := gfn.Sampler{Env: env}
	fixed := &Planner{Env: env, Q: q, Rollouts: 6, Record: true, Backward: &gfn.Uniform{Env: env}}
	learned := &Planner{Env: env, Q: q, Rollouts: 6, Record: true, Backward: hiddenPB{&gfn.Uniform{Env: env}}}
	for seed := range uint64(2) {
		if err := s.Rollout(&a, fixed, 16, rand.New(rand.NewPCG(seed, 3))); err != nil {
			t.Fatal(err)
		}
		if err := s.Rollout(&b, learned, 16, rand.New(rand.NewPCG(seed, 3))); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Actions, b.Actions) || !slices.Equal(fixed.Values, learned.Values) {
			t.Fatalf("seed %d: the tape path of P_B plans differently", seed)
		}
	}
	if learned.learned == nil || fixed.fixed == nil {
		t.Fatal("the test did not exercise both paths")
	}
}

// TestPlannerErrors checks that non-finite values end the rollout with an
// error.
func TestPlannerErrors(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		for _, rollouts := range []int{0, 3} {
			q := funcQ{env, func(dst []float64, s gfn.State) {
				for i := range dst {
					dst[i] = 0
				}
				if s[0] == 1 {
					dst[0] = bad
				}
			}}
			var b gfn.Batch
			s := gfn.Sampler{Env: env}
			var err error
			for seed := uint64(0); seed < 20 && err == nil; seed++ {
				err = s.Rollout(&b, &Planner{Env: env, Q: q, Rollouts: rollouts}, 8, rand.New(rand.NewPCG(seed, 1)))
			}
			if err == nil {
				t.Errorf("value %v, %d rollouts: no error", bad, rollouts)
			}
		}
	}
}
