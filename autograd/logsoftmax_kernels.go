package autograd

import "math"

// The kernels of LogSoftmax and LogSumExpRows: each works on one row x of
// n elements and an optional mask valid (nil: every entry is valid), with
// the exponential expm (attention_kernels.go), which is within about one
// unit in the last place of math.Exp. Each has a portable Go definition
// here and, on amd64 with AVX-512, an assembly version (logsoftmax_amd64.s)
// that gives the same results to the bit: sums are taken in eight lanes
// (lane j mod 8) added pairwise as sum8 does, and every other step is one
// rounded operation per element in the same order.

// lseKernels is one implementation of the LogSoftmax kernels. Each panics
// if a slice is shorter than x, or valid is neither nil nor that long.
type lseKernels struct {
	// max returns the maximum of the valid entries of x, −Inf if there is
	// none. With NaN among them the result is unspecified, but the
	// expSum that follows is NaN then.
	max func(x []float64, valid []bool) float64
	// expSum returns Σ expm(x[j] − m) over the valid entries.
	expSum func(x []float64, valid []bool, m float64) float64
	// sum returns Σ x[j] over the valid entries.
	sum func(x []float64, valid []bool) float64
	// shift sets dst[j] = x[j] − c at the valid entries and −Inf at the
	// others.
	shift func(dst, x []float64, valid []bool, c float64)
	// back adds g[j] − expm(o[j] − c)·s to xg[j] at the valid entries:
	// the backward pass of a log-softmax row o − c with s = Σ g (c = 0
	// for a row of LogSoftmax's output, the log-normaliser for a row of
	// its input).
	back func(xg, g, o []float64, valid []bool, s, c float64)
	// expW sets dst[j] = expm((x[j] − m)·scale) at the valid entries and
	// +0 at the others, and returns Σ dst[j]: the weights of a softmax
	// with temperature 1/scale.
	expW func(dst, x []float64, valid []bool, m, scale float64) float64
}

var goLSEKernels = lseKernels{max: lseMaxGo, expSum: lseExpSumGo, sum: lseSumGo, shift: lseShiftGo, back: lseBackGo, expW: lseExpWGo}

// checkLSE panics unless the slices of a kernel call on x are long enough.
func checkLSE(valid []bool, n int, others ...[]float64) {
	if valid != nil && len(valid) < n {
		panic(shapeErr("mask of length %d for a row of %d", len(valid), n))
	}
	for _, o := range others {
		if len(o) < n {
			panic(shapeErr("slice of length %d for a row of %d", len(o), n))
		}
	}
}

func lseMaxGo(x []float64, valid []bool) float64 {
	checkLSE(valid, len(x))
	mx := math.Inf(-1)
	for j, v := range x {
		if (valid == nil || valid[j]) && v > mx {
			mx = v
		}
	}
	return mx
}

// laneSum adds the valid values f(j) in eight lanes, as sum8 does.
func laneSum(n int, valid []bool, f func(j int) float64) float64 {
	var s [8]float64
	for j := 0; j < n; j++ {
		if valid == nil || valid[j] {
			s[j%8] += f(j)
		}
	}
	return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]))
}

func lseExpSumGo(x []float64, valid []bool, m float64) float64 {
	checkLSE(valid, len(x))
	return laneSum(len(x), valid, func(j int) float64 { return expm(x[j] - m) })
}

func lseSumGo(x []float64, valid []bool) float64 {
	checkLSE(valid, len(x))
	return laneSum(len(x), valid, func(j int) float64 { return x[j] })
}

func lseShiftGo(dst, x []float64, valid []bool, c float64) {
	checkLSE(valid, len(x), dst)
	for j, v := range x {
		if valid == nil || valid[j] {
			dst[j] = v - c
		} else {
			dst[j] = math.Inf(-1)
		}
	}
}

func lseBackGo(xg, g, o []float64, valid []bool, s, c float64) {
	n := len(o)
	checkLSE(valid, n, xg, g)
	for j, v := range o[:n] {
		if valid == nil || valid[j] {
			// The conversion rounds the product: no fused multiply-add,
			// as in the vector kernel.
			xg[j] += g[j] - float64(expm(v-c)*s)
		}
	}
}

func lseExpWGo(dst, x []float64, valid []bool, m, scale float64) float64 {
	checkLSE(valid, len(x), dst)
	for j, v := range x {
		dst[j] = 0
		if valid == nil || valid[j] {
			dst[j] = expm((v - m) * scale)
		}
	}
	return laneSum(len(x), nil, func(j int) float64 { return dst[j] })
}
