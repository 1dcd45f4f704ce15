package autograd

import "github.com/gogfn/gogfn/autograd/gemm"

// smallMul computes C = alpha·op(A)·op(B) + beta·C for the small per-head
// products of Attention, with the arguments of gemm.Dgemm.
func smallMul(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
