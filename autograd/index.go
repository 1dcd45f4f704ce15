package autograd

import "fmt"

// Pick returns x[i, idx[i]] for each row i: [m×n] → [m×1]; for example the
// log-probability of the action taken in each row. idx is copied.
//
// It panics if len(idx) ≠ m or an index is outside [0, n).
func (t *Tape) Pick(x *Node, idx []int) *Node {
	t.check(x)
	m, n := x.Dims()
	if len(idx) != m {
		panic(shapeErr("Pick with %d indices from %d rows", len(idx), m))
	}
	out := t.node(m, 1, x, nil)
	out.ints = append(out.ints[:0], idx...)
	xv, ov := data(x.Value), data(out.Value)
	for i, j := range idx {
		if j < 0 || j >= n {
			panic(fmt.Errorf("%w: Pick index %d in row %d of width %d", ErrIndex, j, i, n))
		}
		ov[i] = xv[i*n+j]
	}
	out.back = pickBack
	return out
}

func pickBack(out *Node) {
	_, n := out.a.Dims()
	xg := data(out.a.Grad)
	for i, g := range data(out.Grad) {
		xg[i*n+out.ints[i]] += g
	}
}

// Embed returns, for each of m = len(idx)/k rows, the sum of the k rows of w
// that idx names: out[i] = Σₗ w[idx[i·k+l]]. It equals x·w for a k-hot x whose
// row i has ones at idx[i·k : i·k+k], at a fraction of the cost: the first layer
// of a network whose input is one-hot. idx is copied.
//
// It panics with ErrArg if k < 1, with ErrShape if len(idx) is not a positive
// multiple of k, and with ErrIndex if an index is outside the rows of w.
func (t *Tape) Embed(w *Node, idx []int, k int) *Node {
	t.check(w)
	r, n := w.Dims()
	if k < 1 {
		panic(fmt.Errorf("%w: Embed with k = %d", ErrArg, k))
	}
	if len(idx) == 0 || len(idx)%k != 0 {
		panic(shapeErr("Embed of %d indices, %d per row", len(idx), k))
	}
	m := len(idx) / k
	out := t.node(m, n, w, nil)
	out.ints = append(out.ints[:0], idx...)
	wv, ov := data(w.Value), data(out.Value)
	clear(ov)
	for p, j := range idx {
		if j < 0 || j >= r {
			panic(fmt.Errorf("%w: Embed index %d of %d rows", ErrIndex, j, r))
		}
		dst := ov[(p/k)*n : (p/k)*n+n]
		for c, v := range wv[j*n : j*n+n] {
			dst[c] += v
		}
	}
	out.s0 = float64(k)
	out.back = embedBack
	return out
}

func embedBack(out *Node) {
	_, n := out.Dims()
	k := int(out.s0)
	wg, g := data(out.a.Grad), data(out.Grad)
	for p, j := range out.ints {
		dst := wg[j*n : j*n+n]
		for c, v := range g[(p/k)*n : (p/k)*n+n] {
			dst[c] += v
		}
	}
}

// ConcatCols joins its arguments side by side: [m×n₁], [m×n₂], … → [m×Σnᵢ].
// It panics if there are no arguments or their row counts differ.
func (t *Tape) ConcatCols(xs ...*Node) *Node {
	if len(xs) == 0 {
		panic(shapeErr("ConcatCols of nothing"))
	}
	t.check(xs...)
	m, _ := xs[0].Dims()
	var n int
	grad := false
	for _, x := range xs {
		r, c := x.Dims()
		if r != m {
			panic(shapeErr("ConcatCols of %d and %d rows", m, r))
		}
		n += c
		grad = grad || x.Grad != nil
	}
	var g *Node
	if grad {
		g = xs[0]
		for _, x := range xs {
			if x.Grad != nil {
				g = x
			}
		}
	}
	out := t.node(m, n, g, nil)
	out.args = append(out.args[:0], xs...)
	ov := data(out.Value)
	off := 0
	for _, x := range xs {
		_, c := x.Dims()
		xv := data(x.Value)
		for i := 0; i < m; i++ {
			copy(ov[i*n+off:i*n+off+c], xv[i*c:i*c+c])
		}
		off += c
	}
	out.back = concatColsBack
	return out
}

func concatColsBack(out *Node) {
	m, n := out.Dims()
	g := data(out.Grad)
	off := 0
	for _, x := range out.args {
		_, c := x.Dims()
		if x.Grad != nil {
			xg := data(x.Grad)
			for i := 0; i < m; i++ {
				for j, v := range g[i*n+off : i*n+off+c] {
					xg[i*c+j] += v
				}
			}
		}
		off += c
	}
}

// ConcatRows stacks its arguments: [m₁×n], [m₂×n], … → [Σmᵢ×n].
// It panics if there are no arguments or their column counts differ.
func (t *Tape) ConcatRows(xs ...*Node) *Node {
	if len(xs) == 0 {
		panic(shapeErr("ConcatRows of nothing"))
	}
	t.check(xs...)
	_, n := xs[0].Dims()
	var m int
	var g *Node
	for _, x := range xs {
		r, c := x.Dims()
		if c != n {
			panic(shapeErr("ConcatRows of %d and %d columns", n, c))
		}
		m += r
		if x.Grad != nil {
			g = x
		}
	}
	out := t.node(m, n, g, nil)
	out.args = append(out.args[:0], xs...)
	ov := data(out.Value)
	off := 0
	for _, x := range xs {
		off += copy(ov[off:], data(x.Value))
	}
	out.back = concatRowsBack
	return out
}

func concatRowsBack(out *Node) {
	g := data(out.Grad)
	off := 0
	for _, x := range out.args {
		xv := data(x.Value)
		if x.Grad != nil {
			xg := data(x.Grad)
			for i, v := range g[off : off+len(xv)] {
				xg[i] += v
			}
		}
		off += len(xv)
	}
}

// SliceCols returns columns [from, to) of x: [m×n] → [m×(to−from)].
// It panics unless 0 ≤ from < to ≤ n.
func (t *Tape) SliceCols(x *Node, from, to int) *Node {
	t.check(x)
	m, n := x.Dims()
	if from < 0 || to > n || from >= to {
		panic(fmt.Errorf("%w: SliceCols [%d, %d) of %d columns", ErrIndex, from, to, n))
	}
	c := to - from
	out := t.node(m, c, x, nil)
	xv, ov := data(x.Value), data(out.Value)
	for i := 0; i < m; i++ {
		copy(ov[i*c:i*c+c], xv[i*n+from:i*n+to])
	}
	out.ints = append(out.ints[:0], from)
	out.back = sliceColsBack
	return out
}

func sliceColsBack(out *Node) {
	m, c := out.Dims()
	_, n := out.a.Dims()
	from := out.ints[0]
	xg, g := data(out.a.Grad), data(out.Grad)
	for i := 0; i < m; i++ {
		for j, v := range g[i*c : i*c+c] {
			xg[i*n+from+j] += v
		}
	}
}

// SliceRows returns rows [from, to) of x: [m×n] → [(to−from)×n].
// It panics unless 0 ≤ from < to ≤ m.
func (t *Tape) SliceRows(x *Node, from, to int) *Node {
	t.check(x)
	m, n := x.Dims()
	if from < 0 || to > m || from >= to {
		panic(fmt.Errorf("%w: SliceRows [%d, %d) of %d rows", ErrIndex, from, to, m))
	}
	out := t.node(to-from, n, x, nil)
	copy(data(out.Value), data(x.Value)[from*n:to*n])
	out.ints = append(out.ints[:0], from)
	out.back = sliceRowsBack
	return out
}

func sliceRowsBack(out *Node) {
	_, n := out.Dims()
	xg := data(out.a.Grad)[out.ints[0]*n:]
	for i, v := range data(out.Grad) {
		xg[i] += v
	}
}

// Rows returns the rows of x that idx names, in that order (a row may repeat):
// [m×n] → [len(idx)×n]. idx is copied.
//
// It panics if idx is empty or an index is outside [0, m).
func (t *Tape) Rows(x *Node, idx []int) *Node {
	t.check(x)
	m, n := x.Dims()
	if len(idx) == 0 {
		panic(shapeErr("Rows with no indices"))
	}
	out := t.node(len(idx), n, x, nil)
	out.ints = append(out.ints[:0], idx...)
	xv, ov := data(x.Value), data(out.Value)
	for i, j := range idx {
		if j < 0 || j >= m {
			panic(fmt.Errorf("%w: Rows index %d of %d rows", ErrIndex, j, m))
		}
		copy(ov[i*n:i*n+n], xv[j*n:j*n+n])
	}
	out.back = rowsBack
	return out
}

func rowsBack(out *Node) {
	_, n := out.Dims()
	xg, g := data(out.a.Grad), data(out.Grad)
	for i, j := range out.ints {
		dst := xg[j*n : j*n+n]
		for c, v := range g[i*n : i*n+n] {
			dst[c] += v
		}
	}
}

// SegmentSum adds the rows of x into segments: out[s] = Σ_{i: seg[i]=s} x[i],
// [m×n] → [nseg×n]. For example the per-trajectory sum of per-transition
// log-probabilities. seg is copied; a segment with no rows is zero.
//
// It panics if len(seg) ≠ m, nseg < 1 or a segment is outside [0, nseg).
func (t *Tape) SegmentSum(x *Node, seg []int, nseg int) *Node {
	t.check(x)
	m, n := x.Dims()
	if len(seg) != m || nseg < 1 {
		panic(shapeErr("SegmentSum of %d rows with %d segment ids into %d segments", m, len(seg), nseg))
	}
	out := t.node(nseg, n, x, nil)
	out.ints = append(out.ints[:0], seg...)
	xv, ov := data(x.Value), data(out.Value)
	clear(ov)
	for i, s := range seg {
		if s < 0 || s >= nseg {
			panic(fmt.Errorf("%w: SegmentSum segment %d of %d", ErrIndex, s, nseg))
		}
		dst := ov[s*n : s*n+n]
		for c, v := range xv[i*n : i*n+n] {
			dst[c] += v
		}
	}
	out.back = segmentSumBack
	return out
}

func segmentSumBack(out *Node) {
	_, n := out.Dims()
	xg, g := data(out.a.Grad), data(out.Grad)
	for i, s := range out.ints {
		dst := xg[i*n : i*n+n]
		for c, v := range g[s*n : s*n+n] {
			dst[c] += v
		}
	}
}
