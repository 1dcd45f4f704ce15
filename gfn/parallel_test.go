package gfn_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
)

func workersConfig(workers int, seed uint64) gfn.TrainerConfig {
	return gfn.TrainerConfig{Env: hypergrid.New(2, 4, hypergrid.Standard), Objective: gfn.NewTB(),
		Policy: gfn.PolicyConfig{Hidden: []int{32, 32}}, Epsilon: 0.05, Workers: workers, Seed: seed}
}

// TestWorkersTrain trains TB with two workers to the reward distribution.
func TestWorkersTrain(t *testing.T) {
	tr, err := gfn.NewTrainer(workersConfig(2, 3))
	if err != nil {
		t.Fatal(err)
	}
	m0, _ := tr.Evaluate()
	train(t, tr, 1200)
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
	a, _ := gfn.NewTrainer(workersConfig(2, 4))
	train(t, a, 30)
	b, _ := gfn.NewTrainer(workersConfig(2, 4))
	train(t, b, 15)
	path := filepath.Join(t.TempDir(), "ckpt")
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	c, _ := gfn.NewTrainer(workersConfig(2, 77))
	if err := c.Load(path); err != nil {
		t.Fatal(err)
	}
	train(t, c, 15)
	pa, pc := paramValues(a), paramValues(c)
	for i := range pa {
		for j := range pa[i] {
			if math.Float64bits(pa[i][j]) != math.Float64bits(pc[i][j]) {
				t.Fatalf("param %d[%d]: %v straight through, %v resumed", i, j, pa[i][j], pc[i][j])
			}
		}
	}
}

func TestWorkersErrors(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	for name, cfg := range map[string]gfn.TrainerConfig{
		"ZVar":     {Env: env, Objective: &gfn.ZVar{}, Workers: 2},
		"replay":   {Env: env, Objective: gfn.NewTB(), Workers: 2, Replay: 2},
		"negative": {Env: env, Objective: gfn.NewTB(), Workers: -1},
	} {
		if _, err := gfn.NewTrainer(cfg); err == nil {
			t.Errorf("%s: NewTrainer accepted Workers %d", name, cfg.Workers)
		}
	}
	// More workers than trajectories: one trajectory each.
	tr, err := gfn.NewTrainer(gfn.TrainerConfig{Env: env, Objective: gfn.NewTB(), BatchSize: 2, Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	train(t, tr, 3)
}

func TestWorkersAllocs(t *testing.T) {
	tr, _ := gfn.NewTrainer(workersConfig(2, 5))
	// The tapes' arenas grow while the policy learns to make longer
	// trajectories; after that a step allocates nothing.
	train(t, tr, 1500)
	if a := testing.AllocsPerRun(50, func() {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Step with workers: %v allocs, want 0", a)
	}
}
