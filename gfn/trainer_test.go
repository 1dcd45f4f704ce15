package gfn_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
)

// resumeConfig exercises every piece of trainer state: a learned P_B with its
// own optimizer, TB's log Z, exploration, clipping, replay and the window.
func resumeConfig() gfn.TrainerConfig {
	return gfn.TrainerConfig{
		Env:       hypergrid.New(2, 5, hypergrid.Standard),
		Objective: gfn.NewTB(),
		Policy:    gfn.PolicyConfig{Hidden: []int{16, 16}, Backward: gfn.TiedPB},
		BatchSize: 8, Epsilon: 0.1, ClipNorm: 1, Replay: 3, Window: 50, Seed: 7,
	}
}

func train(t *testing.T, tr *gfn.Trainer, n int) {
	t.Helper()
	for range n {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
}

func paramValues(tr *gfn.Trainer) [][]float64 {
	var v [][]float64
	for _, p := range append(tr.Policy.Params(), tr.Objective.Params()...) {
		v = append(v, slices.Clone(p.Value.RawMatrix().Data))
	}
	return v
}

func TestTrainerResumeBitIdentical(t *testing.T) {
	const n, m = 7, 6
	a, err := gfn.NewTrainer(resumeConfig())
	if err != nil {
		t.Fatal(err)
	}
	train(t, a, n+m)

	b, _ := gfn.NewTrainer(resumeConfig())
	train(t, b, n)
	path := filepath.Join(t.TempDir(), "ckpt")
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	train(t, b, 2) // diverge the in-memory trainer; the checkpoint must not care

	c, _ := gfn.NewTrainer(gfn.TrainerConfig{Env: resumeConfig().Env, Objective: gfn.NewTB(),
		Policy: resumeConfig().Policy, BatchSize: 8, Epsilon: 0.1, ClipNorm: 1, Replay: 3, Window: 50, Seed: 99})
	if err := c.Load(path); err != nil {
		t.Fatal(err)
	}
	if c.Iter() != n || c.Trajectories() != 8*n {
		t.Fatalf("loaded iteration %d, %d trajectories", c.Iter(), c.Trajectories())
	}
	train(t, c, m)
	pa, pc := paramValues(a), paramValues(c)
	for i := range pa {
		for j := range pa[i] {
			if math.Float64bits(pa[i][j]) != math.Float64bits(pc[i][j]) {
				t.Fatalf("param %d[%d]: %v straight through, %v resumed", i, j, pa[i][j], pc[i][j])
			}
		}
	}
	ma, _ := a.Evaluate()
	mc, _ := c.Evaluate()
	if ma.Empirical != mc.Empirical || ma.ModesFound != mc.ModesFound || ma.Exact != mc.Exact {
		t.Errorf("metrics differ: %+v vs %+v", ma.Empirical, mc.Empirical)
	}
}

// TestRecompute checks that scoring the sampled batch afresh gives the same
// trajectories and, up to rounding, the same training as back-propagating
// through the recorded rollout.
func TestRecompute(t *testing.T) {
	a, _ := gfn.NewTrainer(resumeConfig())
	cfg := resumeConfig()
	cfg.Recompute = true
	b, _ := gfn.NewTrainer(cfg)
	for i := 0; i < 5; i++ {
		ia, err := a.Step()
		if err != nil {
			t.Fatal(err)
		}
		ib, _ := b.Step()
		if !slices.Equal(a.Batch().Actions, b.Batch().Actions) {
			t.Fatalf("step %d: different trajectories", i)
		}
		if math.Abs(ia.Loss-ib.Loss) > 1e-9*math.Max(1, ia.Loss) {
			t.Fatalf("step %d: loss %v recorded, %v recomputed", i, ia.Loss, ib.Loss)
		}
	}
}

func TestCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	a, _ := gfn.NewTrainer(resumeConfig())
	train(t, a, 3)
	path := filepath.Join(dir, "ckpt")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)

	fresh, _ := gfn.NewTrainer(resumeConfig())
	before := paramValues(fresh)
	for name, bad := range map[string][]byte{
		"flipped":   flip(data, len(data)/2),
		"truncated": data[:len(data)-9],
		"magic":     append([]byte("XXXX"), data[4:]...),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, bad, 0o644)
		if err := fresh.Load(p); !errors.Is(err, gfn.ErrCheckpoint) {
			t.Errorf("%s: Load error %v, want ErrCheckpoint", name, err)
		}
	}
	// Another architecture: the parameters do not fit.
	cfg := resumeConfig()
	cfg.Policy.Hidden = []int{8}
	other, _ := gfn.NewTrainer(cfg)
	if err := other.Load(path); !errors.Is(err, gfn.ErrCheckpoint) {
		t.Errorf("other architecture: %v", err)
	}
	if !slices.EqualFunc(before, paramValues(fresh), slices.Equal) || fresh.Iter() != 0 {
		t.Error("a failed Load changed the trainer")
	}
}

func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 1
	return c
}

// nanObjective is TB whose loss becomes NaN from a given step.
type nanObjective struct {
	*gfn.TB
	calls, from int
}

func (o *nanObjective) Loss(t *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	o.calls++
	l := o.TB.Loss(t, b, s)
	if o.calls >= o.from {
		l = t.Scale(math.NaN(), l)
	}
	return l
}

func TestNonFiniteLoss(t *testing.T) {
	cfg := resumeConfig()
	cfg.Replay = 0
	cfg.Objective = &nanObjective{TB: gfn.NewTB(), from: 3}
	tr, _ := gfn.NewTrainer(cfg)
	train(t, tr, 2)
	before := paramValues(tr)
	_, err := tr.Step()
	var nf gfn.ErrNonFinite
	if !errors.As(err, &nf) || nf.Step != 3 {
		t.Fatalf("error %v, want ErrNonFinite at step 3", err)
	}
	if !slices.EqualFunc(before, paramValues(tr), slices.Equal) {
		t.Error("a non-finite step changed the parameters")
	}
}

// TestTrainTBConverges trains TB on the 8×8 standard hypergrid (MLP 256×256,
// batch 16, the papers' learning rates) and checks the exact distribution of
// the sampler and the learned log Z.
func TestTrainTBConverges(t *testing.T) {
	tr, err := gfn.NewTrainer(gfn.TrainerConfig{Env: hypergrid.New(2, 8, hypergrid.Standard), Objective: gfn.NewTB(), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m0, _ := tr.Evaluate()
	train(t, tr, 600)
	m, _ := tr.Evaluate()
	t.Logf("exact L1 %.4f → %.4f, log Z %.4f (true %.4f), modes %d/%d", m0.Exact.L1, m.Exact.L1, m.LogZ, m.TrueLogZ, m.ModesFound, m.NumModes)
	if m.Exact.L1 > 0.1 || m0.Exact.L1 < 0.5 {
		t.Errorf("exact L1 %.4f after 600 iterations (%.4f at start), want < 0.1", m.Exact.L1, m0.Exact.L1)
	}
	if m.LogZErr > 0.1 {
		t.Errorf("|log Z − learned| = %.4f", m.LogZErr)
	}
	if m.ModesFound != m.NumModes {
		t.Errorf("found %d of %d modes", m.ModesFound, m.NumModes)
	}
	var b gfn.Batch
	tr.Sample(&b, 10, rand.New(rand.NewPCG(1, 1)))
	if b.N != 10 {
		t.Errorf("Sample gave %d trajectories", b.N)
	}
}

// TestTrainerObjectives trains every objective through the Trainer (with
// replay, so that Policy.Score feeds it too) on a small hypergrid and checks
// that the sampler gets much closer to the reward distribution.
func TestTrainerObjectives(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	for _, c := range []struct {
		name string
		obj  gfn.Objective
		flow bool
	}{
		{"TB", gfn.NewTB(), false},
		{"DB", &gfn.DB{}, true},
		{"ModifiedDB", &gfn.ModifiedDB{}, false},
		{"SubTB", &gfn.SubTB{}, true},
		{"FM", &gfn.FM{Env: env}, true},
		{"ZVar", &gfn.ZVar{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := gfn.NewTrainer(gfn.TrainerConfig{Env: env, Objective: c.obj, Seed: 3, Replay: 4,
				Policy: gfn.PolicyConfig{Hidden: []int{32, 32}, Backward: gfn.TiedPB, Flow: c.flow}})
			if err != nil {
				t.Fatal(err)
			}
			m0, _ := tr.Evaluate()
			train(t, tr, 1200)
			m, _ := tr.Evaluate()
			t.Logf("exact L1 %.3f → %.3f", m0.Exact.L1, m.Exact.L1)
			if m.Exact.L1 > 0.05 {
				t.Errorf("exact L1 %.3f → %.3f after 1200 iterations", m0.Exact.L1, m.Exact.L1)
			}
		})
	}
}
