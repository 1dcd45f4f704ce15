package onpolicy_test

import (
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
)

func workersAlg(workers int) *onpolicy.Algorithm {
	return &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{32, 32}},
		Epsilon: 0.05, Workers: workers}
}

// TestWorkersTrain trains TB with two workers to the reward distribution.
func TestWorkersTrain(t *testing.T) {
	tr := newTrainer(t, hypergrid.New(2, 4, hypergrid.Standard), workersAlg(2), 3)
	m0, _ := tr.Evaluate()
	traintest.Run(t, tr, 1200)
	m, _ := tr.Evaluate()
	t.Logf("exact L1 %.3f → %.3f, %d trajectories", m0.Exact.L1, m.Exact.L1, tr.Trajectories())
	if m.Exact.L1 > 0.05 || tr.Trajectories() != 1200*16 || tr.Batch().N != 16 {
		t.Errorf("exact L1 %.3f → %.3f after 1200 iterations (%d trajectories, last batch %d)",
			m0.Exact.L1, m.Exact.L1, tr.Trajectories(), tr.Batch().N)
	}
}

// TestWorkersReproducible checks that a run with workers is the same for the
// same seed, and continues bit-identically from a checkpoint.
func TestWorkersReproducible(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	traintest.Resume(t, func(seed uint64) *train.Trainer { return newTrainer(t, env, workersAlg(2), seed) }, params, 15, 15)
}

// TestWorkersMoreThanTrajectories gives each of two trajectories a worker.
func TestWorkersMoreThanTrajectories(t *testing.T) {
	alg := &onpolicy.Algorithm{Objective: objective.NewTB(), Trajectories: 2, Workers: 8}
	traintest.Run(t, newTrainer(t, hypergrid.New(2, 4, hypergrid.Standard), alg, 1), 3)
}

func TestWorkersAllocs(t *testing.T) {
	tr := newTrainer(t, hypergrid.New(2, 4, hypergrid.Standard), workersAlg(2), 5)
	// The tapes' arenas grow while the policy learns to make longer
	// trajectories; after that a step allocates nothing.
	traintest.Run(t, tr, 1500)
	if a := testing.AllocsPerRun(50, func() {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Step with workers: %v allocs, want 0", a)
	}
}
