// Package traintest holds the checks that every training algorithm's tests
// run through the training loop: a resumed run ends bit-identical to an
// uninterrupted one, a corrupt or mismatched checkpoint is refused and
// leaves the trainer unchanged.
package traintest

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn/train"
)

// Run runs n iterations of tr, failing the test on an error.
func Run(t testing.TB, tr *train.Trainer, n int) {
	t.Helper()
	for range n {
		if _, err := tr.Step(); err != nil {
			t.Fatal(err)
		}
	}
}

// Values returns copies of the values of ps.
func Values(ps []*autograd.Node) [][]float64 {
	v := make([][]float64, len(ps))
	for i, p := range ps {
		v[i] = slices.Clone(p.Value.RawMatrix().Data)
	}
	return v
}

// Equal reports whether a and b hold the same bits.
func Equal(a, b [][]float64) bool {
	return slices.EqualFunc(a, b, func(x, y []float64) bool {
		return slices.EqualFunc(x, y, func(u, v float64) bool { return math.Float64bits(u) == math.Float64bits(v) })
	})
}

// Resume checks that a run of n+m iterations, and a run saved after n
// iterations, loaded into a trainer made with another seed and continued for
// m, end bit-identical: same parameters (params) and metrics. It also checks
// that the checkpoint does not depend on what the saved trainer does after
// Save.
func Resume(t *testing.T, make func(seed uint64) *train.Trainer, params func(*train.Trainer) []*autograd.Node, n, m int) {
	t.Helper()
	a := make(1)
	Run(t, a, n+m)
	b := make(1)
	Run(t, b, n)
	path := filepath.Join(t.TempDir(), "ckpt")
	if err := b.Save(path); err != nil {
		t.Fatal(err)
	}
	Run(t, b, 2)
	c := make(99)
	if err := c.Load(path); err != nil {
		t.Fatal(err)
	}
	if c.Iter() != n {
		t.Fatalf("loaded iteration %d, want %d", c.Iter(), n)
	}
	Run(t, c, m)
	if !Equal(Values(params(a)), Values(params(c))) {
		t.Fatal("parameters differ between the uninterrupted and the resumed run")
	}
	if a.Trajectories() != c.Trajectories() {
		t.Fatalf("%d trajectories uninterrupted, %d resumed", a.Trajectories(), c.Trajectories())
	}
	ma, errA := a.Evaluate()
	mc, errC := c.Evaluate()
	if errA != nil || errC != nil {
		t.Fatal(errA, errC)
	}
	if ma.Empirical != mc.Empirical || ma.ModesFound != mc.ModesFound || ma.Exact != mc.Exact ||
		math.Float64bits(ma.LogZ) != math.Float64bits(mc.LogZ) {
		t.Errorf("metrics differ: %+v / %+v, exact %+v / %+v", ma.Empirical, mc.Empirical, ma.Exact, mc.Exact)
	}
}

// BadCheckpoints checks that corrupt checkpoints of tr (a flipped byte, a
// truncation, a wrong magic number) and a checkpoint loaded into other (a
// trainer with other settings) are refused with train.ErrCheckpoint, and
// that the refused loads leave fresh (a new trainer like tr) and other
// unchanged.
func BadCheckpoints(t *testing.T, tr, fresh, other *train.Trainer, params func(*train.Trainer) []*autograd.Node) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, otherBefore := Values(params(fresh)), Values(params(other))
	flip := slices.Clone(data)
	flip[len(flip)/2] ^= 1
	for name, bad := range map[string][]byte{
		"flipped":   flip,
		"truncated": data[:len(data)-9],
		"magic":     append([]byte("XXXX"), data[4:]...),
		"empty":     nil,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := fresh.Load(p); !errors.Is(err, train.ErrCheckpoint) {
			t.Errorf("%s: Load error %v, want ErrCheckpoint", name, err)
		}
	}
	if err := other.Load(path); !errors.Is(err, train.ErrCheckpoint) {
		t.Errorf("other settings: Load error %v, want ErrCheckpoint", err)
	} else {
		t.Logf("other settings: %v", err)
	}
	if !Equal(before, Values(params(fresh))) || fresh.Iter() != 0 || !Equal(otherBefore, Values(params(other))) || other.Iter() != 0 {
		t.Error("a failed Load changed the trainer")
	}
}
