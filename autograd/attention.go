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
	if heads < 1 || seqLen < 1 {
		panic(argErr("Attention with %d heads over sequences of %d", heads, seqLen))
	}
	if !(p >= 0 && p <= 1) || (p > 0 && rng == nil) {
		panic(argErr("Attention dropout %v with rng %v", p, rng != nil))
	}
	n, c3 := qkv.Dims()
	if c3%(3*heads) != 0 || c3 == 0 || n%seqLen != 0 {
		panic(shapeErr("Attention of %d×%d with %d heads over sequences of %d", n, c3, heads, seqLen))
	}
	if valid != nil && len(valid) != n {
		panic(shapeErr("Attention mask of %d for %d rows", len(valid), n))
	}
	a := attnShape{l: seqLen, h: heads, d: c3 / 3, dh: c3 / (3 * heads), b: n / seqLen}
	out := t.node(n, a.d, qkv, nil)
	out.ints = append(out.ints[:0], seqLen, heads)
	// probs holds P of every (sequence, head), then two seqLen² scratch blocks.
	ll := a.l * a.l
	probs := out.Floats(a.b*a.h*ll + 2*ll)
	out.s0 = 0
	var keep []bool
	if p > 0 {
		keep = boolsOf(&out.bools, a.b*a.h*ll)
		dropMask(keep, p, rng.Uint64())
		if p < 1 {
			out.s0 = 1 / (1 - p)
		}
		out.s1 = 1 // dropout on
	} else {
		out.s1 = 0
	}
	qv, ov := data(qkv.Value), data(out.Value)
	tmp := probs[a.b*a.h*ll : a.b*a.h*ll+ll]
	for b := 0; b < a.b; b++ {
		var vb []bool
		if valid != nil {
			vb = valid[b*a.l : b*a.l+a.l]
		}
		for h := 0; h < a.h; h++ {
			q, k, v := a.qkv(qv, b, h)
			s := probs[(b*a.h+h)*ll : (b*a.h+h)*ll+ll]
			smallMul(false, true, a.l, a.l, a.dh, 1/math.Sqrt(float64(a.dh)), q, c3, k, c3, 0, s, a.l)
			softmaxRows(s, a.l, vb)
			pd := s
			if keep != nil {
				pd = tmp
				dropScale(pd, s, keep[(b*a.h+h)*ll:(b*a.h+h)*ll+ll], out.s0)
			}
			smallMul(false, false, a.l, a.dh, a.l, 1, pd, a.l, v, c3, 0, ov[b*a.l*a.d+h*a.dh:], a.d)
		}
	}
	out.back = attentionBack
	return out
}

// attentionBack: for each sequence and head, with P̃ = dropout(P) and
// G = ∂out restricted to the head,
//
//	∂V += P̃ᵀ·G,  ∂P̃ = G·Vᵀ,  ∂P = ∂P̃ ⊙ keep/(1−p),
//	∂S = P ⊙ (∂P − rowsum(∂P ⊙ P)),  ∂Q += ∂S·K/√d_h,  ∂K += ∂Sᵀ·Q/√d_h.
func attentionBack(out *Node) {
	qkv := out.a
	n, c3 := qkv.Dims()
	seqLen, heads := out.ints[0], out.ints[1]
	a := attnShape{l: seqLen, h: heads, d: c3 / 3, dh: c3 / (3 * heads), b: n / seqLen}
	ll := a.l * a.l
	probs := out.auxData
	dp := probs[a.b*a.h*ll : a.b*a.h*ll+ll]
	pd := probs[a.b*a.h*ll+ll : a.b*a.h*ll+2*ll]
	qv, qg, g := data(qkv.Value), data(qkv.Grad), data(out.Grad)
	alpha := 1 / math.Sqrt(float64(a.dh))
	dropout := out.s1 != 0
	for b := 0; b < a.b; b++ {
		for h := 0; h < a.h; h++ {
			q, k, v := a.qkv(qv, b, h)
			gq, gk, gv := a.qkv(qg, b, h)
			s := probs[(b*a.h+h)*ll : (b*a.h+h)*ll+ll]
			var keep []bool
			ps := s
			if dropout {
				keep = out.bools[(b*a.h+h)*ll : (b*a.h+h)*ll+ll]
				dropScale(pd, s, keep, out.s0)
				ps = pd
			}
			go_ := g[b*a.l*a.d+h*a.dh:]
			smallMul(false, true, a.l, a.l, a.dh, 1, go_, a.d, v, c3, 0, dp, a.l)
			smallMul(true, false, a.l, a.dh, a.l, 1, ps, a.l, go_, a.d, 1, gv, c3)
			if dropout {
				dropScale(dp, dp, keep, out.s0)
			}
			softmaxBackRows(dp, s, a.l)
			smallMul(false, false, a.l, a.dh, a.l, alpha, dp, a.l, k, c3, 1, gq, c3)
			smallMul(true, false, a.l, a.dh, a.l, alpha, dp, a.l, q, c3, 1, gk, c3)
		}
	}
}

// attnShape is the geometry of an Attention: b sequences of l positions,
// h heads of width dh, model width d = h·dh.
type attnShape struct{ b, l, h, d, dh int }

// qkv returns the starts of the query, key and value blocks of sequence b,
// head h, in x of width 3d (a value or a gradient).
func (a attnShape) qkv(x []float64, b, h int) (q, k, v []float64) {
	off := b*a.l*3*a.d + h*a.dh
	return x[off:], x[off+a.d:], x[off+2*a.d:]
}

// softmaxRows replaces each row of the l×l block s by its softmax over the
// keys j with valid[j] (all keys if valid is nil); masked entries become 0,
// and a row with no valid key becomes all 0.
func softmaxRows(s []float64, l int, valid []bool) {
	for i := 0; i < l; i++ {
		row := s[i*l : i*l+l]
		mx := math.Inf(-1)
		for j, v := range row {
			if (valid == nil || valid[j]) && v > mx {
				mx = v
			}
		}
		if math.IsInf(mx, -1) {
			clear(row)
			continue
		}
		var sum float64
		for j, v := range row {
			if valid == nil || valid[j] {
				e := math.Exp(v - mx)
				row[j] = e
				sum += e
			} else {
				row[j] = 0
			}
		}
		inv := 1 / sum
		for j := range row {
			row[j] *= inv
		}
	}
}

// softmaxBackRows replaces each row of the l×l block dp, the gradient of the
// probabilities p, by the gradient of the scores: p ⊙ (dp − Σⱼ dp ⊙ p).
func softmaxBackRows(dp, p []float64, l int) {
	for i := 0; i < l; i++ {
		d, pr := dp[i*l:i*l+l], p[i*l:i*l+l]
		var s float64
		for j, v := range d {
			s += v * pr[j]
		}
		for j, v := range d {
			d[j] = pr[j] * (v - s)
		}
	}
}

// dropScale sets dst[i] = src[i]·scale where keep[i], else 0.
func dropScale(dst, src []float64, keep []bool, scale float64) {
	dst, keep = dst[:len(src)], keep[:len(src)]
	for i, v := range src {
		if keep[i] {
			dst[i] = v * scale
		} else {
			dst[i] = 0
		}
	}
}
