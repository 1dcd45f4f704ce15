package gemm

import (
	"fmt"
	"sync/atomic"
)

// Kernel names a micro-kernel family: the register tile that computes a small
// block of C from packed panels of A and B, together with its blocking sizes.
type Kernel int

const (
	// Portable is the register-blocked pure-Go kernel. It runs everywhere.
	Portable Kernel = iota
	// AVX2 is the 6×8 AVX2+FMA assembly kernel (amd64 only).
	AVX2
	// AVX512 is the 8×24 AVX-512 assembly kernel (amd64 only).
	AVX512
	numKernels
)

// String returns the kernel's name.
func (k Kernel) String() string {
	switch k {
	case Portable:
		return "portable"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	}
	return fmt.Sprintf("Kernel(%d)", int(k))
}

// kernel is a micro-kernel with its register tile (mr×nr) and its cache
// blocking: a packed A block is at most mc×kc, a packed B block kc×nc.
// mc and nc are multiples of mr and nr.
type kernel struct {
	mr, nr, mc, kc, nc int
	// micro computes C[mr×nr] += A·B where a holds k steps of mr values,
	// lda apart, and b holds k rows of nr values, ldb apart. A masked kernel
	// updates only the first rows×cols corner of C, and with overwrite
	// stores C = A·B without reading C; it reads only the first cols
	// values of each row of b, so a ragged panel of B needs no packing.
	// The others always update the whole tile (the driver gives them a
	// scratch tile at ragged edges) and ignore overwrite.
	micro  microFunc
	masked bool
	// short, if set, are masked tiles of mr/4 and mr/2 rows that compute
	// the same sums as micro for those rows, from the same panels: the
	// last row panel of a product takes the smallest that covers it.
	short [2]microFunc
	// rowA, if set, is micro reading an untransposed A in place (row r of
	// the tile at a[r·lda:], its k values consecutive) instead of a packed
	// panel: the same sums, without packing A. It runs on full tiles.
	rowA microFunc
	// rowShort, if set, are rowA tiles of 1, 2, 3 and 4 rows: the last
	// rows of an untransposed A are read in place too (see rowTile).
	rowShort [4]microFunc
	// dot, if not nil, is a dot-product tile for A·Bᵀ (see useDot).
	dot dotTile
	// narrow, if not nil, replaces this kernel for products with at most
	// narrow.nr columns.
	narrow *kernel
}

// microFunc is a micro-kernel (see kernel.micro).
type microFunc func(k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc, rows, cols int, overwrite bool)

// kernels is indexed by Kernel; nil entries are not built for this
// architecture.
var kernels = [numKernels]*kernel{
	Portable: {mr: 4, nr: 4, mc: 96, kc: 256, nc: 264, micro: microGo},
	AVX2:     archAVX2,
	AVX512:   archAVX512,
}

var (
	hasAVX2, hasAVX512 = detect()
	// current holds the Kernel used by Dgemm.
	current atomic.Int32
)

func init() { current.Store(int32(Best())) }

// Supported reports whether k can run on this machine: it is built for this
// architecture and the CPU and operating system support its instructions.
func Supported(k Kernel) bool {
	switch k {
	case Portable:
		return true
	case AVX2:
		return hasAVX2 && kernels[AVX2] != nil
	case AVX512:
		return hasAVX512 && kernels[AVX512] != nil
	}
	return false
}

// Best returns the fastest supported kernel. Dgemm uses it unless Use says
// otherwise.
func Best() Kernel {
	for k := numKernels - 1; k > Portable; k-- {
		if Supported(k) {
			return k
		}
	}
	return Portable
}

// Use makes Dgemm use kernel k from now on, process-wide, and returns the
// kernel used before. Tests and benchmarks use it to force a path, for
// example Use(Portable). Calls already running finish with their kernel.
//
// It panics if k is not supported on this machine.
func Use(k Kernel) (prev Kernel) {
	if !Supported(k) {
		panic("gemm: kernel " + k.String() + " not supported on this machine")
	}
	return Kernel(current.Swap(int32(k)))
}

// Current returns the kernel Dgemm uses.
func Current() Kernel { return Kernel(current.Load()) }
