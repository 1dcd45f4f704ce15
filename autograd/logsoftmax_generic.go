//go:build !amd64 || purego

package autograd

// lsek holds the LogSoftmax kernels: the portable Go on this architecture or
// in purego builds.
var lsek = goLSEKernels

// lseKernelSets returns the kernel sets that can run here, by name.
func lseKernelSets() map[string]lseKernels {
	return map[string]lseKernels{"go": goLSEKernels}
}
