//go:build !purego

package optim

import (
	"unsafe"

	"github.com/gogfn/gogfn/autograd/gemm"
)

// The assembly kernels (polyak_amd64.s) compute exactly what polyakGo
// computes: two VMULPD and a VADDPD, each rounded, and no FMA.

//go:noescape
func polyakAVX512(n int, dp, sp *float64, c, tau float64)

//go:noescape
func polyakAVX2(n int, dp, sp *float64, c, tau float64)

// polyakKernel is the kernel Polyak runs, the fastest this CPU supports.
// Tests set it to force a path.
var polyakKernel = bestPolyakKernel()

func bestPolyakKernel() polyakFunc {
	switch {
	case gemm.Supported(gemm.AVX512):
		return polyakVec(polyakAVX512)
	case gemm.Supported(gemm.AVX2):
		return polyakVec(polyakAVX2)
	}
	return polyakGo
}

// polyakKernels returns the kernels that can run on this CPU, by name.
func polyakKernels() map[string]polyakFunc {
	ks := map[string]polyakFunc{"go": polyakGo}
	if gemm.Supported(gemm.AVX2) {
		ks["avx2"] = polyakVec(polyakAVX2)
	}
	if gemm.Supported(gemm.AVX512) {
		ks["avx512"] = polyakVec(polyakAVX512)
	}
	return ks
}

// polyakVec wraps an assembly kernel as a polyakFunc.
func polyakVec(k func(n int, dp, sp *float64, c, tau float64)) polyakFunc {
	return func(d, s []float64, tau float64) {
		s = s[:len(d)]
		if len(d) > 0 {
			k(len(d), unsafe.SliceData(d), unsafe.SliceData(s), 1-tau, tau)
		}
	}
}
