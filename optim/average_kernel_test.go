package optim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestAverageKernels checks that the averaging kernels in use give the bits
// of the portable loops, on every length that exercises their vector and
// scalar paths.
func TestAverageKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for n := 0; n < 40; n++ {
		a, x := make([]float64, n), make([]float64, n+3)
		for i := range a {
			a[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4))
		}
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for _, k := range []float64{3, 7, 1e5} {
			got, want := append([]float64(nil), a...), append([]float64(nil), a...)
			meanKernel(got, x, k)
			meanGo(want, x, k)
			same(t, "mean", n, got, want)
			got, want = append([]float64(nil), a...), append([]float64(nil), a...)
			emaKernel(got, x, 1-1/k, 1/k)
			emaGo(want, x, 1-1/k, 1/k)
			same(t, "EMA", n, got, want)
		}
	}
}

func same(t *testing.T, what string, n int, got, want []float64) {
	t.Helper()
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s kernel, length %d, element %d: %v, portable loop %v", what, n, i, got[i], want[i])
		}
	}
}
