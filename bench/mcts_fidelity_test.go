package bench

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/mcts"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/nn"
)

var (
	mctsFidelity = flag.String("mcts-fidelity", "",
		"run the inference-fidelity study of tree search (bench/MCTS.md; about an hour of CPU) and write its table to this directory")
	mctsFidelityRollouts = flag.String("mcts-fidelity-rollouts", "0,4,8,16,32", "rollouts of the fidelity study")
	mctsFidelityTrue     = flag.String("mcts-fidelity-true", "8", "rollouts at which the study also samples with the true rewards at terminal nodes")
	mctsFidelitySamples  = flag.Int("mcts-fidelity-samples", 200_000, "samples per setting of the fidelity study")
	mctsFidelityStages   = flag.String("mcts-fidelity-stages", "500,10000", "training iterations after which the fidelity study samples")
	mctsFidelityNDim     = flag.Int("mcts-fidelity-ndim", 2, "hypergrid dimension D of the fidelity study")
	mctsFidelityHeight   = flag.Int("mcts-fidelity-height", 20, "hypergrid side H of the fidelity study")
)

// TestMCTSFidelity is the inference-fidelity study of tree search, run on
// demand:
//
//	go test ./bench -run MCTSFidelity -mcts-fidelity results/mcts -timeout 0 -v
//
// It trains TB (on-policy, ε = 0.05, uniform P_B, the CLI's defaults) and
// Soft DQN (the replay DQN with the paper's hypergrid settings) on the
// standard 20×20 hypergrid with seed 1, and after 500 iterations
// (under-trained) and 10,000 (well-trained) samples 200,000 objects through
// a planner over each model (mcts.ForModel: the Soft DQN Q-network itself,
// and for TB the forward flows of its policy from its learned log Z) for
// each number of rollouts, and measures the papers' empirical L1 (mean over
// the cells) and KL of those samples against R/Z. A perfect sampler scores
// a mean L1 of about 4.8e-5 with 200,000 samples on this grid (1.41e-6 on
// 20⁴, where 200,000 samples hardly tell a good model from a perfect one).
func TestMCTSFidelity(t *testing.T) {
	if *mctsFidelity == "" {
		t.Skip("run with -mcts-fidelity DIR")
	}
	rollouts, trueAt := parseInts(t, *mctsFidelityRollouts), parseInts(t, *mctsFidelityTrue)
	env := hypergrid.New(*mctsFidelityNDim, *mctsFidelityHeight, hypergrid.Standard)
	target, _ := gfn.TargetDistribution(env)
	_, modes := gfn.NewEmpirical(env.NumStates(), 1).ModesFound(target)
	var table strings.Builder
	table.WriteString("| model | iterations | model exact L1 (Σ) | rollouts | terminal values | empirical L1 (mean) | empirical L1 (Σ) | empirical KL | modes in samples | seconds |\n")
	table.WriteString("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|\n")
	floor := perfectSamples(target, *mctsFidelitySamples)
	table.WriteString(fmt.Sprintf("| R/Z itself (i.i.d. draws) | | 0 | | | %.3e | %.4f | %.4f | | |\n", floor.L1Mean, floor.L1, floor.KL))
	for _, m := range []struct {
		name string
		alg  train.Algorithm
	}{
		{"TB", &onpolicy.Algorithm{Objective: objective.NewTB(), Epsilon: 0.05}},
		{"Soft DQN", &softrl.DQN{}},
	} {
		tr, err := train.New(train.Config{Env: env, Algorithm: m.alg, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, stage := range parseInts(t, *mctsFidelityStages) {
			start := time.Now()
			for tr.Iter() < stage {
				if _, err := tr.Step(); err != nil {
					t.Fatal(err)
				}
			}
			met, err := tr.Evaluate()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d iterations in %.0f s, exact L1 %.4f, log Z %.4f (true %.4f)", m.name, stage,
				time.Since(start).Seconds(), met.Exact.L1, met.LogZ, met.TrueLogZ)
			p := fidelityPlanner(t, tr)
			for _, r := range rollouts {
				for _, trueR := range []bool{false, true} {
					if trueR && (r == 0 || !slices.Contains(trueAt, r)) {
						continue
					}
					p.Rollouts, p.TrueReward = r, trueR
					start := time.Now()
					d, found := plannerSamples(t, env, p, target, *mctsFidelitySamples)
					terminal := "Q̂(s, exit)"
					if trueR {
						terminal = "log R(x)"
					}
					row := fmt.Sprintf("| %s | %d | %.4f | %d | %s | %.3e | %.4f | %.4f | %d / %d | %.0f |\n", m.name, stage,
						met.Exact.L1, r, terminal, d.L1Mean, d.L1, d.KL, found, modes, time.Since(start).Seconds())
					t.Log(strings.TrimSpace(row))
					table.WriteString(row)
					path := filepath.Join(*mctsFidelity, "fidelity.md")
					if err := nn.WriteFileAtomic(path, func(w io.Writer) error {
						_, err := io.WriteString(w, table.String())
						return err
					}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
}

// fidelityPlanner returns a planner over the trained model of tr.
func fidelityPlanner(t *testing.T, tr *train.Trainer) *mcts.Planner {
	var (
		p   *mcts.Planner
		err error
	)
	switch a := tr.Algorithm().(type) {
	case *onpolicy.Algorithm:
		p, err = mcts.ForModel(tr.Env(), a.Trained(), a.Trained().Backward(), tr.LogZ())
	case *softrl.DQN:
		p, err = mcts.ForModel(tr.Env(), a.Model(), a.Backward, tr.LogZ())
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// plannerSamples draws n objects through p, 16,384 trajectories at a time
// (seeded), and returns their empirical distances to target and the number
// of maximal-reward states among them.
func plannerSamples(t *testing.T, env *hypergrid.Env, p *mcts.Planner, target []float64, n int) (gfn.Distances, int) {
	const chunk = 16384 // on a small grid, more trajectories share each pass over the distinct states
	emp := gfn.NewEmpirical(env.NumStates(), n)
	s := gfn.Sampler{Env: env}
	var b gfn.Batch
	rng := rand.New(rand.NewPCG(7, 7))
	for done := 0; done < n; done += chunk {
		if err := s.Rollout(&b, p, min(chunk, n-done), rng); err != nil {
			t.Fatal(err)
		}
		if err := emp.AddBatch(env, &b); err != nil {
			t.Fatal(err)
		}
	}
	modes, _ := emp.ModesFound(target)
	return emp.Distances(target), modes
}

// perfectSamples returns the empirical distances to target of n i.i.d.
// draws from it: the floor of the metric.
func perfectSamples(target []float64, n int) gfn.Distances {
	emp := gfn.NewEmpirical(len(target), n)
	cdf := make([]float64, len(target))
	var c float64
	for i, p := range target {
		c += p
		cdf[i] = c
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for range n {
		i, _ := slices.BinarySearch(cdf, rng.Float64()*c)
		emp.Add(min(i, len(cdf)-1))
	}
	return emp.Distances(target)
}

func parseInts(t *testing.T, s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("bad integer %q", f)
		}
		out = append(out, v)
	}
	return out
}
