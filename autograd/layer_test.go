package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"gonum.org/v1/gonum/mat"
)

// layerCases are the op-table rows of the fused layers AffineReLU and
// EmbedReLU. Their values are drawn in ±[0.1, 2], so pre-activations are
// rarely within a finite-difference step of the ReLU's kink.
func layerCases() []opCase {
	relu := func(p []*mat.Dense) *mat.Dense {
		var d mat.Dense
		d.Mul(p[0], p[1])
		return elem(func(v float64) float64 { return max(v, 0) })([]*mat.Dense{
			elem2(func(x, y float64) float64 { return x + y })([]*mat.Dense{&d, p[2]})})
	}
	embed := func(idx []int, k int) (func(tp *tape, p []*node) *node, func(p []*mat.Dense) *mat.Dense) {
		return func(tp *tape, p []*node) *node { return tp.EmbedReLU(p[0], p[1], idx, k) },
			func(p []*mat.Dense) *mat.Dense {
				_, n := p[0].Dims()
				d := mat.NewDense(len(idx)/k, n, nil)
				for i := range len(idx) / k {
					for j := range n {
						s := 0.0
						for _, r := range idx[i*k : i*k+k] {
							s += p[0].At(r, j)
						}
						d.Set(i, j, max(s+p[1].At(0, j), 0))
					}
				}
				return d
			}
	}
	e1, r1 := embed([]int{2, 0, 2, 1}, 1)
	e3, r3 := embed([]int{2, 2, 0, 1, 0, 2}, 3)
	return []opCase{
		{name: "AffineReLU", shapes: [][]dims{{{3, 4}, {4, 5}, {1, 5}}, {{1, 1}, {1, 1}, {1, 1}}, {{6, 2}, {2, 9}, {1, 9}}},
			f:   func(tp *tape, p []*node) *node { return tp.AffineReLU(p[0], p[1], p[2]) },
			ref: relu},
		{name: "EmbedReLU/k=1", shapes: [][]dims{{{3, 4}, {1, 4}}}, f: e1, ref: r1},
		{name: "EmbedReLU/k=3/repeats", shapes: [][]dims{{{3, 5}, {1, 5}}}, f: e3, ref: r3},
	}
}

// lossWeights returns a fixed [r×k] matrix with varied entries, so that no
// gradient of Σ out ⊙ W is trivially constant.
func lossWeights(r, k int) *mat.Dense {
	w := mat.NewDense(r, k, nil)
	for i := range w.RawMatrix().Data {
		w.RawMatrix().Data[i] = float64(i%7) - 2.5
	}
	return w
}

// gradsOf returns the value of f and the gradients of ps after back-
// propagating weightedSum of it.
func gradsOf(ps []*node, f func(tp *tape) *node) []*mat.Dense {
	autograd.ZeroGrad(ps...)
	var tp tape
	out := f(&tp)
	tp.Backward(tp.Sum(tp.Mul(out, tp.Const(lossWeights(out.Dims())))))
	res := []*mat.Dense{mat.DenseCopyOf(out.Value)}
	for _, p := range ps {
		res = append(res, mat.DenseCopyOf(p.Grad))
	}
	return res
}

// TestLayersMatchComposition checks that AffineReLU and EmbedReLU give, to
// the bit, the values and gradients of the operations they fuse.
func TestLayersMatchComposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	x, w, b := randParam(rng, 13, 40), randParam(rng, 40, 24), randParam(rng, 1, 24)
	e, eb := randParam(rng, 16, 24), randParam(rng, 1, 24)
	idx := []int{3, 11, 0, 15, 3, 3, 7, 8, 15, 0}
	// Signed zeros in the embedding and its bias: EmbedReLU does not sum
	// from zero as Embed does, which only the ReLU makes equal.
	negZero := math.Copysign(0, -1)
	for j := range 24 {
		e.Value.Set(3, j, negZero)
		if j%2 == 0 {
			e.Value.Set(0, j, 0)
			eb.Value.Set(0, j, negZero)
		}
	}
	ps := []*node{x, w, b, e, eb}
	for _, c := range []struct {
		name        string
		fused, comp func(tp *tape) *node
	}{
		{"AffineReLU",
			func(tp *tape) *node { return tp.AffineReLU(x, w, b) },
			func(tp *tape) *node { return tp.ReLU(tp.Add(tp.MatMul(x, w), b)) }},
		{"EmbedReLU",
			func(tp *tape) *node { return tp.EmbedReLU(e, eb, idx, 2) },
			func(tp *tape) *node { return tp.ReLU(tp.Add(tp.Embed(e, idx, 2), eb)) }},
	} {
		f, k := gradsOf(ps, c.fused), gradsOf(ps, c.comp)
		for i := range f {
			if !mat.Equal(f[i], k[i]) {
				t.Errorf("%s: result %d differs from the composition", c.name, i)
			}
		}
	}
}

// rollout is a recorded GFlowNet rollout in miniature: a two-layer trunk
// (EmbedReLU, AffineReLU) and two heads (Affine) applied to the rows of
// each step, the heads' outputs of all steps stacked (ConcatRows). fused
// chooses the fused layers, whose backward passes batch, or the separate
// operations, which back-propagate one node at a time. A step may also
// read a Leaf input x, whose gradient is then wanted.
type rollout struct {
	e, eb, w, b, h1, hb1, h2, hb2, x *node
	rows                             []int // rows per step
	idx                              [][]int
	outs                             []*node
	lw                               *node // loss weights
}

func newRollout(rng *rand.Rand, rows []int) *rollout {
	r := &rollout{e: randParam(rng, 12, 24), eb: randParam(rng, 1, 24), w: randParam(rng, 24, 40), b: randParam(rng, 1, 40),
		h1: randParam(rng, 40, 3), hb1: randParam(rng, 1, 3), h2: randParam(rng, 40, 1), hb2: randParam(rng, 1, 1),
		x: randParam(rng, 7, 24), rows: rows}
	total := 0
	for _, n := range rows {
		idx := make([]int, 2*n)
		for i := range idx {
			idx[i] = rng.IntN(12)
		}
		r.idx = append(r.idx, idx)
		total += n
	}
	r.lw = autograd.NewParam(lossWeights(total, 4))
	return r
}

func (r *rollout) params() []*node {
	return []*node{r.e, r.eb, r.w, r.b, r.h1, r.hb1, r.h2, r.hb2, r.x}
}

// run records the rollout on tp and returns the stacked outputs [Σrows×4]
// and the trunk's output of step 0, which the loss also reads directly (a
// node used at two levels). With leaf, step 1 reads ReLU(rows of x) instead
// of the embedding, so that the shared layer's input gradient reaches a
// leaf.
func (r *rollout) run(tp *tape, fused, leaf bool) (out, h0 *node) {
	r.outs = r.outs[:0]
	for s, n := range r.rows {
		var h *node
		switch {
		case leaf && s == 1:
			h = tp.ReLU(tp.SliceRows(r.x, 0, n))
		case fused:
			h = tp.EmbedReLU(r.e, r.eb, r.idx[s], 2)
		default:
			h = tp.ReLU(tp.Add(tp.Embed(r.e, r.idx[s], 2), r.eb))
		}
		var o1, o2 *node
		if fused {
			h = tp.AffineReLU(h, r.w, r.b)
			o1, o2 = tp.Affine(h, r.h1, r.hb1), tp.Affine(h, r.h2, r.hb2)
		} else {
			h = tp.ReLU(tp.Add(tp.MatMul(h, r.w), r.b))
			o1, o2 = tp.Add(tp.MatMul(h, r.h1), r.hb1), tp.Add(tp.MatMul(h, r.h2), r.hb2)
		}
		if s == 0 {
			h0 = h
		}
		r.outs = append(r.outs, tp.ConcatCols(o1, o2))
	}
	return tp.ConcatRows(r.outs...), h0
}

// loss is Σ out ⊙ lw for the stacked outputs plus the mean of h0.
func (r *rollout) loss(tp *tape, fused, leaf bool) *node {
	out, h0 := r.run(tp, fused, leaf)
	return tp.Add(tp.Sum(tp.Mul(out, tp.StopGrad(r.lw))), tp.Mean(h0))
}

// TestBatchedBackward checks Backward through the layers of a recorded
// rollout, which it back-propagates in groups (one product per gradient
// for every step's layer of the same weights), against the same rollout
// made of separate operations, back-propagated one node at a time: the
// values and the gradients of the biases, the embedding and the leaf input
// agree to the bit, those of the weights to rounding.
func TestBatchedBackward(t *testing.T) {
	for _, rows := range [][]int{{1, 3, 16, 9, 2, 5}, {4, 4}, {7, 1, 1, 1}} {
		r := newRollout(rand.New(rand.NewPCG(3, uint64(len(rows)))), rows)
		ps := r.params()
		for _, leaf := range []bool{false, true} {
			run := func(fused bool) (float64, []*mat.Dense) {
				autograd.ZeroGrad(ps...)
				var tp tape
				l := r.loss(&tp, fused, leaf)
				tp.Backward(l)
				var gs []*mat.Dense
				for _, p := range ps {
					gs = append(gs, mat.DenseCopyOf(p.Grad))
				}
				return l.Scalar(), gs
			}
			lf, gf := run(true)
			lc, gc := run(false)
			if lf != lc {
				t.Errorf("rows %v leaf %v: loss %v batched, %v one by one", rows, leaf, lf, lc)
			}
			for i, p := range ps {
				exact := p != r.w && p != r.h1 && p != r.h2
				if exact && !mat.Equal(gf[i], gc[i]) || !mat.EqualApprox(gf[i], gc[i], 1e-12) {
					t.Errorf("rows %v leaf %v: gradient of parameter %d differs (exact: %v)\n%v\n%v",
						rows, leaf, i, exact, mat.Formatted(gf[i]), mat.Formatted(gc[i]))
				}
			}
		}
	}
}

// TestBatchedBackwardGradient checks the batched backward pass against
// finite differences.
func TestBatchedBackwardGradient(t *testing.T) {
	r := newRollout(rand.New(rand.NewPCG(4, 4)), []int{2, 5, 1})
	autogradtest.Check(t, func(tp *tape) *node { return r.loss(tp, true, true) }, r.params()...)
}

// TestBatchedBackwardAllocs checks that a steady-state step whose backward
// pass batches allocates nothing.
func TestBatchedBackwardAllocs(t *testing.T) {
	r := newRollout(rand.New(rand.NewPCG(5, 5)), []int{16, 12, 9, 3, 1})
	var tp tape
	step := func() {
		tp.Reset()
		tp.Backward(r.loss(&tp, true, false))
	}
	step()
	if allocs := testing.AllocsPerRun(20, step); allocs != 0 {
		t.Errorf("a steady-state step allocates %v times, want 0", allocs)
	}
	if math.IsNaN(r.w.Grad.At(0, 0)) {
		t.Error("NaN gradient")
	}
}
