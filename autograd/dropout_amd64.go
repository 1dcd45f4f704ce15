//go:build !purego

package autograd

import (
	"unsafe"

	"github.com/gogfn/gogfn/autograd/gemm"
)

//go:noescape
func dropMaskAVX512(keep *bool, n int, thr uint32, ctr *uint64, gamma8 uint64)

//go:noescape
func dropScaleAVX512(dst, src *float64, keep *bool, n int, s float64)

//go:noescape
func dropAccAVX512(dst, src *float64, keep *bool, n int, s float64)

var avx512DropKernels = dropKernels{mask: dropMaskVecAVX512, scale: dropScaleVecAVX512, acc: dropAccVecAVX512}

// drop holds the dropout kernels this CPU runs: the AVX-512 assembly when
// gemm reports AVX-512 (F, DQ and VL, which the kernels use), else the
// portable Go.
var drop = bestDropKernels()

func bestDropKernels() dropKernels {
	if gemm.Supported(gemm.AVX512) {
		return avx512DropKernels
	}
	return goDropKernels
}

// dropKernelSets returns the kernel sets that can run on this CPU, by name.
func dropKernelSets() map[string]dropKernels {
	ks := map[string]dropKernels{"go": goDropKernels}
	if gemm.Supported(gemm.AVX512) {
		ks["avx512"] = avx512DropKernels
	}
	return ks
}

// dropMaskVecAVX512 runs the kernel on the largest multiple of 16 elements
// and the Go loop on the rest.
func dropMaskVecAVX512(keep []bool, thr uint32, seed uint64) {
	n := len(keep) &^ 15
	if n > 0 {
		var ctr [8]uint64
		for j := range ctr {
			ctr[j] = seed + uint64(j+1)*mixGamma
		}
		gamma := uint64(mixGamma)
		dropMaskAVX512(unsafe.SliceData(keep), n, thr, &ctr[0], 8*gamma)
	}
	dropMaskFrom(keep, thr, seed, n)
}

func dropScaleVecAVX512(dst, src []float64, keep []bool, s float64) {
	dst, keep = dst[:len(src)], keep[:len(src)]
	n := len(src) &^ 7
	if n > 0 {
		dropScaleAVX512(unsafe.SliceData(dst), unsafe.SliceData(src), unsafe.SliceData(keep), n, s)
	}
	dropScaleGo(dst[n:], src[n:], keep[n:], s)
}

func dropAccVecAVX512(dst, g []float64, keep []bool, s float64) {
	dst, keep = dst[:len(g)], keep[:len(g)]
	n := len(g) &^ 7
	if n > 0 {
		dropAccAVX512(unsafe.SliceData(dst), unsafe.SliceData(g), unsafe.SliceData(keep), n, s)
	}
	dropAccGo(dst[n:], g[n:], keep[n:], s)
}
