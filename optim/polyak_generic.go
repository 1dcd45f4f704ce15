//go:build !amd64 || purego

package optim

// polyakKernel is the kernel Polyak runs: the portable loop on this
// architecture or in purego builds.
var polyakKernel polyakFunc = polyakGo

// polyakKernels returns the kernels that can run here, by name.
func polyakKernels() map[string]polyakFunc {
	return map[string]polyakFunc{"go": polyakGo}
}
