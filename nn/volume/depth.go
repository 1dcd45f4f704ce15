package volume

import (
	"math"

	"github.com/gogfn/gogfn/autograd"
)

// What a depth node returns at each knot.
const (
	modeDepth = iota
	modeOpacity
	modeTransmittance
)

// Depth returns the optical depth at every knot of a batch of rays,
// I(tⱼ) = ∫_{t₀}^{tⱼ} σ̂ [B×m]: 0 in the first column and the ray's total
// I_f in the last.
//
// t [B×m] holds each ray's knots, non-decreasing along the row; s holds the
// densities at the knots, B·m non-negative values in the same row-major order
// ([B×m], or a network's [B·m×1] output as it is). Gradients flow to s and,
// if it has one, to t.
//
// It panics if s does not have B·m elements, m < 2 or a row of t decreases.
func Depth(tp *autograd.Tape, p Interp, t, s *autograd.Node) *autograd.Node {
	return depthOp(tp, p, t, s, modeDepth)
}

// Opacity returns F(tⱼ) = 1 − exp(−I(tⱼ)) at every knot [B×m], computed
// without cancellation. Its last column is the ray's total opacity y_f, the
// weight of the Monte Carlo estimator (see Estimate).
// t and s are as for Depth, and it panics as Depth does.
func Opacity(tp *autograd.Tape, p Interp, t, s *autograd.Node) *autograd.Node {
	return depthOp(tp, p, t, s, modeOpacity)
}

// Transmittance returns T(tⱼ) = exp(−I(tⱼ)) at every knot [B×m]: the
// fraction of light from tⱼ that reaches t₀.
// t and s are as for Depth, and it panics as Depth does.
func Transmittance(tp *autograd.Tape, p Interp, t, s *autograd.Node) *autograd.Node {
	return depthOp(tp, p, t, s, modeTransmittance)
}

func depthOp(tp *autograd.Tape, p Interp, t, s *autograd.Node, mode int) *autograd.Node {
	b, m := t.Dims()
	checkKnotValues("Depth", t, s, b, m)
	out := tp.Custom(b, m, depthBack, t, s)
	hdr := out.Ints(2)
	hdr[0], hdr[1] = int(p), mode
	d := out.Floats(b*m + m) // depths, then backward's work row
	tv, sv, ov := raw(t), raw(s), raw(out)
	for r := 0; r < b; r++ {
		lo, hi := r*m, r*m+m
		checkKnots(tv[lo:hi])
		depths(d[lo:hi], p, tv[lo:hi], sv[lo:hi])
		for j, v := range d[lo:hi] {
			switch mode {
			case modeOpacity:
				ov[lo+j] = -math.Expm1(-v)
			case modeTransmittance:
				ov[lo+j] = math.Exp(-v)
			default:
				ov[lo+j] = v
			}
		}
	}
	return out
}

func depthBack(out *autograd.Node, in []*autograd.Node) {
	t, s := in[0], in[1]
	b, m := out.Dims()
	hdr := out.Ints(2)
	p, mode := Interp(hdr[0]), hdr[1]
	scratch := out.Floats(b*m + m)
	d, work := scratch[:b*m], scratch[b*m:]
	tv, sv, g := raw(t), raw(s), grad(out)
	tg, sg := grad(t), grad(s)
	for r := 0; r < b; r++ {
		lo, hi := r*m, r*m+m
		for j := range work {
			switch mode {
			case modeOpacity:
				work[j] = g[lo+j] * math.Exp(-d[lo+j])
			case modeTransmittance:
				work[j] = -g[lo+j] * math.Exp(-d[lo+j])
			default:
				work[j] = g[lo+j]
			}
		}
		backDepths(work, p, tv[lo:hi], sv[lo:hi], part(tg, lo, hi), part(sg, lo, hi))
	}
}

// backDepths adds into tg and sg (either may be nil) the gradient that
// reaches one ray's knots and values through its knot depths, given
// gd[j] = ∂L/∂Iⱼ. Bin l's integral enters every Iⱼ with j > l, so its
// gradient is the suffix sum Σ_{j>l} gd[j].
func backDepths(gd []float64, p Interp, t, s, tg, sg []float64) {
	var acc float64
	for l := len(t) - 2; l >= 0; l-- {
		acc += gd[l+1]
		if acc == 0 {
			continue
		}
		h := t[l+1] - t[l]
		var height float64 // ∂(bin integral)/∂tₗ₊₁ = −∂/∂tₗ
		if p == Constant {
			height = s[l]
			if sg != nil {
				sg[l] += h * acc
			}
		} else {
			height = 0.5 * (s[l] + s[l+1])
			if sg != nil {
				sg[l] += 0.5 * h * acc
				sg[l+1] += 0.5 * h * acc
			}
		}
		if tg != nil {
			tg[l+1] += height * acc
			tg[l] -= height * acc
		}
	}
}

// checkKnotValues panics unless t is [b×m] with m ≥ 2 and s has b·m elements.
func checkKnotValues(op string, t, s *autograd.Node, b, m int) {
	if sr, sc := s.Dims(); sr*sc != b*m || m < 2 {
		panic(shapeErr("%s with knots %d×%d and values %d×%d", op, b, m, sr, sc))
	}
}

// raw returns the contiguous values of a node.
func raw(n *autograd.Node) []float64 {
	g := n.Value.RawMatrix()
	return g.Data[:g.Rows*g.Cols]
}

// grad returns the contiguous gradient of a node, or nil if it has none.
func grad(n *autograd.Node) []float64 {
	if n.Grad == nil {
		return nil
	}
	g := n.Grad.RawMatrix()
	return g.Data[:g.Rows*g.Cols]
}

// part returns x[lo:hi], or nil if x is nil.
func part(x []float64, lo, hi int) []float64 {
	if x == nil {
		return nil
	}
	return x[lo:hi]
}
