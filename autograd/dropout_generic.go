//go:build !amd64 || purego

package autograd

// drop holds the dropout kernels: the portable Go on this architecture or
// in purego builds.
var drop = goDropKernels

// dropKernelSets returns the kernel sets that can run here, by name.
func dropKernelSets() map[string]dropKernels {
	return map[string]dropKernels{"go": goDropKernels}
}
