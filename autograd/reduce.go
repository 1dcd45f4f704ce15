package autograd

import (
	"math"
	"slices"
)

// Sum returns the sum of every element of x, as a 1×1 node.
func (t *Tape) Sum(x *Node) *Node {
	t.check(x)
	out := t.node(1, 1, x, nil)
	var s float64
	for _, v := range data(x.Value) {
		s += v
	}
	data(out.Value)[0] = s
	out.s0 = 1
	out.back = sumBack
	return out
}

// Mean returns the mean of every element of x, as a 1×1 node.
func (t *Tape) Mean(x *Node) *Node {
	out := t.Sum(x)
	r, c := x.Dims()
	out.s0 = 1 / float64(r*c)
	data(out.Value)[0] *= out.s0
	return out
}

// sumBack spreads s0·∂out over every element of x.
func sumBack(out *Node) {
	g := data(out.Grad)[0] * out.s0
	xg := data(out.a.Grad)
	for i := range xg {
		xg[i] += g
	}
}

// SumRows returns the sum of each row of x: [m×n] → [m×1].
func (t *Tape) SumRows(x *Node) *Node {
	t.check(x)
	m, n := x.Dims()
	out := t.node(m, 1, x, nil)
	xv, ov := data(x.Value), data(out.Value)
	for i := range ov {
		var s float64
		for _, v := range xv[i*n : i*n+n] {
			s += v
		}
		ov[i] = s
	}
	out.s0 = 1
	out.back = sumRowsBack
	return out
}

// MeanRows returns the mean of each row of x: [m×n] → [m×1].
func (t *Tape) MeanRows(x *Node) *Node {
	out := t.SumRows(x)
	_, n := x.Dims()
	out.s0 = 1 / float64(n)
	ov := data(out.Value)
	for i := range ov {
		ov[i] *= out.s0
	}
	return out
}

func sumRowsBack(out *Node) {
	_, n := out.a.Dims()
	xg, g := data(out.a.Grad), data(out.Grad)
	for i, gi := range g {
		gi *= out.s0
		row := xg[i*n : i*n+n]
		for j := range row {
			row[j] += gi
		}
	}
}

// SumCols returns the sum of each column of x: [m×n] → [1×n].
func (t *Tape) SumCols(x *Node) *Node {
	t.check(x)
	m, n := x.Dims()
	out := t.node(1, n, x, nil)
	xv, ov := data(x.Value), data(out.Value)
	clear(ov)
	for i := 0; i < m; i++ {
		for j, v := range xv[i*n : i*n+n] {
			ov[j] += v
		}
	}
	out.back = sumColsBack
	return out
}

func sumColsBack(out *Node) {
	m, n := out.a.Dims()
	xg, g := data(out.a.Grad), data(out.Grad)
	for i := 0; i < m; i++ {
		row := xg[i*n : i*n+n]
		for j := range row {
			row[j] += g[j]
		}
	}
}

// LogSumExpRows returns log Σⱼ exp(x[i,j]) for each row i: [m×n] → [m×1],
// computed stably. If valid is not nil it is a row-major [m×n] mask and only the
// entries where it is true take part; the others receive zero gradient. The mask
// is copied.
//
// It panics if valid has the wrong length or masks out a whole row (ErrAllMasked).
func (t *Tape) LogSumExpRows(x *Node, valid []bool) *Node {
	t.check(x)
	m, n := x.Dims()
	out := t.node(m, 1, x, nil)
	out.bools = setMask(out.bools, valid, m, n)
	xv, ov := data(x.Value), data(out.Value)
	for i := range ov {
		ov[i] = logSumExp(xv[i*n:i*n+n], rowMask(out.bools, i, n))
	}
	out.back = logSumExpRowsBack
	return out
}

// logSumExpRowsBack: ∂x[i,j] += ∂out[i]·softmax(x[i,·])[j] on valid entries.
func logSumExpRowsBack(out *Node) {
	_, n := out.a.Dims()
	xv, xg, ov, g := data(out.a.Value), data(out.a.Grad), data(out.Value), data(out.Grad)
	for i, gi := range g {
		mask := rowMask(out.bools, i, n)
		for j, v := range xv[i*n : i*n+n] {
			if mask == nil || mask[j] {
				xg[i*n+j] += gi * math.Exp(v-ov[i])
			}
		}
	}
}

// logSumExp returns log Σ exp(x) over the entries where mask is nil or true,
// with the exponential expm (see logsoftmax_kernels.go).
// It panics with ErrAllMasked if no entry is valid.
func logSumExp(x []float64, mask []bool) float64 {
	hi := lsek.max(x, mask)
	if math.IsInf(hi, 0) {
		if len(x) == 0 || mask != nil && !slices.Contains(mask[:len(x)], true) {
			panic(ErrAllMasked)
		}
		return hi
	}
	return hi + math.Log(lsek.expSum(x, mask, hi))
}

// setMask copies valid into dst, or returns dst[:0] for no mask.
// It panics if valid has the wrong length.
func setMask(dst, valid []bool, m, n int) []bool {
	if valid == nil {
		return dst[:0]
	}
	if len(valid) != m*n {
		panic(shapeErr("mask of length %d for a %d×%d matrix", len(valid), m, n))
	}
	return append(dst[:0], valid...)
}

// rowMask returns row i of an [m×n] mask, or nil for no mask.
func rowMask(mask []bool, i, n int) []bool {
	if len(mask) == 0 {
		return nil
	}
	return mask[i*n : i*n+n]
}
