//go:build !amd64 || purego

package optim

// adamKernel is the Adam kernel adamUpdate runs: the portable loop on this
// architecture or in purego builds.
var adamKernel adamFunc = adamGo

// adamKernels returns the kernels that can run here, by name.
func adamKernels() map[string]adamFunc {
	return map[string]adamFunc{"go": adamGo}
}

// adamUpdate applies one Adam update to w, m and v from g and zeroes g; see
// adamGo for the exact arithmetic.
//
// It panics if w, m or v is shorter than g.
func adamUpdate(w, g, m, v []float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64) {
	adamKernel(w, g, m, v, b1, ob1, b2, ob2, ic2, step, decay, eps)
}
