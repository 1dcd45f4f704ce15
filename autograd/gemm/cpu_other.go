//go:build !amd64 || purego

package gemm

// detect reports no vector kernels: only the portable Go kernel exists on
// this architecture.
func detect() (avx2, avx512 bool) { return false, false }
