package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzDgemm drives shapes, transpose forms, paddings, scalars and the kernel
// from the fuzzer and checks Dgemm against the naive oracle and gonum. The
// seed corpus runs in the normal test suite.
func FuzzDgemm(f *testing.F) {
	f.Add(uint8(0), uint16(1), uint16(1), uint16(1), uint8(0), 1.0, 0.0, uint64(1), uint8(2))
	f.Add(uint8(3), uint16(17), uint16(25), uint16(9), uint8(7), -0.5, 0.3, uint64(2), uint8(2))
	f.Add(uint8(1), uint16(97), uint16(49), uint16(257), uint8(1), 1.0, 1.0, uint64(3), uint8(1))
	f.Add(uint8(2), uint16(0), uint16(5), uint16(3), uint8(2), 2.0, 0.0, uint64(4), uint8(0))
	f.Add(uint8(1), uint16(16), uint16(256), uint16(64), uint8(0), 1.0, 0.0, uint64(5), uint8(2))
	f.Fuzz(func(t *testing.T, form uint8, m, n, k uint16, pad uint8, alpha, beta float64, seed uint64, kern uint8) {
		if !finite(alpha) || !finite(beta) {
			t.Skip()
		}
		kr := Kernel(int(kern) % int(numKernels))
		if !Supported(kr) {
			kr = Portable
		}
		prev := Use(kr)
		defer Use(prev)
		cs := dgemmCase{tA: form&1 != 0, tB: form&2 != 0,
			m: int(m % 300), n: int(n % 300), k: int(k % 300),
			alpha: alpha, beta: beta,
			padA: int(pad & 3), padB: int(pad >> 2 & 3), padC: int(pad >> 4 & 3)}
		checkDgemm(t, rand.New(rand.NewPCG(seed, 0)), cs)
	})
}

// finite reports whether x is a moderate finite number, so products of it
// with values in [−1, 1] cannot overflow.
func finite(x float64) bool { return !math.IsNaN(x) && math.Abs(x) < 1e100 }
