package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDropKernels checks every dropout kernel set of this CPU against the Go
// definitions, to the bit, on lengths around the vector widths (8 and 16)
// and on special values, and the mask's definition against SplitMix64.
func TestDropKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for name, ks := range dropKernelSets() {
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1000} {
			for _, thr := range []uint32{0, 1 << 31, 429496729, math.MaxUint32} {
				seed := rng.Uint64()
				want, got := make([]bool, n), make([]bool, n)
				dropMaskGo(want, thr, seed)
				ks.mask(got, thr, seed)
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("%s: mask n=%d thr=%d: element %d is %v", name, n, thr, i, got[i])
					}
				}
			}
			keep := make([]bool, n)
			dropMaskGo(keep, 1<<31, rng.Uint64())
			src := eltValues(rng, n)
			want := eltValues(rng, n)
			buf, got := guarded(want, 3)
			dropScaleGo(want, src, keep, 1.25)
			ks.scale(got, src, keep, 1.25)
			if err := checkBuf(buf, 3, want); err != nil {
				t.Errorf("%s: scale n=%d: %v", name, n, err)
			}
			want = eltValues(rng, n)
			buf, got = guarded(want, 3)
			dropAccGo(want, src, keep, 1.25)
			ks.acc(got, src, keep, 1.25)
			if err := checkBuf(buf, 3, want); err != nil {
				t.Errorf("%s: acc n=%d: %v", name, n, err)
			}
		}
	}
	// Draws 2j and 2j+1 are the halves of SplitMix64's output j+1.
	const seed = 12345
	gamma := uint64(mixGamma)
	keep := make([]bool, 4)
	r := mix64(seed + 2*gamma) // the second pair of draws
	dropMaskGo(keep, uint32(r)+1, seed)
	if keep[2] || !(uint32(r>>32) >= uint32(r)+1 == keep[3]) {
		t.Errorf("draw 2 is not the low half of the second output")
	}
	// The reference values of SplitMix64 seeded with 1234567 (from its
	// published C code): the first outputs.
	if got := mix64(1234567 + gamma); got != 6457827717110365317 {
		t.Errorf("mix64 = %d, want 6457827717110365317", got)
	}
}
