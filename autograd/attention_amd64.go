//go:build !purego

package autograd

import (
	"unsafe"

	"github.com/gogfn/gogfn/autograd/gemm"
)

//go:noescape
func mulRowsAVX512(m, n, k int, a *float64, ars, acs int, b *float64, ldb int, c *float64, ldc int, acc bool)

//go:noescape
func expAVX512(dst, x *float64, n int)

//go:noescape
func softmaxAVX512(s *float64, l, rows int, tmp *float64)

//go:noescape
func transposeAVX512(dst, x *float64, rows, cols int, idx *int64, step int, s float64)

var avx512AttnKernels = attnKernels{mulRows: mulRowsVecAVX512, exp: expVecAVX512, softmax: softmaxVecAVX512,
	transpose: transposeVecAVX512}

// attn holds the Attention kernels this CPU runs: the AVX-512 assembly when
// gemm reports AVX-512 (F, DQ and VL; the kernels need only F), else the
// portable Go.
var attn = bestAttnKernels()

func bestAttnKernels() attnKernels {
	if gemm.Supported(gemm.AVX512) {
		return avx512AttnKernels
	}
	return goAttnKernels
}

// attnKernelSets returns the kernel sets that can run on this CPU, by name.
func attnKernelSets() map[string]attnKernels {
	ks := map[string]attnKernels{"go": goAttnKernels}
	if gemm.Supported(gemm.AVX512) {
		ks["avx512"] = avx512AttnKernels
	}
	return ks
}

// mulRowsVecAVX512 checks the operands and runs the kernel on column blocks
// of at most 16.
func mulRowsVecAVX512(m, n, k int, a []float64, ars, acs int, b []float64, ldb int, c []float64, ldc int, acc bool) {
	checkMulRows(m, n, k, a, ars, acs, b, ldb, c, ldc)
	if m <= 0 || n <= 0 || k <= 0 {
		mulRowsGo(m, n, k, a, ars, acs, b, ldb, c, ldc, acc)
		return
	}
	for j := 0; j < n; j += 16 {
		mulRowsAVX512(m, min(16, n-j), k, unsafe.SliceData(a), ars, acs, &b[j], ldb, &c[j], ldc, acc)
	}
}

func expVecAVX512(dst, x []float64) {
	if len(x) == 0 {
		return
	}
	dst = dst[:len(x)]
	expAVX512(unsafe.SliceData(dst), unsafe.SliceData(x), len(x))
}

func softmaxVecAVX512(s []float64, l, rows int, tmp []float64) {
	if l <= 0 || rows <= 0 {
		return
	}
	_ = s[l*rows-1]
	_ = tmp[rows-1]
	softmaxAVX512(unsafe.SliceData(s), l, rows, unsafe.SliceData(tmp))
}

func transposeVecAVX512(dst, x []float64, rows, cols, ldx int, s float64) {
	if rows <= 0 || cols <= 0 {
		return
	}
	checkTranspose(dst, x, rows, cols, ldx)
	var idx [8]int64
	for l := range idx {
		idx[l] = int64(l * ldx)
	}
	transposeAVX512(unsafe.SliceData(dst), unsafe.SliceData(x), rows, cols, &idx[0], 64*ldx, s)
}
