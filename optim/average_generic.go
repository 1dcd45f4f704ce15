//go:build !amd64 || purego

package optim

// meanKernel sets a[j] ← a[j] + (x[j] − a[j])/k for j < len(a): the portable
// loop on this architecture or in purego builds.
func meanKernel(a, x []float64, k float64) { meanGo(a, x, k) }

// emaKernel sets a[j] ← a[j]·keep + x[j]·take for j < len(a).
func emaKernel(a, x []float64, keep, take float64) { emaGo(a, x, keep, take) }
