package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// forEachKernel runs f once per kernel supported on this machine, with Dgemm
// forced to use it.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for k := Portable; k < numKernels; k++ {
		if !Supported(k) {
			t.Logf("kernel %v not supported here; skipped", k)
			continue
		}
		t.Run(k.String(), func(t *testing.T) {
			prev := Use(k)
			defer Use(prev)
			f(t)
		})
	}
}

// dgemmCase is one call: shapes, scalars and the padding added to each
// leading dimension.
type dgemmCase struct {
	tA, tB      bool
	m, n, k     int
	alpha, beta float64
	padA, padB  int
	padC        int
}

func (c dgemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,m=%d,n=%d,k=%d,alpha=%g,beta=%g,pad=%d/%d/%d",
		c.tA, c.tB, c.m, c.n, c.k, c.alpha, c.beta, c.padA, c.padB, c.padC)
}

// sentinel fills the padding of C; it must survive every call untouched.
const sentinel = 12345.678

// checkDgemm runs cs through Dgemm, the naive oracle and gonum's Dgemm and
// reports any element whose difference exceeds a bound sized for a k-term
// float64 sum: 4·(k+2)·ε·(|α|·Σ|a||b| + |β·c|). Padding of A and B holds NaN
// (it must never be read) and padding of C holds a sentinel (it must never be
// written). With β = 0, C starts as NaN, which must not propagate.
func checkDgemm(t *testing.T, rng *rand.Rand, cs dgemmCase) {
	t.Helper()
	ar, ac := cs.m, cs.k
	if cs.tA {
		ar, ac = cs.k, cs.m
	}
	br, bc := cs.k, cs.n
	if cs.tB {
		br, bc = cs.n, cs.k
	}
	lda, ldb, ldc := max(ac, 1)+cs.padA, max(bc, 1)+cs.padB, max(cs.n, 1)+cs.padC
	a := randPadded(rng, ar, ac, lda, math.NaN())
	b := randPadded(rng, br, bc, ldb, math.NaN())
	c := randPadded(rng, cs.m, cs.n, ldc, sentinel)
	if cs.beta == 0 {
		for i := 0; i < cs.m; i++ {
			for j := 0; j < cs.n; j++ {
				c[i*ldc+j] = math.NaN()
			}
		}
	}
	got := append([]float64(nil), c...)
	Dgemm(cs.tA, cs.tB, cs.m, cs.n, cs.k, cs.alpha, a, lda, b, ldb, cs.beta, got, ldc)

	want := append([]float64(nil), c...)
	scaleC(cs.m, cs.n, cs.beta, want, ldc)
	naive(cs.tA, cs.tB, cs.m, cs.n, cs.k, cs.alpha, a, lda, b, ldb, want, ldc)

	gn := append([]float64(nil), c...)
	if cs.m > 0 && cs.n > 0 {
		gonum.Implementation{}.Dgemm(trans(cs.tA), trans(cs.tB), cs.m, cs.n, cs.k, cs.alpha, a, lda, b, ldb, cs.beta, gn, ldc)
	}

	// bound = |α|·|op(A)|·|op(B)| + |β·C|, computed with the oracle on absolute values.
	bound := make([]float64, len(c))
	if cs.beta != 0 {
		for i := range c {
			bound[i] = math.Abs(cs.beta * c[i])
		}
	}
	naive(cs.tA, cs.tB, cs.m, cs.n, cs.k, math.Abs(cs.alpha), absOf(a), lda, absOf(b), ldb, bound, ldc)
	tol := 4 * float64(cs.k+2) * 0x1p-52

	errs := 0
	for i := range c {
		row, col := i/ldc, i%ldc
		if row >= cs.m || col >= cs.n {
			if got[i] != sentinel {
				t.Errorf("%v: padding C[%d,%d] = %v was written", cs, row, col, got[i])
				return
			}
			continue
		}
		lim := tol * (bound[i] + math.SmallestNonzeroFloat64)
		for _, ref := range []struct {
			name string
			v    float64
		}{{"naive", want[i]}, {"gonum", gn[i]}} {
			if d := math.Abs(got[i] - ref.v); !(d <= lim) {
				t.Errorf("%v: C[%d,%d] = %v, %s %v (|diff| %.3g > %.3g)", cs, row, col, got[i], ref.name, ref.v, d, lim)
				if errs++; errs > 5 {
					return
				}
			}
		}
	}
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// randPadded returns a rows×ld matrix with uniform values in [−1, 1) in the
// first cols columns and pad in the rest.
func randPadded(rng *rand.Rand, rows, cols, ld int, pad float64) []float64 {
	s := make([]float64, max(rows, 1)*ld)
	for i := range s {
		if i%ld < cols && i/ld < rows {
			s[i] = 2*rng.Float64() - 1
		} else {
			s[i] = pad
		}
	}
	return s
}

func absOf(s []float64) []float64 {
	r := make([]float64, len(s))
	for i, v := range s {
		if math.IsNaN(v) {
			continue // padding; never read by the oracle
		}
		r[i] = math.Abs(v)
	}
	return r
}

var (
	alphas = []float64{0, 1, -0.5}
	betas  = []float64{0, 1, 0.3}
)

// TestDgemmSmall crosses all transpose forms, scalars and paddings over
// small, odd and prime shapes, including empty ones.
func TestDgemmSmall(t *testing.T) {
	dims := []int{0, 1, 2, 3, 5, 7, 13}
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, m := range dims {
			for _, n := range dims {
				for _, k := range dims {
					for f := 0; f < 4; f++ {
						cs := dgemmCase{tA: f&1 != 0, tB: f&2 != 0, m: m, n: n, k: k,
							alpha: alphas[rng.IntN(3)], beta: betas[rng.IntN(3)], padA: rng.IntN(3), padB: rng.IntN(3), padC: rng.IntN(3)}
						checkDgemm(t, rng, cs)
					}
				}
			}
		}
	})
}

// TestDgemmScalars runs every alpha and beta in every transpose form.
func TestDgemmScalars(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for f := 0; f < 4; f++ {
			for _, alpha := range alphas {
				for _, beta := range betas {
					checkDgemm(t, rng, dgemmCase{tA: f&1 != 0, tB: f&2 != 0, m: 29, n: 31, k: 37, alpha: alpha, beta: beta, padA: 1, padB: 2, padC: 3})
				}
			}
		}
	})
}

// TestDgemmBlocking puts each dimension just below, at and just above every
// register tile and cache block of the kernel in use, one dimension at a
// time, in all four transpose forms.
func TestDgemmBlocking(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		kr := kernels[Current()]
		rng := rand.New(rand.NewPCG(5, 6))
		var sizes []int
		for _, s := range []int{kr.mr, kr.nr, 2 * kr.mr, 2 * kr.nr, kr.mc, kr.kc, kr.nc} {
			sizes = append(sizes, s-1, s, s+1)
		}
		for _, s := range sizes {
			for f := 0; f < 4; f++ {
				tA, tB := f&1 != 0, f&2 != 0
				beta := betas[f%3]
				checkDgemm(t, rng, dgemmCase{tA: tA, tB: tB, m: s, n: 11, k: 9, alpha: 1, beta: beta, padA: 1})
				checkDgemm(t, rng, dgemmCase{tA: tA, tB: tB, m: 10, n: s, k: 9, alpha: -0.5, beta: beta, padB: 1})
				checkDgemm(t, rng, dgemmCase{tA: tA, tB: tB, m: 10, n: 11, k: s, alpha: 1, beta: beta, padC: 1})
			}
		}
		// Several blocks in every dimension at once.
		for f := 0; f < 4; f++ {
			checkDgemm(t, rng, dgemmCase{tA: f&1 != 0, tB: f&2 != 0, m: kr.mc + kr.mr + 1, n: kr.nc + kr.nr + 1, k: kr.kc + 3,
				alpha: -0.5, beta: 0.3, padA: 2, padB: 1, padC: 1})
		}
	})
}

// TestDgemmParallel forces the worker-pool path on shapes of every kind,
// including ones with fewer tiles than workers.
func TestDgemmParallel(t *testing.T) {
	old := parallelFlops
	parallelFlops = 1
	defer func() { parallelFlops = old }()
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, s := range [][3]int{{1, 1, 1}, {3, 50, 7}, {50, 3, 7}, {16, 256, 64}, {97, 101, 103}, {300, 17, 40}} {
			for f := 0; f < 4; f++ {
				checkDgemm(t, rng, dgemmCase{tA: f&1 != 0, tB: f&2 != 0, m: s[0], n: s[1], k: s[2], alpha: 1, beta: betas[f%3], padA: 1, padC: 2})
			}
		}
	})
}

// TestDgemmConcurrent runs products from several goroutines at once, all
// through the worker pool, and checks each against the oracle.
func TestDgemmConcurrent(t *testing.T) {
	old := parallelFlops
	parallelFlops = 1
	defer func() { parallelFlops = old }()
	const goroutines = 4
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(9, uint64(g)))
			for i := range 3 {
				checkDgemm(t, rng, dgemmCase{tA: i&1 != 0, tB: g&1 != 0, m: 100 + g, n: 120 + i, k: 200, alpha: 1, beta: 0.3})
			}
		}()
	}
	wg.Wait()
}

// TestDgemmAllocs checks that steady-state calls, small and parallel, do not
// allocate.
func TestDgemmAllocs(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		for _, s := range [][3]int{{16, 256, 256}, {256, 256, 256}, {7, 5, 3}} {
			m, n, k := s[0], s[1], s[2]
			a, b, c := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
			for f := 0; f < 4; f++ {
				tA, tB := f&1 != 0, f&2 != 0
				lda, ldb := k, n
				if tA {
					lda = m
				}
				if tB {
					ldb = k
				}
				Dgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, n)
				if got := testing.AllocsPerRun(5, func() { Dgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, 0, c, n) }); got != 0 {
					t.Errorf("%d×%d×%d tA=%v tB=%v: %v allocs per call, want 0", m, n, k, tA, tB, got)
				}
			}
		}
	})
}

func TestDgemmPanics(t *testing.T) {
	a := make([]float64, 6)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"negative", func() { Dgemm(false, false, -1, 1, 1, 1, a, 1, a, 1, 0, a, 1) }},
		{"lda", func() { Dgemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) }},
		{"short", func() { Dgemm(false, false, 3, 2, 3, 1, a, 3, a, 2, 0, a, 2) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.f()
		}()
	}
	if Supported(AVX512) && Supported(AVX2) {
		return
	}
	defer func() {
		if recover() == nil {
			t.Error("Use of an unsupported kernel did not panic")
		}
	}()
	Use(AVX512)
	Use(AVX2)
}

// TestDefaultKernel checks that Dgemm starts on the best kernel the machine
// supports, and that the detection agrees with itself.
func TestDefaultKernel(t *testing.T) {
	if Current() != Best() {
		t.Errorf("Current() = %v, Best() = %v", Current(), Best())
	}
	want := Portable
	if avx2, avx512 := detect(); avx512 {
		want = AVX512
	} else if avx2 {
		want = AVX2
	}
	if Best() != want {
		t.Errorf("Best() = %v, want %v from CPU detection", Best(), want)
	}
	t.Logf("best kernel on this machine: %v", Best())
}

// TestDgemmDotAndPacked runs A·Bᵀ through both the dot-product path and the
// packed path, whichever the default policy would pick.
func TestDgemmDotAndPacked(t *testing.T) {
	old := dotMaxM
	defer func() { dotMaxM = old }()
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, limit := range []int{0, 1 << 30} {
			dotMaxM = limit
			// Ragged shapes (m or n not a multiple of 4, or below 4) go through the
			// tile with a sliding or stride-0 window (dotRagged).
			for _, s := range [][3]int{{4, 4, 32}, {16, 256, 64}, {13, 7, 41}, {5, 9, 300}, {33, 17, 31}, {9, 10, 8},
				{1, 1, 32}, {2, 3, 40}, {3, 5, 37}, {6, 2, 64}, {7, 6, 33}, {15, 256, 256}, {13, 255, 256}, {1, 9, 48}} {
				checkDgemm(t, rng, dgemmCase{tB: true, m: s[0], n: s[1], k: s[2], alpha: -0.5, beta: 0.3, padA: 1, padB: 3, padC: 1})
			}
		}
	})
}
