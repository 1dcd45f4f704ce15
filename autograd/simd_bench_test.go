package autograd

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// BenchmarkEltKernel times each element-wise kernel set (ReLU forward and
// backward, and the addition that accumulate runs) on the shapes of the
// hidden layers of the benchmark MLP: a rollout batch (16×256) and a loss
// batch (256×256). Inputs are normal draws, so the signs are random, and the
// backward pass cycles through eight outputs, as training sees new signs at
// every step: with a single one, the branch predictor of the portable loop
// learns the 4,096 signs of the small shape and looks far faster than it is.
func BenchmarkEltKernel(b *testing.B) {
	ks := eltKernelSets()
	for _, name := range slices.Sorted(maps.Keys(ks)) {
		k := ks[name]
		for _, m := range []int{16, 256} {
			n := m * 256
			rng := rand.New(rand.NewPCG(1, 1))
			x, g, xg, out := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
			outs := make([][]float64, 8)
			for j := range outs {
				for i := range x {
					x[i], g[i] = rng.NormFloat64(), rng.NormFloat64()
				}
				outs[j] = make([]float64, n)
				reluFwdGo(outs[j], x)
			}
			shape := "16x256"
			if m == 256 {
				shape = "256x256"
			}
			b.Run("fwd/"+name+"/"+shape, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(16 * n))
				for range b.N {
					k.reluFwd(out, x)
				}
			})
			b.Run("bwd/"+name+"/"+shape, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(32 * n))
				for i := range b.N {
					k.reluBwd(xg, g, outs[i%len(outs)])
				}
			})
			b.Run("acc/"+name+"/"+shape, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(24 * n))
				for range b.N {
					k.add(xg, xg, g)
				}
			})
		}
	}
}
