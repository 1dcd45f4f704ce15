package autograd

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkLogSoftmax measures a masked log-softmax over rows of 3,840
// logits, the bit-sequence policy's (15 positions × 256 words, about half the
// positions filled and masked), with a Pick of one entry per row, forward
// and backward: the loss of one TB iteration has 240 such rows.
func BenchmarkLogSoftmax(b *testing.B) {
	const m, n, words = 240, 3840, 256
	rng := rand.New(rand.NewPCG(5, 6))
	x := NewParam(mat.NewDense(m, n, eltNormals(rng, m*n)))
	valid := make([]bool, m*n)
	idx := make([]int, m)
	for i := range m {
		for p := 0; p < n/words; p++ {
			open := rng.IntN(2) == 0 || p == 0
			for w := range words {
				valid[i*n+p*words+w] = open
			}
		}
		idx[i] = rng.IntN(words) // in position 0, always open
	}
	var t Tape
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t.Reset()
		loss := t.Sum(t.Pick(t.LogSoftmax(x, valid), idx))
		t.Backward(loss)
	}
}
