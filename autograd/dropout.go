package autograd

import (
	"math"
	"math/rand/v2"
)

// Dropout sets each element of x to 0 with probability p and multiplies it
// by 1/(1−p) otherwise, so that the expected value is unchanged: inverted
// dropout, as PyTorch's nn.Dropout in training mode. (A dropped ±Inf or NaN
// becomes 0, where PyTorch's multiplication by 0 gives NaN.) With p = 0 it
// returns x itself (no new node), which is also how to turn dropout off at
// inference; with p = 1 every element is zero.
//
// rng is drawn once per call, for a seed s. Element i is kept when its
// 32-bit draw uᵢ satisfies uᵢ ≥ ⌊p·2³²⌋, so the dropout probability is p
// rounded down to a multiple of 2⁻³²; the draws are the halves of the
// SplitMix64 outputs of the counter s + j·γ (Steele, Lea and Flood 2014):
// u₂ⱼ₋₂ the low and u₂ⱼ₋₁ the high half of mix(s + j·γ), j = 1, 2, …. Being
// a function of the element's index, the mask is the same on every CPU and
// is computed eight draws at a time on AVX-512.
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
	drop.scale(ov, xv, keep, scale)
	out.back = dropoutBack
	return out
}

// dropoutBack: ∂x += ∂out/(1−p) where the element was kept.
func dropoutBack(out *Node) {
	g := data(out.Grad)
	drop.acc(data(out.a.Grad), g, out.bools, out.s0)
}

// dropKernels is one implementation of the dropout kernels: the portable
// Go below, or on amd64 the AVX-512 assembly of dropout_amd64.s, which
// gives the same results to the bit.
type dropKernels struct {
	// mask sets keep[i] = uᵢ ≥ thr for the draws uᵢ of seed (see Dropout).
	mask func(keep []bool, thr uint32, seed uint64)
	// scale sets dst[i] = src[i]·s where keep[i] and +0 elsewhere. dst
	// may be src.
	scale func(dst, src []float64, keep []bool, s float64)
	// acc adds g[i]·s to dst[i] where keep[i], and +0 elsewhere.
	acc func(dst, g []float64, keep []bool, s float64)
}

var goDropKernels = dropKernels{mask: dropMaskGo, scale: dropScaleGo, acc: dropAccGo}

// dropMask sets keep[i] with probability 1 − p (p rounded down to a
// multiple of 2⁻³²) from the draws of seed, as Dropout describes.
func dropMask(keep []bool, p float64, seed uint64) {
	if p >= 1 {
		clear(keep)
		return
	}
	drop.mask(keep, uint32(math.Floor(p*(1<<32))), seed)
}

// The SplitMix64 constants: the counter's increment γ and the mixer's
// multipliers.
const (
	mixGamma = 0x9e3779b97f4a7c15
	mixMul1  = 0xbf58476d1ce4e5b9
	mixMul2  = 0x94d049bb133111eb
)

// mix64 is SplitMix64's output function.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * mixMul1
	z = (z ^ (z >> 27)) * mixMul2
	return z ^ (z >> 31)
}

// dropMaskFrom sets keep[i] for i ≥ from, from even, as dropMaskGo does.
func dropMaskFrom(keep []bool, thr uint32, seed uint64, from int) {
	for i := from; i < len(keep); i += 2 {
		r := mix64(seed + uint64(i/2+1)*mixGamma)
		keep[i] = uint32(r) >= thr
		if i+1 < len(keep) {
			keep[i+1] = uint32(r>>32) >= thr
		}
	}
}

func dropMaskGo(keep []bool, thr uint32, seed uint64) { dropMaskFrom(keep, thr, seed, 0) }

// keepBits are the bit masks of a dropped and a kept element.
var keepBits = [2]uint64{0, ^uint64(0)}

func dropScaleGo(dst, src []float64, keep []bool, s float64) {
	dst, keep = dst[:len(src)], keep[:len(src)]
	for i, v := range src {
		dst[i] = math.Float64frombits(math.Float64bits(v*s) & keepBits[b2u(keep[i])])
	}
}

func dropAccGo(dst, g []float64, keep []bool, s float64) {
	dst, keep = dst[:len(g)], keep[:len(g)]
	for i, v := range g {
		dst[i] += math.Float64frombits(math.Float64bits(v*s) & keepBits[b2u(keep[i])])
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

// boolsOf returns (*buf)[:n], growing *buf if needed. The contents are
// undefined.
func boolsOf(buf *[]bool, n int) []bool {
	if cap(*buf) < n {
		*buf = make([]bool, n)
	}
	*buf = (*buf)[:n]
	return *buf
}
