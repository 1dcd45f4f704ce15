package optim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPolyakKernels checks every Polyak kernel this CPU runs against
// polyakGo, to the bit, on lengths around the vector widths (4, 8, 16),
// at every alignment, with zeros, subnormals, infinities and NaN among the
// values, and that nothing outside the slice is written.
func TestPolyakKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	special := []float64{0, math.Copysign(0, -1), 5e-324, 1e300, math.Inf(1), math.Inf(-1), math.NaN()}
	for name, k := range polyakKernels() {
		for _, tau := range []float64{0, 0.25, 0.3, 1} {
			for n := 0; n <= 40; n++ {
				for off := 0; off < 3; off++ {
					d, s := make([]float64, n), make([]float64, n)
					for i := range d {
						d[i], s[i] = rng.NormFloat64(), rng.NormFloat64()
						if rng.IntN(6) == 0 {
							d[i] = special[rng.IntN(len(special))]
						}
						if rng.IntN(6) == 0 {
							s[i] = special[rng.IntN(len(special))]
						}
					}
					want := append([]float64(nil), d...)
					polyakGo(want, s, tau)
					buf := make([]float64, off+n+5)
					for i := range buf {
						buf[i] = -7.25
					}
					copy(buf[off:], d)
					k(buf[off:off+n], s, tau)
					for i, v := range buf {
						if i < off || i >= off+n {
							if v != -7.25 {
								t.Fatalf("%s τ=%v n=%d off=%d: wrote outside the slice at %d", name, tau, n, off, i-off)
							}
							continue
						}
						if w := want[i-off]; math.Float64bits(v) != math.Float64bits(w) && !(math.IsNaN(v) && math.IsNaN(w)) {
							t.Fatalf("%s τ=%v n=%d: d[%d] = %v, polyakGo %v", name, tau, n, i-off, v, w)
						}
					}
				}
			}
		}
	}
}
