//go:build !purego

package optim

import (
	"unsafe"

	"github.com/gogfn/gogfn/autograd/gemm"
)

// The assembly kernels (adam_amd64.s) compute exactly what adamGo computes,
// with the same operations in the same order: VMULPD, VADDPD, VSQRTPD, VDIVPD
// and VSUBPD round every lane correctly, and there is no FMA, so their
// results are bit-identical to the portable loop. Each handles 16 (AVX-512)
// or 8 (AVX2) elements per iteration, then one vector, then a scalar tail.

//go:noescape
func adamAVX512(n int, wp, gp, mp, vp *float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64)

//go:noescape
func adamAVX2(n int, wp, gp, mp, vp *float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64)

// adamKernel is the Adam kernel adamUpdate runs, the fastest this CPU
// supports. Tests set it to force a path.
var adamKernel = bestAdamKernel()

// bestAdamKernel asks autograd/gemm what the CPU supports. Its AVX2 also
// requires FMA, which these kernels do not use; CPUs with AVX2 have both.
func bestAdamKernel() adamFunc {
	switch {
	case gemm.Supported(gemm.AVX512):
		return adamVecAVX512
	case gemm.Supported(gemm.AVX2):
		return adamVecAVX2
	}
	return adamGo
}

// adamKernels returns the kernels that can run on this CPU, by name.
func adamKernels() map[string]adamFunc {
	ks := map[string]adamFunc{"go": adamGo}
	if gemm.Supported(gemm.AVX2) {
		ks["avx2"] = adamVecAVX2
	}
	if gemm.Supported(gemm.AVX512) {
		ks["avx512"] = adamVecAVX512
	}
	return ks
}

// adamUpdate applies one Adam update to w, m and v from g and zeroes g; see
// adamGo for the exact arithmetic.
//
// It panics if w, m or v is shorter than g.
func adamUpdate(w, g, m, v []float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64) {
	adamKernel(w, g, m, v, b1, ob1, b2, ob2, ic2, step, decay, eps)
}

func adamVecAVX512(w, g, m, v []float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64) {
	checkAdamLens(w, g, m, v)
	n := len(g)
	adamAVX512(n, unsafe.SliceData(w), unsafe.SliceData(g), unsafe.SliceData(m), unsafe.SliceData(v),
		b1, ob1, b2, ob2, ic2, step, decay, eps)
}

func adamVecAVX2(w, g, m, v []float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64) {
	checkAdamLens(w, g, m, v)
	n := len(g)
	adamAVX2(n, unsafe.SliceData(w), unsafe.SliceData(g), unsafe.SliceData(m), unsafe.SliceData(v),
		b1, ob1, b2, ob2, ic2, step, decay, eps)
}
