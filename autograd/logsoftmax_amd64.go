//go:build !purego

package autograd

import (
	"unsafe"

	"github.com/gogfn/gogfn/autograd/gemm"
)

//go:noescape
func lseMaxAVX512(x *float64, valid *bool, n int) float64

//go:noescape
func lseExpSumAVX512(x *float64, valid *bool, n int, m float64) float64

//go:noescape
func lseSumAVX512(x *float64, valid *bool, n int) float64

//go:noescape
func lseShiftAVX512(dst, x *float64, valid *bool, n int, c float64)

//go:noescape
func lseBackAVX512(xg, gp, o *float64, valid *bool, n int, s, c float64)

//go:noescape
func lseExpWAVX512(dst, x *float64, valid *bool, n int, m, scale float64) float64

var avx512LSEKernels = lseKernels{max: lseMaxVecAVX512, expSum: lseExpSumVecAVX512, sum: lseSumVecAVX512,
	shift: lseShiftVecAVX512, back: lseBackVecAVX512, expW: lseExpWVecAVX512}

// lsek holds the LogSoftmax kernels this CPU runs: the AVX-512 assembly when
// gemm reports AVX-512 (F, DQ and VL; the kernels need only F), else the
// portable Go.
var lsek = bestLSEKernels()

func bestLSEKernels() lseKernels {
	if gemm.Supported(gemm.AVX512) {
		return avx512LSEKernels
	}
	return goLSEKernels
}

// lseKernelSets returns the kernel sets that can run on this CPU, by name.
func lseKernelSets() map[string]lseKernels {
	ks := map[string]lseKernels{"go": goLSEKernels}
	if gemm.Supported(gemm.AVX512) {
		ks["avx512"] = avx512LSEKernels
	}
	return ks
}

// The wrappers check the lengths (checkLSE) and pass a nil mask as a nil
// pointer.

func lseMaxVecAVX512(x []float64, valid []bool) float64 {
	checkLSE(valid, len(x))
	return lseMaxAVX512(unsafe.SliceData(x), unsafe.SliceData(valid), len(x))
}

func lseExpSumVecAVX512(x []float64, valid []bool, m float64) float64 {
	checkLSE(valid, len(x))
	return lseExpSumAVX512(unsafe.SliceData(x), unsafe.SliceData(valid), len(x), m)
}

func lseSumVecAVX512(x []float64, valid []bool) float64 {
	checkLSE(valid, len(x))
	return lseSumAVX512(unsafe.SliceData(x), unsafe.SliceData(valid), len(x))
}

func lseShiftVecAVX512(dst, x []float64, valid []bool, c float64) {
	checkLSE(valid, len(x), dst)
	lseShiftAVX512(unsafe.SliceData(dst), unsafe.SliceData(x), unsafe.SliceData(valid), len(x), c)
}

func lseBackVecAVX512(xg, g, o []float64, valid []bool, s, c float64) {
	checkLSE(valid, len(o), xg, g)
	lseBackAVX512(unsafe.SliceData(xg), unsafe.SliceData(g), unsafe.SliceData(o), unsafe.SliceData(valid), len(o), s, c)
}

func lseExpWVecAVX512(dst, x []float64, valid []bool, m, scale float64) float64 {
	checkLSE(valid, len(x), dst)
	return lseExpWAVX512(unsafe.SliceData(dst), unsafe.SliceData(x), unsafe.SliceData(valid), len(x), m, scale)
}
