//go:build !purego

package optim

import (
	"unsafe"

	"github.com/gogfn/gogfn/autograd/gemm"
)

// The averaging kernels (average_amd64.s) compute exactly what meanGo and
// emaGo compute, with the same correctly rounded operations in the same
// order and no FMA, so their results are bit-identical to the portable
// loops.

//go:noescape
func meanAVX2(n int, ap, xp *float64, k float64)

//go:noescape
func emaAVX2(n int, ap, xp *float64, keep, take float64)

var hasAVX2 = gemm.Supported(gemm.AVX2)

// meanKernel sets a[j] ← a[j] + (x[j] − a[j])/k for j < len(a); x must be at
// least as long as a.
func meanKernel(a, x []float64, k float64) {
	if hasAVX2 && len(a) > 0 {
		meanAVX2(len(a), unsafe.SliceData(a), unsafe.SliceData(x[:len(a)]), k)
		return
	}
	meanGo(a, x, k)
}

// emaKernel sets a[j] ← a[j]·keep + x[j]·take for j < len(a); x must be at
// least as long as a.
func emaKernel(a, x []float64, keep, take float64) {
	if hasAVX2 && len(a) > 0 {
		emaAVX2(len(a), unsafe.SliceData(a), unsafe.SliceData(x[:len(a)]), keep, take)
		return
	}
	emaGo(a, x, keep, take)
}
