package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd/gemm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// matMulShape is one product C[m×n] = op(A)·op(B) with inner dimension k.
type matMulShape struct {
	m, k, n int
	tA, tB  bool
}

func (s matMulShape) String() string {
	op := [2]string{"N", "T"}
	return fmt.Sprintf("m=%d,k=%d,n=%d,op=%s%s", s.m, s.k, s.n, op[b2i(s.tA)], op[b2i(s.tB)])
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// matMulShapes lists the products of one training step of the MLP
// 64 → 256 → 256 → 5 at batch sizes 16 to 1024 — forward x·W (NN), input
// gradient g·Wᵀ (NT) and weight gradient xᵀ·g (TN) per layer — then the
// square 256³ product. Duplicates are dropped.
func matMulShapes() []matMulShape {
	layers := [][2]int{{64, 256}, {256, 256}, {256, 5}}
	var out []matMulShape
	seen := map[matMulShape]bool{}
	add := func(s matMulShape) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, batch := range []int{16, 64, 256, 1024} {
		for _, l := range layers {
			in, o := l[0], l[1]
			add(matMulShape{m: batch, k: in, n: o})           // x·W
			add(matMulShape{m: batch, k: o, n: in, tB: true}) // ∂x = g·Wᵀ
			add(matMulShape{m: in, k: batch, n: o, tA: true}) // ∂W = xᵀ·g
		}
	}
	add(matMulShape{m: 256, k: 256, n: 256})
	return out
}

// dgemmFunc is the signature shared by gemm.Dgemm and the gonum adapter.
type dgemmFunc func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)

// BenchmarkMatMul measures gemm.Dgemm, the product autograd uses, on the
// shapes of matMulShapes, in GFLOP/s per wall-clock second and per CPU
// second of the process (cpu-GFLOP/s, the figure to compare on a shared
// machine). Run with -cpu 1,2 to see the single-threaded figure beside the
// two-core one.
func BenchmarkMatMul(b *testing.B) {
	for _, s := range matMulShapes() {
		b.Run(s.String(), func(b *testing.B) { benchMatMul(b, s, gemm.Dgemm) })
	}
}

// BenchmarkMatMulKernel compares gemm's kernels (AVX-512, AVX2, portable Go,
// whichever this machine supports) on the square 256³ product and the
// small-batch product m=16, k=256, n=256.
func BenchmarkMatMulKernel(b *testing.B) {
	for k := gemm.Portable; k <= gemm.AVX512; k++ {
		if !gemm.Supported(k) {
			continue
		}
		for _, s := range []matMulShape{{m: 256, k: 256, n: 256}, {m: 16, k: 256, n: 256}, {m: 16, k: 256, n: 256, tB: true}} {
			b.Run("kernel="+k.String()+"/"+s.String(), func(b *testing.B) {
				prev := gemm.Use(k)
				defer gemm.Use(prev)
				benchMatMul(b, s, gemm.Dgemm)
			})
		}
	}
}

// BenchmarkMatMulGonum measures gonum's pure-Go Dgemm, called directly, on
// the same shapes: the yardstick of the issue.
func BenchmarkMatMulGonum(b *testing.B) {
	for _, s := range matMulShapes() {
		b.Run(s.String(), func(b *testing.B) { benchMatMul(b, s, gonumDgemm) })
	}
}

func gonumDgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	gonum.Implementation{}.Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func benchMatMul(b *testing.B, s matMulShape, f dgemmFunc) {
	rng := rand.New(rand.NewPCG(1, 1))
	fill := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		return x
	}
	a, bb, c := fill(s.m*s.k), fill(s.k*s.n), fill(s.m*s.n)
	lda, ldb := s.k, s.n
	if s.tA {
		lda = s.m
	}
	if s.tB {
		ldb = s.k
	}
	f(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n) // warm the buffers and the pool
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		f(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
	}
	cpu := processCPU() - cpu0
	flops := 2 * float64(s.m) * float64(s.k) * float64(s.n) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(flops/cpu.Seconds()/1e9, "cpu-GFLOP/s")
	}
}
