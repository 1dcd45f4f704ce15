//go:build !amd64 || purego

package gemm

// No assembly kernels exist for this architecture.
var archAVX512, archAVX2 *kernel
