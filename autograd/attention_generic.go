//go:build !amd64 || purego

package autograd

// attn holds the Attention kernels: the portable Go on this architecture or
// in purego builds.
var attn = goAttnKernels

// attnKernelSets returns the kernel sets that can run here, by name.
func attnKernelSets() map[string]attnKernels {
	return map[string]attnKernels{"go": goAttnKernels}
}
