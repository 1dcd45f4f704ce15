package autograd

import (
	"fmt"
	"math"
)

// SegmentCumSum returns the running sums of x within contiguous segments of
// rows, every prefix length included. Segment s is rows [offset[s],
// offset[s+1]) of x; with L = offset[s+1] − offset[s] rows it gives L+1 output
// rows, starting at offset[s]+s:
//
//	out[offset[s]+s+k] = Σ_{l<k} x[offset[s]+l],  k = 0 … L,
//
// so [m×n] → [(m+nseg)×n] with nseg = len(offset)−1. This is the layout of the
// states of a gfn.Batch whose transitions are the rows of x: for per-transition
// log P_F − log P_B it gives, at each state of each trajectory, the sum over the
// transitions before it. offset is copied.
//
// It panics if offset has fewer than two entries, does not start at 0, decreases,
// or does not end at m.
func (t *Tape) SegmentCumSum(x *Node, offset []int) *Node {
	t.check(x)
	m, n := x.Dims()
	nseg := len(offset) - 1
	if nseg < 1 || offset[0] != 0 || offset[nseg] != m {
		panic(shapeErr("SegmentCumSum of %d rows with offsets %v", m, offset))
	}
	out := t.node(m+nseg, n, x, nil)
	out.ints = append(out.ints[:0], offset...)
	xv, ov := data(x.Value), data(out.Value)
	for s := 0; s < nseg; s++ {
		lo, hi := offset[s], offset[s+1]
		if hi < lo {
			panic(fmt.Errorf("%w: SegmentCumSum offsets decrease at %d", ErrIndex, s))
		}
		base := (lo + s) * n
		clear(ov[base : base+n])
		for l := lo; l < hi; l++ {
			prev := ov[(l+s)*n : (l+s)*n+n]
			next := ov[(l+s+1)*n : (l+s+1)*n+n]
			for c, v := range xv[l*n : l*n+n] {
				next[c] = prev[c] + v
			}
		}
	}
	out.back = segmentCumSumBack
	return out
}

// segmentCumSumBack: x[offset[s]+l] receives the gradient of every output row
// after position l of its segment, a suffix sum run backwards, column by column.
func segmentCumSumBack(out *Node) {
	_, n := out.Dims()
	xg, g := data(out.a.Grad), data(out.Grad)
	offset := out.ints
	for s := 0; s+1 < len(offset); s++ {
		lo, hi := offset[s], offset[s+1]
		for c := 0; c < n; c++ {
			var acc float64
			for l := hi - 1; l >= lo; l-- {
				acc += g[(l+s+1)*n+c]
				xg[l*n+c] += acc
			}
		}
	}
}

// SegmentLogSumExp returns out[s] = log Σ_{i: seg[i]=s} exp(x[i]) for each
// segment s, column by column, computed stably: [m×n] → [nseg×n]. A segment with
// no rows, or whose rows are all −Inf, is −Inf and passes no gradient. For
// example, the log of a state's inflow from the log-flows of its incoming edges.
// seg is copied.
//
// It panics if len(seg) ≠ m, nseg < 1 or a segment is outside [0, nseg).
func (t *Tape) SegmentLogSumExp(x *Node, seg []int, nseg int) *Node {
	t.check(x)
	m, n := x.Dims()
	if len(seg) != m || nseg < 1 {
		panic(shapeErr("SegmentLogSumExp of %d rows with %d segment ids into %d segments", m, len(seg), nseg))
	}
	out := t.node(nseg, n, x, nil)
	out.ints = append(out.ints[:0], seg...)
	shape(&out.aux, &out.auxData, nseg, n)
	xv, ov, sum := data(x.Value), data(out.Value), data(&out.aux)
	for i := range ov {
		ov[i] = math.Inf(-1)
	}
	for i, s := range seg {
		if s < 0 || s >= nseg {
			panic(fmt.Errorf("%w: SegmentLogSumExp segment %d of %d", ErrIndex, s, nseg))
		}
		hi := ov[s*n : s*n+n]
		for c, v := range xv[i*n : i*n+n] {
			hi[c] = max(hi[c], v)
		}
	}
	clear(sum)
	for i, s := range seg {
		hi, acc := ov[s*n:s*n+n], sum[s*n:s*n+n]
		for c, v := range xv[i*n : i*n+n] {
			if !math.IsInf(hi[c], -1) {
				acc[c] += math.Exp(v - hi[c])
			}
		}
	}
	for i, v := range sum {
		if !math.IsInf(ov[i], -1) {
			ov[i] += math.Log(v)
		}
	}
	out.back = segmentLogSumExpBack
	return out
}

// segmentLogSumExpBack: ∂x[i] += ∂out[s]·exp(x[i] − out[s]) with s = seg[i],
// the softmax weight of row i within its segment.
func segmentLogSumExpBack(out *Node) {
	_, n := out.Dims()
	xv, xg, ov, g := data(out.a.Value), data(out.a.Grad), data(out.Value), data(out.Grad)
	for i, s := range out.ints {
		for c, v := range xv[i*n : i*n+n] {
			if o := ov[s*n+c]; !math.IsInf(o, -1) {
				xg[i*n+c] += g[s*n+c] * math.Exp(v-o)
			}
		}
	}
}
