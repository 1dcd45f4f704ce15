package autograd

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Dropout multiplies each element of x by 0 with probability p and by
// 1/(1−p) otherwise, so that the expected value is unchanged: inverted
// dropout, as PyTorch's nn.Dropout in training mode (a dropped ±Inf or NaN
// gives NaN, as there). With p = 0 it
// returns x itself (no new node), which is also how to turn dropout off at
// inference; with p = 1 every element is zero.
//
// rng is drawn once per call, for a seed; the mask comes from a fast
// generator (wyrand) seeded with it, so the same rng state gives the same
// mask. Each element is kept when a 32-bit draw u satisfies u ≥ ⌊p·2³²⌋:
// the dropout probability is p rounded down to a multiple of 2⁻³².
//
// It panics with ErrArg if p is outside [0, 1] or rng is nil while p > 0.
func (t *Tape) Dropout(x *Node, p float64, rng *rand.Rand) *Node {
	if !(p >= 0 && p <= 1) {
		panic(argErr("Dropout probability %v", p))
	}
	if p == 0 {
		t.check(x)
		return x
	}
	if rng == nil {
		panic(argErr("Dropout with p = %v and a nil rng", p))
	}
	out, xv, ov := t.unary(x)
	keep := boolsOf(&out.bools, len(xv))
	scale := dropScaleOf(p)
	out.s0 = scale
	dropMask(keep, p, rng.Uint64())
	dropScale(ov, xv, keep, scale)
	out.back = dropoutBack
	return out
}

// dropoutBack: ∂x += ∂out/(1−p) where the element was kept.
func dropoutBack(out *Node) {
	g := data(out.Grad)
	dropAcc(data(out.a.Grad), g, out.bools, out.s0)
}

// dropScale sets dst[i] = src[i]·scale where keep[i] and src[i]·0 (0 unless
// src[i] is infinite or NaN, as in PyTorch) elsewhere, without branches.
func dropScale(dst, src []float64, keep []bool, scale float64) {
	dst, keep = dst[:len(src)], keep[:len(src)]
	f := [2]float64{0, scale}
	for i, v := range src {
		dst[i] = v * f[b2u(keep[i])]
	}
}

// dropAcc adds g[i]·scale to dst[i] where keep[i], without branches.
func dropAcc(dst, g []float64, keep []bool, scale float64) {
	dst, keep = dst[:len(g)], keep[:len(g)]
	f := [2]float64{0, scale}
	for i, v := range g {
		dst[i] += v * f[b2u(keep[i])]
	}
}

// b2u returns 1 for true and 0 for false; the compiler makes it a load and
// a mask, not a branch (a dropout mask is random, so branches on it
// mispredict).
func b2u(b bool) uint8 {
	var u uint8
	if b {
		u = 1
	}
	return u & 1
}

// dropScaleOf returns the factor 1/(1−p) of the elements dropout keeps, or 0
// when p = 1 and none is kept.
func dropScaleOf(p float64) float64 {
	if p >= 1 {
		return 0
	}
	return 1 / (1 - p)
}

// dropMask sets keep[i] to true with probability 1 − p (p rounded down to a
// multiple of 2⁻³²), from the wyrand generator started at seed.
func dropMask(keep []bool, p float64, seed uint64) {
	if p >= 1 {
		clear(keep)
		return
	}
	thr := uint32(math.Floor(p * (1 << 32)))
	s := seed
	i := 0
	for ; i+2 <= len(keep); i += 2 {
		s += 0xa0761d6478bd642f
		hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
		r := hi ^ lo
		keep[i] = uint32(r) >= thr
		keep[i+1] = uint32(r>>32) >= thr
	}
	if i < len(keep) {
		s += 0xa0761d6478bd642f
		hi, lo := bits.Mul64(s, s^0xe7037ed1a0b428db)
		keep[i] = uint32(hi^lo) >= thr
	}
}

// boolsOf returns (*buf)[:n], growing *buf if needed. The contents are
// undefined.
func boolsOf(buf *[]bool, n int) []bool {
	if cap(*buf) < n {
		*buf = make([]bool, n)
	}
	*buf = (*buf)[:n]
	return *buf
}
