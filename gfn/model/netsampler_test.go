package model_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
)

// netModels returns the models of the sampler tests, loaded from their
// files: a transformer policy with a tied P_B, one with the uniform P_B,
// and a transformer Q-network (M-DQN), each trained a few iterations.
func netModels(t *testing.T, env *bitseq.Enum) map[string]*model.Model {
	t.Helper()
	dqn, _ := trainNetDQN(t, env, 3)
	out := map[string]*model.Model{}
	for name, tr := range map[string]*train.Trainer{
		"tied":    trainNetTB(t, env, policy.TiedPB, true, 3),
		"uniform": trainNetTB(t, env, policy.FixedPB, false, 3),
		"qnet":    dqn,
	} {
		out[name], _ = reloadFile(t, tr, env)
	}
	return out
}

// orders returns log P_F(τ) and log P_B(τ|x) of the two trajectories that
// build x, a sequence of two words (slot 0 first, then slot 1 first),
// computed one state at a time with the model's evaluator and backward
// policy; log P_B is NaN when the model does not know it.
func orders(m *model.Model, env *bitseq.Enum, x gfn.State) (logPF, logPB [2]float64) {
	ev := m.Evaluator()
	lp := func(s gfn.State, a int) float64 {
		var t autograd.Tape
		v, _ := ev.Evaluate(&t, s, 1)
		return v.Value.At(0, a)
	}
	lb := func(s gfn.State, b int) float64 {
		switch {
		case m.Backward == "uniform": // 1 over the filled slots
			filled := 0
			for _, w := range s {
				if w != env.Empty() {
					filled++
				}
			}
			return -math.Log(float64(filled))
		case m.Policy == nil || m.Policy.LearnedBackward() == nil:
			return math.NaN()
		}
		var t autograd.Tape
		return m.Policy.LearnedBackward().LogProbs(&t, s, 1).Value.At(0, b)
	}
	s0 := gfn.State{env.Empty(), env.Empty()}
	for first := range 2 {
		second := 1 - first
		s1 := slices.Clone(s0)
		s1[first] = x[first]
		logPF[first] = lp(s0, env.Action(first, x[first])) + lp(s1, env.Action(second, x[second]))
		logPB[first] = lb(s1, first) + lb(x, second)
	}
	return logPF, logPB
}

// TestNetworkSampler draws objects from a Sampler of each transformer
// model in 6 goroutines at once (run it with -race), and checks that each
// object's log P_F(τ) and log P_B(τ|x) are those of one of the two
// trajectories that build it, evaluated one state at a time by the model
// itself in evaluation mode; that the 12,000 objects follow the model's
// exact distribution (the L1 distance of an empirical distribution of N
// draws over K = 256 objects has mean at most √(K/N) = 0.146 and exceeds
// it by 0.05 with probability below exp(−N·0.05²/2) ≈ 3·10⁻⁷, McDiarmid);
// and that the objects of one goroutine's calls, given its own random
// source, are those that a sampler of one worker gives the same calls
// alone.
func TestNetworkSampler(t *testing.T) {
	env := bits(t)
	for name, m := range netModels(t, env) {
		t.Run(name, func(t *testing.T) {
			const goroutines, calls, n = 6, 100, 20
			s := model.NewSampler(m, model.SamplerConfig{Workers: 3, Seed: 1})
			outs := make([][]model.Samples, goroutines)
			var wg sync.WaitGroup
			errs := make([]error, goroutines)
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(g), 7))
					outs[g] = make([]model.Samples, calls)
					for c := range calls {
						if errs[g] = s.Sample(&outs[g][c], n, rng); errs[g] != nil {
							return
						}
					}
				}()
			}
			wg.Wait()
			want := exact(t, m)
			emp := make([]float64, len(want))
			known := map[string]bool{}
			for g := range goroutines {
				if errs[g] != nil {
					t.Fatal(errs[g])
				}
				for _, out := range outs[g] {
					for i := range out.N {
						x := out.State(i)
						emp[env.Index(x)] += 1.0 / (goroutines * calls * n)
						key := fmt.Sprint(x)
						if known[key] {
							continue
						}
						known[key] = true
						checkTrajectory(t, m, env, &out, i)
					}
				}
			}
			if d := gfn.Compare(emp, want); d.L1 > 0.2 {
				t.Errorf("L1(empirical, exact) = %.4f over %d draws, want ≤ 0.2", d.L1, goroutines*calls*n)
			} else {
				t.Logf("L1(empirical, exact) = %.4f over %d draws, %d distinct objects checked", d.L1, goroutines*calls*n, len(known))
			}
			alone := model.NewSampler(m, model.SamplerConfig{Workers: 1})
			rng := rand.New(rand.NewPCG(0, 7))
			var out model.Samples
			for c := range calls {
				if err := alone.Sample(&out, n, rng); err != nil {
					t.Fatal(err)
				}
				if got := outs[0][c]; !slices.Equal(got.States, out.States) || !slices.Equal(got.LogPF, out.LogPF) {
					t.Fatalf("call %d of goroutine 0 gave other objects beside the others than alone", c)
				}
			}
		})
	}
}

// checkTrajectory checks object i of out against the two trajectories
// that build it (orders).
func checkTrajectory(t *testing.T, m *model.Model, env *bitseq.Enum, out *model.Samples, i int) {
	t.Helper()
	x := out.State(i)
	pf, pb := orders(m, env, x)
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*max(1, math.Abs(b)) }
	ok := false
	for k := range 2 {
		ok = ok || close(out.LogPF[i], pf[k]) && (close(out.LogPB[i], pb[k]) || math.IsNaN(pb[k]) && math.IsNaN(out.LogPB[i]))
	}
	if !ok || out.Len[i] != 2 || out.LogReward[i] != env.LogReward(x) {
		t.Errorf("x = %v: log P_F %v, log P_B %v, %d actions, log R %v; the two orders give log P_F %v, log P_B %v",
			x, out.LogPF[i], out.LogPB[i], out.Len[i], out.LogReward[i], pf, pb)
	}
}
