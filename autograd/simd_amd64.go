//go:build !purego

package autograd

import (
	"unsafe"

	"github.com/gogfn/gogfn/autograd/gemm"
)

// The assembly kernels (simd_amd64.s) give results bit-identical to the
// portable loops reluFwdGo and reluBwdGo, NaN payloads and signed zeros
// included; simd_amd64.s explains how. Each takes raw pointers and a length;
// the wrappers below slice their arguments to that length first, so a short
// destination panics as in the portable loops.

//go:noescape
func reluFwdAVX512(dst, x *float64, n int)

//go:noescape
func reluFwdAVX2(dst, x *float64, n int)

//go:noescape
func reluBwdAVX512(xg, gp, out *float64, n int)

//go:noescape
func reluBwdAVX2(xg, gp, out *float64, n int)

//go:noescape
func addAVX512(dst, x, y *float64, n int)

//go:noescape
func addAVX2(dst, x, y *float64, n int)

var (
	avx512EltKernels = eltKernels{reluFwd: reluFwdVecAVX512, reluBwd: reluBwdVecAVX512, add: addVecAVX512}
	avx2EltKernels   = eltKernels{reluFwd: reluFwdVecAVX2, reluBwd: reluBwdVecAVX2, add: addVecAVX2}
)

// elt holds the element-wise kernels the tape runs, the fastest this CPU
// supports. Tests set it to force a path.
var elt = bestEltKernels()

// bestEltKernels asks autograd/gemm what the CPU supports. The AVX-512
// kernels use only AVX-512F instructions, which gemm's AVX512 implies; the
// AVX2 kernels use only AVX and AVX2.
func bestEltKernels() eltKernels {
	switch {
	case gemm.Supported(gemm.AVX512):
		return avx512EltKernels
	case gemm.Supported(gemm.AVX2):
		return avx2EltKernels
	}
	return goEltKernels
}

// eltKernelSets returns the kernel sets that can run on this CPU, by name.
func eltKernelSets() map[string]eltKernels {
	ks := map[string]eltKernels{"go": goEltKernels}
	if gemm.Supported(gemm.AVX2) {
		ks["avx2"] = avx2EltKernels
	}
	if gemm.Supported(gemm.AVX512) {
		ks["avx512"] = avx512EltKernels
	}
	return ks
}

func reluFwdVecAVX512(dst, x []float64) {
	dst = dst[:len(x)]
	reluFwdAVX512(unsafe.SliceData(dst), unsafe.SliceData(x), len(x))
}

func reluFwdVecAVX2(dst, x []float64) {
	dst = dst[:len(x)]
	reluFwdAVX2(unsafe.SliceData(dst), unsafe.SliceData(x), len(x))
}

func reluBwdVecAVX512(xg, g, out []float64) {
	xg, out = xg[:len(g)], out[:len(g)]
	reluBwdAVX512(unsafe.SliceData(xg), unsafe.SliceData(g), unsafe.SliceData(out), len(g))
}

func reluBwdVecAVX2(xg, g, out []float64) {
	xg, out = xg[:len(g)], out[:len(g)]
	reluBwdAVX2(unsafe.SliceData(xg), unsafe.SliceData(g), unsafe.SliceData(out), len(g))
}

func addVecAVX512(dst, x, y []float64) {
	dst, y = dst[:len(x)], y[:len(x)]
	addAVX512(unsafe.SliceData(dst), unsafe.SliceData(x), unsafe.SliceData(y), len(x))
}

func addVecAVX2(dst, x, y []float64) {
	dst, y = dst[:len(x)], y[:len(x)]
	addAVX2(unsafe.SliceData(dst), unsafe.SliceData(x), unsafe.SliceData(y), len(x))
}
