package autograd

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkAttention times Attention's forward pass and its backward function
// alone on the bit-sequence policy's shape (16 sequences of 16 tokens, 8
// heads of width 8) and on a longer one (31 tokens, k = 4), with dropout
// 0.1. GFLOP/s counts the products: 2 forward, 4 backward, 2·L²·d_h each per
// sequence and head.
func BenchmarkAttention(b *testing.B) {
	const seqs, heads, dh = 16, 8, 8
	for _, l := range []int{16, 31} {
		for _, backward := range []bool{false, true} {
			name, products := fmt.Sprintf("L=%d/forward", l), 2.0
			if backward {
				name, products = fmt.Sprintf("L=%d/backward", l), 4
			}
			b.Run(name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 1))
				attention := func(tp *Tape, x, _ *Node) *Node { return tp.Attention(x, l, heads, nil, 0.1, rng) }
				benchBinary(b, attention, seqs*l, 3*heads*dh, 1, 1, backward)
				flops := products * 2 * float64(seqs*heads*l*l*dh)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
