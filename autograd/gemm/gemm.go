package gemm

// Dgemm computes C = alpha·op(A)·op(B) + beta·C where op(X) is X or Xᵀ as tA and
// tB say. All matrices are row-major: element (i, j) of A is a[i*lda+j]. op(A) is
// m×k, op(B) is k×n and C is m×n. When beta is 0, C is not read (NaN in C does
// not propagate). C must not overlap A or B. Dgemm may be called from several
// goroutines at once (with distinct C); large products are shared with a
// worker pool (see the package documentation). It does not allocate in
// steady state.
//
// It panics if m, n or k is negative, or if a leading dimension is too small
// or a slice too short for the shape it describes.
func Dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkArgs(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	p := params{tA: tA, tB: tB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}
	run(kernels[Current()], &p, beta)
}

// scaleC sets C = beta·C, writing zeros (not 0·C) when beta is 0.
func scaleC(m, n int, beta float64, c []float64, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// naive accumulates C += alpha·op(A)·op(B) with simple loops. It is the
// portable reference path.
func naive(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		crow := c[i*ldc : i*ldc+n]
		for p := 0; p < k; p++ {
			var av float64
			if tA {
				av = a[p*lda+i]
			} else {
				av = a[i*lda+p]
			}
			av *= alpha
			if av == 0 {
				continue
			}
			if tB {
				for j := range crow {
					crow[j] += av * b[j*ldb+p]
				}
			} else {
				brow := b[p*ldb : p*ldb+n]
				for j, bv := range brow {
					crow[j] += av * bv
				}
			}
		}
	}
}

func checkArgs(tA, tB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic("gemm: negative dimension")
	}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	check := func(name string, rows, cols int, s []float64, ld int) {
		if ld < max(cols, 1) {
			panic("gemm: bad leading dimension of " + name)
		}
		if rows > 0 && cols > 0 && len(s) < (rows-1)*ld+cols {
			panic("gemm: slice " + name + " too short")
		}
	}
	check("A", ar, ac, a, lda)
	check("B", br, bc, b, ldb)
	check("C", m, n, c, ldc)
}
