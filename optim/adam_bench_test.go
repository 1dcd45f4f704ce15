package optim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// BenchmarkAdamKernel times each Adam kernel on 83,205 elements, the
// parameter count of the reference MLP 64 → 256 → 256 → 5. The gradient is
// refilled from a copy each iteration (the kernel clears it), which adds a
// copy of 0.67 MB to every kernel's time alike.
func BenchmarkAdamKernel(b *testing.B) {
	const n = 83205
	// Typical magnitudes: adamInputs' subnormals would time microcode assists.
	rng := rand.New(rand.NewPCG(1, 1))
	w, g, m, v := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		w[i], g[i] = rng.NormFloat64(), 1e-2*rng.NormFloat64()
		m[i], v[i] = 1e-3*rng.NormFloat64(), 1e-4*rng.Float64()
	}
	g0 := slices.Clone(g)
	c := coefAt(100, 1e-3, 0.01)
	ks := adamKernels()
	for _, name := range slices.Sorted(mapsKeys(ks)) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(8 * 8 * n) // 4 slices read, 4 written
			b.ReportAllocs()
			for b.Loop() {
				copy(g, g0)
				c.run(ks[name], w, g, m, v)
			}
		})
	}
}
