package autograd

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMulRowsKernels checks every mulRows kernel of this CPU against the
// Go definition, to the bit, on shapes around the kernels' blocking (4 rows,
// 8 and 16 columns), with A read by rows and transposed, with and without
// accumulation, and that nothing outside C's block is written.
func TestMulRowsKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for name, ks := range attnKernelSets() {
		for _, m := range []int{1, 3, 4, 5, 9, 16} {
			for _, n := range []int{1, 7, 8, 9, 16, 17, 31, 40} {
				for _, k := range []int{1, 2, 8, 16, 31} {
					for _, trans := range []bool{false, true} {
						for _, acc := range []bool{false, true} {
							// A is m×k inside an [m+k+3 × m+k+3] store, read with
							// strides (lda, 1) or, transposed, (1, lda).
							lda := m + k + 3
							a := eltNormals(rng, lda*lda)
							ars, acs := lda, 1
							if trans {
								ars, acs = 1, lda
							}
							ldb, ldc := n+2, n+5
							b := eltNormals(rng, (k-1)*ldb+n)
							c := eltNormals(rng, (m-1)*ldc+n+3)
							want := append([]float64(nil), c...)
							mulRowsGo(m, n, k, a, ars, acs, b, ldb, want, ldc, acc)
							got := append([]float64(nil), c...)
							ks.mulRows(m, n, k, a, ars, acs, b, ldb, got, ldc, acc)
							for i := range got {
								if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
									t.Fatalf("%s: m=%d n=%d k=%d trans=%v acc=%v: element %d is %v, want %v", name, m, n, k, trans, acc, i, got[i], want[i])
								}
							}
						}
					}
				}
			}
		}
	}
	// The definition itself, against plain sums.
	a := []float64{1, 2, 3, 4, 5, 6} // 2×3
	b := []float64{1, 0, 2, 1, 1, 0} // 3×2
	c := make([]float64, 4)
	mulRowsGo(2, 2, 3, a, 3, 1, b, 2, c, 2, false)
	if want := []float64{1 + 4 + 3, 2, 4 + 10 + 6, 5}; !equalFloats(c, want) {
		t.Errorf("mulRowsGo = %v, want %v", c, want)
	}
}

func eltNormals(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExpm checks expm against math.Exp (within 2 units in the last place
// on [−708, 709]), its clamp and special values, and every exp kernel of
// this CPU against it, to the bit, for lengths around the vector widths.
func TestExpm(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	worst := 0.0
	for i := range 200000 {
		x := -708 + 1417*rng.Float64()
		if i%2 == 0 {
			x = -40 * rng.Float64() // the softmax range
		}
		got, want := expm(x), math.Exp(x)
		ulp := math.Abs(got-want) / (math.Nextafter(want, math.Inf(1)) - want)
		worst = max(worst, ulp)
	}
	if worst > 2 {
		t.Errorf("expm is %v units in the last place from math.Exp", worst)
	}
	for _, c := range []struct{ x, want float64 }{
		{0, 1}, {math.Copysign(0, -1), 1}, {1, math.E}, {-708.5, 0}, {math.Inf(-1), 0},
	} {
		if got := expm(c.x); got != c.want && math.Abs(got-c.want) > 1e-15 {
			t.Errorf("expm(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	if !math.IsNaN(expm(math.NaN())) {
		t.Errorf("expm(NaN) is not NaN")
	}
	for name, ks := range attnKernelSets() {
		for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 33, 256} {
			x := make([]float64, n)
			for i := range x {
				x[i] = -60*rng.Float64() + 10
				if i%11 == 3 {
					x[i] = []float64{math.Inf(-1), -708.5, -708, 0, math.Copysign(0, -1), 709}[i%6]
				}
			}
			buf, dst := guarded(make([]float64, n), 2)
			ks.exp(dst, x)
			want := make([]float64, n)
			expGo(want, x)
			if err := checkBuf(buf, 2, want); err != nil {
				t.Errorf("%s: n=%d: %v", name, n, err)
			}
		}
	}
}

// TestTransposeKernels checks every transpose kernel of this CPU against the
// Go definition, to the bit, for blocks around the gather width (8 rows),
// and that nothing after the [cols×rows] result is written.
func TestTransposeKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for name, ks := range attnKernelSets() {
		for _, rows := range []int{1, 3, 7, 8, 9, 16, 17, 31} {
			for _, cols := range []int{1, 2, 8, 9} {
				ldx := cols + rng.IntN(20)
				x := eltNormals(rng, (rows-1)*ldx+cols)
				s := rng.NormFloat64()
				want := eltNormals(rng, rows*cols+3)
				got := append([]float64(nil), want...)
				transposeGo(want, x, rows, cols, ldx, s)
				ks.transpose(got, x, rows, cols, ldx, s)
				for i := range got {
					if !sameBits(got[i], want[i]) {
						t.Fatalf("%s: %d×%d ldx %d: element %d is %v, want %v", name, rows, cols, ldx, i, got[i], want[i])
					}
				}
			}
		}
	}
	// The definition itself.
	x := []float64{1, 2, 3, 9, 4, 5, 6} // 2×3, rows 4 apart
	dst := make([]float64, 6)
	transposeGo(dst, x, 2, 3, 4, 2)
	if want := []float64{2, 8, 4, 10, 6, 12}; !equalFloats(dst, want) {
		t.Errorf("transposeGo = %v, want %v", dst, want)
	}
}
