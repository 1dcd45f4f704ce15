package autograd

import "math"

// LogSoftmax returns, for each row, x[i,j] − log Σₖ exp(x[i,k]): [m×n] → [m×n],
// the log-probabilities of a categorical distribution with logits x. If valid
// is not nil it is a row-major [m×n] mask: masked entries are −Inf in the
// output, take no part in the normaliser and receive zero gradient. The mask is
// copied.
//
// It panics if valid has the wrong length or masks out a whole row (ErrAllMasked).
func (t *Tape) LogSoftmax(x *Node, valid []bool) *Node {
	t.check(x)
	m, n := x.Dims()
	out := t.node(m, n, x, nil)
	out.bools = setMask(out.bools, valid, m, n)
	xv, ov := data(x.Value), data(out.Value)
	for i := 0; i < m; i++ {
		mask := rowMask(out.bools, i, n)
		row := xv[i*n : i*n+n]
		lse := logSumExp(row, mask)
		for j, v := range row {
			if mask == nil || mask[j] {
				ov[i*n+j] = v - lse
			} else {
				ov[i*n+j] = math.Inf(-1)
			}
		}
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
		mask := rowMask(out.bools, i, n)
		var s float64
		for j := i * n; j < i*n+n; j++ {
			if mask == nil || mask[j-i*n] {
				s += g[j]
			}
		}
		for j := i * n; j < i*n+n; j++ {
			if mask == nil || mask[j-i*n] {
				xg[j] += g[j] - math.Exp(ov[j])*s
			}
		}
	}
}
