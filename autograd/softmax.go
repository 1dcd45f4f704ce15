package autograd

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
		lsek.back(xg[i*n:i*n+n], gi, ov[i*n:i*n+n], mask, lsek.sum(gi, mask))
	}
}
