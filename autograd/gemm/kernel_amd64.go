//go:build !purego

package gemm

//go:generate go run gen_kernels.go

import "unsafe"

// The micro-kernels below are written by gen_kernels.go
// (go run gen_kernels.go). Each computes C[mr×nr] += A·B for one packed A
// micro-panel (mr doubles per k step, lda apart; lda = mr when A is packed)
// and one B micro-panel whose rows of nr doubles lie ldb doubles apart
// (ldb = nr when B is packed).

// kern512 is the AVX-512 8×24 tile: 24 zmm accumulators, 3 zmm of B and
// one broadcast of A per row and k step.
//
//go:noescape
func kern512(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

// kern512r4 and kern512r2 are kern512 on 4 and 2 rows: the same sums for
// the rows they compute, for the last row panel of a short product, where
// the 8-row tile would spend most of its time on padding.
//
//go:noescape
func kern512r4(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

//go:noescape
func kern512r2(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

// kern512a and kern512na are kern512 and kern512n reading A in place,
// row-major (row r of the tile at a + r·lda), for untransposed A: the same
// sums without packing A.
//
//go:noescape
func kern512a(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

// kern512a1 … kern512a4 are kern512a on 1 to 4 rows, for the last rows of
// a product, which they read in place too: together they cover any number
// of rows below 8 with the same sums.
//
//go:noescape
func kern512a1(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

//go:noescape
func kern512a2(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

//go:noescape
func kern512a3(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

//go:noescape
func kern512a4(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

//go:noescape
func kern512na(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

// kern512n is the AVX-512 8×8 tile for narrow products (n ≤ 8), where the
// 8×24 tile would waste most of its work.
//
//go:noescape
func kern512n(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, rows int, masks uint64, overwrite bool)

// kern256 is the AVX2+FMA 6×8 tile: 12 ymm accumulators.
//
//go:noescape
func kern256(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int)

// dot512 is the AVX-512 4×4 dot-product tile (see dotTile).
//
//go:noescape
func dot512(k8 int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha float64)

func dotAVX512(k8 int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, alpha float64) {
	_ = a[3*lda+k8-1]
	_ = b[3*ldb+k8-1]
	_ = c[3*ldc+3]
	dot512(k8, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, alpha)
}

func microAVX512(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512r4(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512r4(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512r2(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512r2(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512a(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512a(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512a1(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512a1(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512a2(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512a2(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512a3(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512a3(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512a4(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512a4(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512na(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512na(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

func microAVX512n(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool) {
	kern512n(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc, rows, laneMasks(cols), overwrite)
}

// laneMasks returns the AVX-512 opmasks of the first cols columns of a tile
// row, one byte per vector of eight doubles.
func laneMasks(cols int) uint64 {
	if cols >= 64 {
		return ^uint64(0)
	}
	return 1<<cols - 1
}

func microAVX2(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, _, _ int, _ bool) {
	kern256(k, unsafe.SliceData(a), lda, unsafe.SliceData(b), ldb, unsafe.SliceData(c), ldc)
}

// The assembly kernels with their blocking; kernels picks them up. For the
// AVX-512 tile kc = 128 keeps an A micro-panel (8 KB) and a B micro-panel
// (24 KB) together in the 48 KB L1 cache; with kc = 256 the B panel alone
// fills it and the kernel measured up to 2× slower per flop on this machine.
var (
	archAVX512 = &kernel{mr: 8, nr: 24, mc: 96, kc: 128, nc: 264, masked: true, micro: microAVX512, dot: dotAVX512,
		short: [2]microFunc{microAVX512r2, microAVX512r4}, rowA: microAVX512a,
		rowShort: [4]microFunc{microAVX512a1, microAVX512a2, microAVX512a3, microAVX512a4},
		narrow:   &kernel{mr: 8, nr: 8, mc: 96, kc: 256, nc: 264, masked: true, micro: microAVX512n, rowA: microAVX512na}}
	archAVX2 = &kernel{mr: 6, nr: 8, mc: 96, kc: 256, nc: 264, micro: microAVX2}
)
