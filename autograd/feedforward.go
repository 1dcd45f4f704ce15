package autograd

import "math/rand/v2"

// FeedForward returns the feed-forward block of a Transformer layer,
// PyTorch's linear2(dropout(relu(linear1(x)))):
//
//	h = Dropout(ReLU(x·w1 + b1), p)    [N×f]
//	out = h·w2 + b2                    [N×m]
//
// for x [N×k], w1 [k×f], b1 [1×f], w2 [f×m] and b2 [1×m]; see Dropout for p
// and rng (rng may be nil when p is 0). It gives the same numbers as Affine,
// ReLU, Dropout and Affine composed, but records one node instead of four: h
// is kept in the node's own storage and its gradient exists only while
// Backward runs through the node, so a recorded step holds less memory.
//
// It panics as Affine and Dropout do.
func (t *Tape) FeedForward(x, w1, b1, w2, b2 *Node, p float64, rng *rand.Rand) *Node {
	t.check(x, w1, b1, w2, b2)
	n, k, f := affineDims("FeedForward", x, w1, b1)
	m := layerDims("FeedForward", w2, b2, f)
	if !(p >= 0 && p <= 1) || (p > 0 && rng == nil) {
		panic(argErr("FeedForward dropout %v with rng %v", p, rng != nil))
	}
	out := t.node(n, m, gradOf(x, w1, b1, w2, b2), nil)
	out.args = append(out.args[:0], x, w1, b1, w2, b2)
	h := out.Floats(n * f)
	affineForward(h, data(x.Value), data(w1.Value), data(b1.Value), n, k, f)
	elt.reluFwd(h, h)
	out.s0, out.s1 = 1, 0
	if p > 0 {
		keep := boolsOf(&out.bools, n*f)
		dropMask(keep, p, rng.Uint64())
		out.s0, out.s1 = dropScaleOf(p), 1
		drop.scale(h, h, keep, out.s0)
	}
	affineForward(data(out.Value), h, data(w2.Value), data(b2.Value), n, f, m)
	out.back = feedForwardBack
	return out
}

// feedForwardBack: with ∂h = ∂out·w2ᵀ, the gradient before the ReLU and
// the dropout is ∂h/(1−p) where h > 0 (the element was kept and positive)
// and 0 elsewhere; the two layers' own backward passes do the rest.
func feedForwardBack(out *Node) {
	x, w1, b1, w2, b2, n, k, m := layersOf(out)
	_, f := w1.Dims()
	h := out.auxData[:n*f]
	sc := getScratch(n * f)
	defer putScratch(sc)
	dh := sc.data
	outputLayerBack(dh, data(out.Grad), h, w2, b2, n, f, m)
	keep := [2]float64{0, out.s0}
	for i, v := range h {
		dh[i] *= keep[b2u(v > 0)] // no branch: the signs are random
	}
	affineBackward(dh, data(x.Value), gradData(x), w1, b1, n, k, f)
}
