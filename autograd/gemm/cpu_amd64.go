//go:build !purego

package gemm

// cpuid executes the CPUID instruction for the given leaf and sub-leaf.
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// xgetbv reads extended control register XCR0. Call it only when CPUID
// reports OSXSAVE.
func xgetbv() (eax, edx uint32)

// detect reports which vector kernels this CPU and operating system support.
// AVX state (XCR0 bits 1-2) must be enabled by the OS for AVX2, and the
// opmask and upper-ZMM state (bits 5-7) as well for AVX-512.
func detect() (avx2, avx512 bool) {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false, false
	}
	_, _, ecx1, _ := cpuid(1, 0)
	const (
		fma     = 1 << 12
		osxsave = 1 << 27
		avx     = 1 << 28
	)
	if ecx1&(fma|osxsave|avx) != fma|osxsave|avx {
		return false, false
	}
	xcr0, _ := xgetbv()
	if xcr0&0x6 != 0x6 {
		return false, false
	}
	_, ebx7, _, _ := cpuid(7, 0)
	const (
		avx2Bit = 1 << 5
		avx512F = 1 << 16
		avx512D = 1 << 17
		avx512V = 1 << 31
	)
	avx2 = ebx7&avx2Bit != 0
	avx512 = avx2 && ebx7&(avx512F|avx512D|avx512V) == avx512F|avx512D|avx512V && xcr0&0xe0 == 0xe0
	return avx2, avx512
}
