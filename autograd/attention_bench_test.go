package autograd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// BenchmarkAttention times Attention's forward pass and its backward function
// alone on the bit-sequence policy's shape (16 sequences of 16 tokens, 8
// heads of width 8) and on a longer one (31 tokens, k = 4), with dropout
// 0.1. GFLOP/s counts the products: 2 forward, 4 backward, 2·L²·d_h each per
// sequence and head.
func BenchmarkAttention(b *testing.B) {
	for _, l := range []int{16, 31} {
		for _, backward := range []bool{false, true} {
			name := fmt.Sprintf("L=%d/forward", l)
			if backward {
				name = fmt.Sprintf("L=%d/backward", l)
			}
			b.Run(name, func(b *testing.B) {
				const seqs, heads, dh = 16, 8, 8
				rng := rand.New(rand.NewPCG(1, 1))
				x := NewParam(mat.NewDense(seqs*l, 3*heads*dh, nil))
				for i := range data(x.Value) {
					data(x.Value)[i] = rng.NormFloat64()
				}
				var tp Tape
				out := tp.Attention(x, l, heads, nil, 0.1, rng)
				for i := range data(out.Grad) {
					data(out.Grad)[i] = rng.NormFloat64()
				}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if backward {
						out.back(out)
					} else {
						tp.Reset()
						tp.Attention(x, l, heads, nil, 0.1, rng)
					}
				}
				products := 2.0
				if backward {
					products = 4
				}
				flops := products * 2 * float64(seqs*heads*l*l*dh)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
