package autograd

import (
	"math"
	"math/rand/v2"
)

// Attention is multi-head scaled dot-product self-attention over a batch of
// sequences, the core of a Transformer encoder layer (Vaswani et al. 2017,
// "Attention is all you need", §3.2), computed as PyTorch's
// nn.MultiheadAttention does between its input and output projections.
//
// qkv is [N×3d]: the queries, keys and values of N = B·seqLen tokens side by
// side (columns [0, d), [d, 2d) and [2d, 3d), the layout of PyTorch's packed
// in_proj), where rows b·seqLen … b·seqLen+seqLen−1 are the positions of
// sequence b. Each of the heads attends within its own d_h = d/heads
// columns; for sequence b and head h, with Q, K, V its [seqLen×d_h] blocks,
//
//	S = Q·Kᵀ/√d_h,  P = softmax of each row of S over the valid keys,
//	out = dropout(P)·V
//
// and the heads' outputs sit side by side in the [N×d] result, in the
// columns of their queries. No position of one sequence ever attends to
// another sequence.
//
// valid, if not nil, is a key-padding mask of length N: a query of sequence
// b attends only to the keys j of b with valid[b·seqLen+j] (PyTorch's
// key_padding_mask with true meaning the opposite, padded). Masked keys get
// probability 0 and receive no gradient through it. A row with no valid key
// (a sequence that is all padding) has P = 0, so its output is 0 and it
// passes no gradient back; PyTorch gives NaN there instead. valid is only
// read during the call.
//
// The attention probabilities are dropped out with probability p and
// scaled by 1/(1−p), as in PyTorch's training mode (see Dropout, which also
// describes how rng is used); p = 0 turns that off and rng may then be nil.
//
// It panics with ErrShape if qkv's columns are not 3·heads·d_h or its rows
// not a multiple of seqLen, or valid has the wrong length, and with ErrArg if
// heads or seqLen is not positive, p is outside [0, 1], or rng is nil while
// p > 0.
func (t *Tape) Attention(qkv *Node, seqLen, heads int, valid []bool, p float64, rng *rand.Rand) *Node {
	t.check(qkv)
	n, c3 := qkv.Dims()
	if c3%3 != 0 {
		panic(shapeErr("Attention of %d×%d: the columns are not 3d", n, c3))
	}
	a := newAttnShape("Attention", n, c3/3, seqLen, heads, valid, p, rng)
	out := t.node(n, a.d, qkv, nil)
	out.ints = append(out.ints[:0], seqLen, heads)
	// aux holds P of every (sequence, head), then the scratch of one.
	aux := out.Floats(a.probs() + a.scratch())
	keep := a.dropout(out, p, rng)
	a.forward(data(qkv.Value), data(out.Value), aux, keep, out.s0, valid)
	out.back = attentionBack
	return out
}

func attentionBack(out *Node) {
	qkv := out.a
	n, c3 := qkv.Dims()
	a := attnShape{l: out.ints[0], h: out.ints[1], d: c3 / 3, dh: c3 / (3 * out.ints[1]), b: n / out.ints[0]}
	a.backward(data(qkv.Value), data(qkv.Grad), data(out.Grad), out.auxData, a.keepOf(out), out.s0)
}

// newAttnShape checks the arguments of an attention of n rows of width d
// and returns its geometry. It panics as Attention documents.
func newAttnShape(op string, n, d, seqLen, heads int, valid []bool, p float64, rng *rand.Rand) attnShape {
	if heads < 1 || seqLen < 1 {
		panic(argErr("%s with %d heads over sequences of %d", op, heads, seqLen))
	}
	if !(p >= 0 && p <= 1) || (p > 0 && rng == nil) {
		panic(argErr("%s dropout %v with rng %v", op, p, rng != nil))
	}
	if d%heads != 0 || d == 0 || n%seqLen != 0 {
		panic(shapeErr("%s of %d rows of width %d with %d heads over sequences of %d", op, n, d, heads, seqLen))
	}
	if valid != nil && len(valid) != n {
		panic(shapeErr("%s mask of %d for %d rows", op, len(valid), n))
	}
	return attnShape{l: seqLen, h: heads, d: d, dh: d / heads, b: n / seqLen}
}

// dropout draws the dropout mask of the attention probabilities of out into
// out.bools and returns it (nil for p = 0), and sets out.s0 to the scale of
// the kept probabilities and out.s1 to 1 when there is a mask.
func (a attnShape) dropout(out *Node, p float64, rng *rand.Rand) []bool {
	out.s0, out.s1 = 1, 0
	if p == 0 {
		return nil
	}
	keep := boolsOf(&out.bools, a.probs())
	dropMask(keep, p, rng.Uint64())
	out.s0, out.s1 = dropScaleOf(p), 1
	return keep
}

// keepOf returns the dropout mask dropout stored in out, or nil.
func (a attnShape) keepOf(out *Node) []bool {
	if out.s1 == 0 {
		return nil
	}
	return out.bools[:a.probs()]
}

// forward computes the attention of the queries, keys and values in qv
// ([N×3d]) into ov ([N×d]), keeping each (sequence, head)'s probabilities
// in aux, followed by the scratch of one (a.probs() + a.scratch() in all);
// keep is the dropout mask of the probabilities (nil: none) and scale the
// factor of the kept ones.
func (a attnShape) forward(qv, ov, aux []float64, keep []bool, scale float64, valid []bool) {
	ll, c3 := a.l*a.l, 3*a.d
	pd, kt := a.scratchOf(aux)
	alpha := 1 / math.Sqrt(float64(a.dh))
	for b := 0; b < a.b; b++ {
		var vb []bool
		if valid != nil {
			vb = valid[b*a.l : b*a.l+a.l]
		}
		for h := 0; h < a.h; h++ {
			q, k, v := a.qkv(qv, b, h)
			s := aux[(b*a.h+h)*ll : (b*a.h+h)*ll+ll]
			a.transpose(kt, k, alpha) // α·Kᵀ [d_h×L]
			attn.mulRows(a.l, a.l, a.dh, q, c3, 1, kt, a.l, s, a.l, false)
			softmaxRows(s, a.l, vb, kt) // Kᵀ is no longer needed: scratch
			ps := s
			if keep != nil {
				ps = pd
				drop.scale(pd, s, keep[(b*a.h+h)*ll:(b*a.h+h)*ll+ll], scale)
			}
			attn.mulRows(a.l, a.dh, a.l, ps, a.l, 1, v, c3, ov[b*a.l*a.d+h*a.dh:], a.d, false)
		}
	}
}

// backward accumulates into qg ([N×3d]) the gradient of the attention that
// forward computed from qv, given the gradient g ([N×d]) of its output:
// for each sequence and head, with P̃ = dropout(P) and G = g restricted to
// the head,
//
//	∂V += P̃ᵀ·G,  ∂P̃ = G·Vᵀ,  ∂P = ∂P̃ ⊙ keep/(1−p),
//	∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)),  ∂Q += ∂S·K/√d_h,  ∂K += ∂Sᵀ·Q/√d_h.
func (a attnShape) backward(qv, qg, g, aux []float64, keep []bool, scale float64) {
	ll, c3 := a.l*a.l, 3*a.d
	pd, vt := a.scratchOf(aux)
	dp := vt[a.dh*a.l : a.dh*a.l+ll]
	alpha := 1 / math.Sqrt(float64(a.dh))
	for b := 0; b < a.b; b++ {
		if b+1 < a.b { // bring the next sequence's operands towards the cache
			n := a.l * c3
			// The sum goes to scratch that is overwritten below, so that
			// the loads cannot be optimised away.
			pd[0] = touch(qv[(b+1)*n:(b+2)*n]) + touch(qg[(b+1)*n:(b+2)*n]) + touch(aux[(b+1)*a.h*ll:(b+2)*a.h*ll])
		}
		for h := 0; h < a.h; h++ {
			q, k, v := a.qkv(qv, b, h)
			gq, gk, gv := a.qkv(qg, b, h)
			s := aux[(b*a.h+h)*ll : (b*a.h+h)*ll+ll]
			var kp []bool
			ps := s
			if keep != nil {
				kp = keep[(b*a.h+h)*ll : (b*a.h+h)*ll+ll]
				drop.scale(pd, s, kp, scale)
				ps = pd
			}
			gh := g[b*a.l*a.d+h*a.dh:]
			a.transpose(vt, v, 1)
			attn.mulRows(a.l, a.l, a.dh, gh, a.d, 1, vt, a.l, dp, a.l, false) // ∂P̃ = G·Vᵀ
			attn.mulRows(a.l, a.dh, a.l, ps, 1, a.l, gh, a.d, gv, c3, true)   // ∂V += P̃ᵀ·G
			if kp != nil {
				drop.scale(dp, dp, kp, scale)
			}
			softmaxBackRows(dp, s, a.l, alpha)                            // α·∂S
			attn.mulRows(a.l, a.dh, a.l, dp, a.l, 1, k, c3, gq, c3, true) // ∂Q += α∂S·K
			attn.mulRows(a.l, a.dh, a.l, dp, 1, a.l, q, c3, gk, c3, true) // ∂K += α∂Sᵀ·Q
		}
	}
}

// attnShape is the geometry of an Attention: b sequences of l positions,
// h heads of width dh, model width d = h·dh.
type attnShape struct{ b, l, h, d, dh int }

// probs returns the number of attention probabilities: L² per sequence and
// head.
func (a attnShape) probs() int { return a.b * a.h * a.l * a.l }

// scratch returns the length of the per-call scratch after the
// probabilities: an L×L block, and a d_h×L block followed by another L×L.
func (a attnShape) scratch() int { return 2*a.l*a.l + a.dh*a.l }

// scratchOf returns the L×L block and the d_h×L block (with the last L×L
// block after it) of the scratch at the end of probs.
func (a attnShape) scratchOf(probs []float64) (sq, t []float64) {
	off := a.probs()
	return probs[off : off+a.l*a.l], probs[off+a.l*a.l:]
}

// transpose sets dst [d_h×L] to s·Xᵀ for the [L×d_h] block X that starts at
// x, rows 3d apart.
func (a attnShape) transpose(dst, x []float64, s float64) {
	attn.transpose(dst, x, a.l, a.dh, 3*a.d, s)
}

// qkv returns the starts of the query, key and value blocks of sequence b,
// head h, in x of width 3d (a value or a gradient).
func (a attnShape) qkv(x []float64, b, h int) (q, k, v []float64) {
	off := b*a.l*3*a.d + h*a.dh
	return x[off:], x[off+a.d:], x[off+2*a.d:]
}

// softmaxRows replaces each row of the l×l block s by its softmax over the
// keys j with valid[j] (all keys if valid is nil); masked entries become 0,
// and if no key is valid the whole block becomes 0. tmp is l long scratch.
func softmaxRows(s []float64, l int, valid []bool, tmp []float64) {
	s = s[:l*l]
	if valid != nil {
		valid = valid[:l]
		any := false
		for _, ok := range valid {
			any = any || ok
		}
		if !any {
			clear(s)
			return
		}
		for i := 0; i < l; i++ {
			row := s[i*l : i*l+l]
			for j, ok := range valid {
				if !ok {
					row[j] = math.Inf(-1)
				}
			}
		}
	}
	attn.softmax(s, l, l, tmp)
}

// softmaxBackRows replaces each row of the l×l block dp, the gradient of the
// probabilities p, by α times the gradient of the scores: α·p ⊙ (dp − Σⱼ dp ⊙ p).
func softmaxBackRows(dp, p []float64, l int, alpha float64) {
	for i := 0; i < l; i++ {
		d, pr := dp[i*l:i*l+l], p[i*l:i*l+l]
		var s float64
		for j, v := range d {
			s += v * pr[j]
		}
		for j, v := range d {
			d[j] = alpha * pr[j] * (v - s)
		}
	}
}

// touch reads one element of each cache line of x and returns their sum,
// so that the hardware fetches lines that are about to be used while other
// work goes on: the operands of an attention's backward pass were written by
// the forward pass long before and have left the caches, and its strided
// per-head accesses defeat the hardware prefetcher. (Measured: 7% off the
// backward pass of a bit-sequence training iteration.)
func touch(x []float64) float64 {
	var s float64
	for i := 0; i < len(x); i += 8 {
		s += x[i]
	}
	return s
}
