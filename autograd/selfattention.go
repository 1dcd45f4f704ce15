package autograd

import (
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd/gemm"
)

// SelfAttention returns multi-head self-attention with its input and output
// projections, PyTorch's nn.MultiheadAttention applied to (x, x, x):
//
//	qkv = x·wqkv + bqkv      [N×3d]  queries, keys and values side by side
//	a = Attention(qkv)       [N×d]   (see Attention for seqLen, heads, valid, p and rng)
//	out = a·wo + bo          [N×m]
//
// for x [N×k], wqkv [k×3d], bqkv [1×3d], wo [d×m] and bo [1×m]. It gives
// the same numbers as Affine, Attention and Affine composed, but it records
// one node instead of three: qkv and a are kept in the node's own storage,
// without gradients, and their gradients exist only while Backward runs
// through the node. A recorded step so holds about a third less memory,
// which is what bounds the speed of a Transformer's training step.
//
// It panics as Affine and Attention do.
func (t *Tape) SelfAttention(x, wqkv, bqkv, wo, bo *Node, seqLen, heads int, valid []bool, p float64, rng *rand.Rand) *Node {
	t.check(x, wqkv, bqkv, wo, bo)
	n, k, d3 := affineDims("SelfAttention", x, wqkv, bqkv)
	if d3%3 != 0 {
		panic(shapeErr("SelfAttention in-projection of %d columns, not 3d", d3))
	}
	a := newAttnShape("SelfAttention", n, d3/3, seqLen, heads, valid, p, rng)
	m := layerDims("SelfAttention", wo, bo, a.d)
	out := t.node(n, m, gradOf(x, wqkv, bqkv, wo, bo), nil)
	out.args = append(out.args[:0], x, wqkv, bqkv, wo, bo)
	out.ints = append(out.ints[:0], seqLen, heads)
	aux := out.Floats(n*4*a.d + a.probs() + a.scratch())
	qkv, av, rest := aux[:n*3*a.d], aux[n*3*a.d:n*4*a.d], aux[n*4*a.d:]
	affineForward(qkv, data(x.Value), data(wqkv.Value), data(bqkv.Value), n, k, 3*a.d)
	keep := a.dropout(out, p, rng)
	a.forward(qkv, av, rest, keep, out.s0, valid)
	affineForward(data(out.Value), av, data(wo.Value), data(bo.Value), n, a.d, m)
	out.back = selfAttentionBack
	return out
}

// selfAttentionBack runs the backward passes of the output projection, the
// attention and the input projection in turn, with the gradients of a and
// qkv in a borrowed buffer.
func selfAttentionBack(out *Node) {
	x, wqkv, bqkv, wo, bo, n, k, m := layersOf(out)
	_, d3 := wqkv.Dims()
	a := attnShape{l: out.ints[0], h: out.ints[1], d: d3 / 3, dh: d3 / (3 * out.ints[1]), b: n / out.ints[0]}
	aux := out.auxData
	qkv, av, rest := aux[:n*3*a.d], aux[n*3*a.d:n*4*a.d], aux[n*4*a.d:]
	sc := getScratch(n * 4 * a.d)
	defer putScratch(sc)
	dq, da := sc.data[:n*3*a.d], sc.data[n*3*a.d:]
	outputLayerBack(da, data(out.Grad), av, wo, bo, n, a.d, m)
	clear(dq)
	a.backward(qkv, dq, da, rest, a.keepOf(out), out.s0)
	affineBackward(dq, data(x.Value), gradData(x), wqkv, bqkv, n, k, 3*a.d)
}

// outputLayerBack runs the backward pass of the last layer out = h·w + b of
// a fused operation, h [n×f] held by the operation rather than a node: it
// accumulates the gradients of w and b and sets dh = ∂out·wᵀ, g being ∂out
// [n×m]. dh is set as the gradient of a node would be, by accumulating into
// zeros, so that the fused operation's numbers are those of its parts.
func outputLayerBack(dh, g, h []float64, w, b *Node, n, f, m int) {
	affineBackward(g, h, nil, w, b, n, f, m)
	clear(dh)
	gemm.Dgemm(false, true, n, f, m, 1, g, m, data(w.Value), m, 1, dh, f)
}

// layersOf returns the operands of a fused operation that begins and ends
// with a linear layer (SelfAttention, FeedForward): its input x [n×k], the
// first layer's weights and bias, the last layer's, and n, k and the output
// width m.
func layersOf(out *Node) (x, w1, b1, w2, b2 *Node, n, k, m int) {
	x, w1, b1, w2, b2 = out.args[0], out.args[1], out.args[2], out.args[3], out.args[4]
	n, m = out.Dims()
	_, k = x.Dims()
	return x, w1, b1, w2, b2, n, k, m
}
