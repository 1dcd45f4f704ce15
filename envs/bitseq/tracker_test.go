package bitseq

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/gfn"
)

// flipBits returns a copy of mode m with the bits perm[:c] flipped (bit
// positions count from the start of the readable form).
func flipBits(e *Env, m int, perm []int, c int) gfn.State {
	x := make(gfn.State, e.NumSlots())
	e.Mode(x, m)
	for _, p := range perm[:c] {
		x[p/e.k] ^= 1 << (e.k - 1 - p%e.k)
	}
	return x
}

func TestModeTracker(t *testing.T) {
	e := mustNew(t, Config{})
	rng := rand.New(rand.NewPCG(7, 8))
	tr := e.Tracker(ModeThreshold)
	if tr.Found() != 0 {
		t.Fatalf("a new tracker has %d modes", tr.Found())
	}
	// A sample 31 bits from mode 5 finds it only if another mode is near.
	perm := rng.Perm(e.n)
	far := flipBits(e, 5, perm, 31)
	want := 0
	for m := 0; m < e.NumModes(); m++ {
		y := make(gfn.State, e.NumSlots())
		e.Mode(y, m)
		if e.Hamming(far, y) <= ModeThreshold {
			want++
		}
	}
	if got := tr.Add(far); got != want || tr.Found() != want || tr.IsFound(5) {
		t.Errorf("31 bits away: Add = %d, Found = %d, want %d, IsFound(5) = %v", got, tr.Found(), want, tr.IsFound(5))
	}
	// Exactly 30 bits away finds it, once.
	near := flipBits(e, 5, perm, 30)
	if tr.Add(near) < 1 || !tr.IsFound(5) || tr.Add(near) != 0 {
		t.Errorf("30 bits away does not find mode 5 exactly once")
	}
	// Brute force over random samples near random modes: the count is the
	// number of modes within the threshold of some sample.
	for _, th := range []int{0, 10, ModeThreshold} {
		tr := e.Tracker(th)
		found := make([]bool, e.NumModes())
		for i := 0; i < 300; i++ {
			x := flipBits(e, rng.IntN(e.NumModes()), rng.Perm(e.n), rng.IntN(40))
			tr.Add(x)
			y := make(gfn.State, e.NumSlots())
			for m := range found {
				e.Mode(y, m)
				found[m] = found[m] || e.Hamming(x, y) <= th
			}
		}
		n := 0
		for m, f := range found {
			if f {
				n++
			}
			if tr.IsFound(m) != f {
				t.Fatalf("threshold %d: IsFound(%d) = %v, want %v", th, m, tr.IsFound(m), f)
			}
		}
		if tr.Found() != n {
			t.Errorf("threshold %d: Found = %d, want %d", th, tr.Found(), n)
		}
	}
	tr.Reset()
	tr.SetFound(3)
	tr.SetFound(3)
	if tr.Found() != 1 || !tr.IsFound(3) {
		t.Errorf("SetFound: Found = %d", tr.Found())
	}
}

func TestModeTrackerPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Tracker(-1) did not panic")
		}
	}()
	mustNew(t, Config{}).Tracker(-1)
}
