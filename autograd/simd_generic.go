//go:build !amd64 || purego

package autograd

// elt holds the element-wise kernels the tape runs: the portable loops on
// this architecture or in purego builds.
var elt = goEltKernels

// eltKernelSets returns the kernel sets that can run here, by name.
func eltKernelSets() map[string]eltKernels {
	return map[string]eltKernels{"go": goEltKernels}
}
