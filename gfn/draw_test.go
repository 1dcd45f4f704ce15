package gfn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDrawSoftmax checks the frequencies of DrawSoftmax's draws against the
// behaviour policy (1−eps)·softmax(logits/temp) + eps·uniform over the valid
// actions, on a masked row longer than a vector, and the rows it refuses.
func TestDrawSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	logits := make([]float64, 21)
	mask := make([]bool, len(logits))
	for j := range logits {
		logits[j] = rng.NormFloat64()
		mask[j] = j%3 != 1
	}
	logits[1] = 50 // masked: must not be drawn nor weigh
	w := make([]float64, len(logits))
	for _, c := range []struct{ temp, eps float64 }{{1, 0}, {0.5, 0.1}, {2, 1}} {
		want := make([]float64, len(logits))
		var z float64
		nv := 0
		for j, ok := range mask {
			if ok {
				want[j] = math.Exp(logits[j] / c.temp)
				z += want[j]
				nv++
			}
		}
		for j, ok := range mask {
			if ok {
				want[j] = (1-c.eps)*want[j]/z + c.eps/float64(nv)
			}
		}
		const n = 200000
		got := make([]float64, len(logits))
		for range n {
			got[DrawSoftmax(rng, w, logits, mask, c.temp, c.eps)]++
		}
		for j := range got {
			p := want[j]
			if sd := math.Sqrt(p * (1 - p) / n); math.Abs(got[j]/n-p) > 5*sd+1e-12 {
				t.Errorf("temp %v eps %v: action %d drawn with frequency %v, want %v", c.temp, c.eps, j, got[j]/n, p)
			}
		}
	}
	bad := [][]float64{{math.NaN(), 0, 0}, {math.Inf(1), 0, 0}, {math.Inf(-1), math.Inf(-1), 5}}
	for _, l := range bad {
		if a := DrawSoftmax(rng, w, l, []bool{true, true, false}, 1, 0); a != -1 {
			t.Errorf("DrawSoftmax of %v = %d, want -1", l, a)
		}
	}
	if a := DrawSoftmax(rng, w, []float64{1, 2}, []bool{false, false}, 1, 0.5); a != -1 {
		t.Errorf("DrawSoftmax with no valid action = %d, want -1", a)
	}
	if a := DrawSoftmax(rng, w, []float64{math.Inf(-1), 0}, []bool{true, false}, 1, 0); a != -1 {
		t.Errorf("DrawSoftmax with every valid logit −Inf = %d, want -1", a)
	}
}
