package autograd

import (
	"fmt"
	"math"
)

// LogSoftmax returns, for each row, x[i,j] − log Σₖ exp(x[i,k]): [m×n] → [m×n],
// the log-probabilities of a categorical distribution with logits x. If valid
// is not nil it is a row-major [m×n] mask: masked entries are −Inf in the
// output, take no part in the normaliser and receive zero gradient. The mask is
// copied.
//
// The exponentials are those of expm, within 2 units in the last place of
// math.Exp (a relative 3.5e−16 at most over 2·10⁷ points of [−708, 0]), and the normaliser's terms are summed in eight lanes:
// the results are the same to the bit on every CPU, with or without the
// AVX-512 kernels (logsoftmax_kernels.go).
//
// It panics if valid has the wrong length or masks out a whole row (ErrAllMasked).
func (t *Tape) LogSoftmax(x *Node, valid []bool) *Node {
	t.check(x)
	m, n := x.Dims()
	out := t.node(m, n, x, nil)
	out.bools = setMask(out.bools, valid, m, n)
	xv, ov := data(x.Value), data(out.Value)
	for i := 0; i < m; i++ {
		mask, row := rowMask(out.bools, i, n), xv[i*n:i*n+n]
		lsek.shift(ov[i*n:i*n+n], row, mask, logSumExp(row, mask))
	}
	out.back = logSoftmaxBack
	return out
}

// logSoftmaxBack: ∂x[i,j] += ∂out[i,j] − softmax[i,j]·Σₖ ∂out[i,k], over valid
// entries only.
func logSoftmaxBack(out *Node) {
	m, n := out.Dims()
	xg, ov, g := data(out.a.Grad), data(out.Value), data(out.Grad)
	for i := 0; i < m; i++ {
		mask, gi := rowMask(out.bools, i, n), g[i*n:i*n+n]
		lsek.back(xg[i*n:i*n+n], gi, ov[i*n:i*n+n], mask, lsek.sum(gi, mask), 0)
	}
}

// SoftmaxWeights sets w[j] = exp((x[j] − m)·(1/temp)) at the entries where valid
// is true (every entry if valid is nil) and +0 at the others, m being the
// largest valid entry, and returns m and Σⱼ w[j]: the weights of a masked
// softmax with temperature temp, not yet normalised. The exponential is
// LogSoftmax's (expm), summed the same way: the results are the same to the
// bit on every CPU. If m is infinite (no valid entry, every valid entry
// −Inf, or one +Inf) it returns m and 0 and leaves w as it was; with NaN
// among the valid entries the sum is NaN.
//
// It panics if w is shorter than x or valid is neither nil nor as long as x.
func SoftmaxWeights(w, x []float64, valid []bool, temp float64) (m, sum float64) {
	if valid != nil && len(valid) != len(x) {
		panic(shapeErr("mask of length %d for a row of %d", len(valid), len(x)))
	}
	m = lsek.max(x, valid)
	if math.IsInf(m, 0) {
		return m, 0
	}
	return m, lsek.expW(w, x, valid, m, 1/temp)
}

// LogSoftmaxPick returns, for each row i, LogSoftmax(x, valid)[i, idx[i]]:
// [m×n] → [m×1], the log-probability of one entry per row (−Inf if that
// entry is masked), equal to Pick of LogSoftmax to rounding but without its
// [m×n] output and gradient: the loss of a policy that reads one action per
// state. The mask and idx are copied.
//
// It panics as LogSoftmax does, with ErrShape if len(idx) is not m, and with
// ErrIndex if an index is outside its row.
func (t *Tape) LogSoftmaxPick(x *Node, valid []bool, idx []int) *Node {
	t.check(x)
	m, n := x.Dims()
	if len(idx) != m {
		panic(shapeErr("LogSoftmaxPick with %d indices from %d rows", len(idx), m))
	}
	out := t.node(m, 1, x, nil)
	out.bools = setMask(out.bools, valid, m, n)
	out.ints = append(out.ints[:0], idx...)
	if cap(out.auxData) < m {
		out.auxData = make([]float64, m)
	}
	lses := out.auxData[:m]
	xv, ov := data(x.Value), data(out.Value)
	for i, j := range idx {
		if j < 0 || j >= n {
			panic(fmt.Errorf("%w: LogSoftmaxPick index %d in row %d of width %d", ErrIndex, j, i, n))
		}
		mask := rowMask(out.bools, i, n)
		lses[i] = logSumExp(xv[i*n:i*n+n], mask)
		ov[i] = xv[i*n+j] - lses[i]
		if mask != nil && !mask[j] {
			ov[i] = math.Inf(-1)
		}
	}
	out.back = logSoftmaxPickBack
	return out
}

// logSoftmaxPickBack: ∂x[i,j] += ∂out[i]·(δ_{j,idx[i]} − softmax[i,j]) over
// valid entries, for rows whose picked entry is valid (a masked pick is a
// constant −Inf).
func logSoftmaxPickBack(out *Node) {
	x := out.a
	m, n := x.Dims()
	xv, xg, g := data(x.Value), data(x.Grad), data(out.Grad)
	sc := getScratch(n)
	defer putScratch(sc)
	zeros := sc.data[:n]
	clear(zeros)
	for i, j := range out.ints[:m] {
		mask := rowMask(out.bools, i, n)
		if g[i] == 0 || mask != nil && !mask[j] {
			continue
		}
		lsek.back(xg[i*n:i*n+n], zeros, xv[i*n:i*n+n], mask, g[i], out.auxData[i])
		xg[i*n+j] += g[i]
	}
}
