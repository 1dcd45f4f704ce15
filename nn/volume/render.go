package volume

import (
	"math"

	"github.com/gogfn/gogfn/autograd"
)

// Estimate returns the Monte Carlo estimate of each ray's colour [B×D] from
// the radiance at k samples drawn by Sample on the same knots:
//
//	C_b = y_b·(1/k)·Σᵢ c[b,i] + (1 − y_b)·bg,
//
// with y_b = F_b(tₘ₋₁) = 1 − exp(−I_f) the ray's total opacity, computed here
// from the knots. For uniform u it is unbiased for the colour that the
// density approximation renders exactly, ∫ c dF + (1 − y_f)·bg; stratified u
// lowers its variance. Gradients flow to c, bg and, through y_b, to s and t.
//
// t and s are the knots and densities given to Sample; c is [B·k×D] with the
// k samples of ray b in rows b·k … b·k+k−1 (a radiance network's output at
// the samples, in order); bg is the background colour [1×D], or nil for
// black.
//
// It panics if the shapes do not fit or a row of t decreases.
func Estimate(tp *autograd.Tape, p Interp, t, s, c, bg *autograd.Node) *autograd.Node {
	b, m := t.Dims()
	checkKnotValues("Estimate", t, s, b, m)
	n, dim := c.Dims()
	if b == 0 || n%b != 0 {
		panic(shapeErr("Estimate with knots %d×%d and colours %d×%d", b, m, n, dim))
	}
	if bg == nil {
		bg = tp.Input(1, dim)
	} else if r, cc := bg.Dims(); r != 1 || cc != dim {
		panic(shapeErr("Estimate with %d colour channels and background %d×%d", dim, r, cc))
	}
	k := n / b
	out := tp.Custom(b, dim, estimateBack, t, s, c, bg)
	out.Ints(1)[0] = int(p)
	sc := out.Floats(b + m) // I_f of each ray, then a work row
	depth, work := sc[:b], sc[b:]
	tv, sv, cv, bv, ov := raw(t), raw(s), raw(c), raw(bg), raw(out)
	for r := 0; r < b; r++ {
		tr := tv[r*m : r*m+m]
		checkKnots(tr)
		depths(work, p, tr, sv[r*m:r*m+m])
		depth[r] = work[m-1]
		y := -math.Expm1(-depth[r])
		o := ov[r*dim : r*dim+dim]
		for i := r * k; i < r*k+k; i++ {
			for ch, v := range cv[i*dim : i*dim+dim] {
				o[ch] += v
			}
		}
		for ch := range o {
			o[ch] = y*o[ch]/float64(k) + (1-y)*bv[ch]
		}
	}
	return out
}

func estimateBack(out *autograd.Node, in []*autograd.Node) {
	t, s, c, bg := in[0], in[1], in[2], in[3]
	b, dim := out.Dims()
	_, m := t.Dims()
	n, _ := c.Dims()
	k := n / b
	p := Interp(out.Ints(1)[0])
	sc := out.Floats(b + m)
	depth, work := sc[:b], sc[b:]
	tv, sv, cv, bv, g := raw(t), raw(s), raw(c), raw(bg), grad(out)
	tg, sg, cg, bgg := grad(t), grad(s), grad(c), grad(bg)
	for r := 0; r < b; r++ {
		gr := g[r*dim : r*dim+dim]
		y := -math.Expm1(-depth[r])
		var gy float64 // ∂L/∂y
		for i := r * k; i < r*k+k; i++ {
			for ch, gc := range gr {
				gy += gc * cv[i*dim+ch] / float64(k)
				if cg != nil {
					cg[i*dim+ch] += gc * y / float64(k)
				}
			}
		}
		for ch, gc := range gr {
			gy -= gc * bv[ch]
			if bgg != nil {
				bgg[ch] += gc * (1 - y)
			}
		}
		if tg == nil && sg == nil {
			continue
		}
		clear(work)
		work[m-1] = gy * math.Exp(-depth[r]) // dy/dI_f = e^{−I_f}
		lo, hi := r*m, r*m+m
		backDepths(work, p, tv[lo:hi], sv[lo:hi], part(tg, lo, hi), part(sg, lo, hi))
	}
}

// Quadrature returns each ray's colour [B×D] by the standard quadrature of
// NeRF (Mildenhall et al. 2020, eq. 3), the baseline to Estimate: with
// intervals δᵢ = tᵢ₊₁ − tᵢ and δ_{N−1} = far − t_{N−1},
//
//	C = Σᵢ Tᵢ·(1 − e^{−σᵢδᵢ})·cᵢ + T_N·bg,  Tᵢ = exp(−Σ_{l<i} σₗδₗ).
//
// Pass far = +Inf for NeRF's unbounded last interval, which makes the last
// sample opaque. Unlike NeRF's code it adds no 10⁻¹⁰ to the transmittance.
//
// t [B×N] holds the sample depths in increasing order along each row (it may
// have a gradient: Quadrature is differentiable in the positions, as the
// hierarchical sampler needs); sigma holds the densities at them, B·N values
// in the same order ([B×N] or [B·N×1]); c [B·N×D] the colours, ray by ray;
// bg [1×D] the background, or nil for black.
//
// It panics if the shapes do not fit.
func Quadrature(tp *autograd.Tape, t, sigma, c *autograd.Node, far float64, bg *autograd.Node) *autograd.Node {
	b, nPts := t.Dims()
	n, dim := c.Dims()
	if sr, sc := sigma.Dims(); sr*sc != b*nPts || n != b*nPts {
		panic(shapeErr("Quadrature with depths %d×%d, densities %d×%d and colours %d×%d", b, nPts, sr, sc, n, dim))
	}
	if bg == nil {
		bg = tp.Input(1, dim)
	} else if r, cc := bg.Dims(); r != 1 || cc != dim {
		panic(shapeErr("Quadrature with %d colour channels and background %d×%d", dim, r, cc))
	}
	out := tp.Custom(b, dim, quadratureBack, t, sigma, c, bg)
	sc := out.Floats(1 + b*(nPts+1))
	sc[0] = far
	tv, sv, cv, bv, ov := raw(t), raw(sigma), raw(c), raw(bg), raw(out)
	for r := 0; r < b; r++ {
		lo := r * nPts
		w := sc[1+r*(nPts+1) : 1+(r+1)*(nPts+1)]
		QuadratureWeights(w, tv[lo:lo+nPts], sv[lo:lo+nPts], far)
		o := ov[r*dim : r*dim+dim]
		for i, wi := range w[:nPts] {
			for ch, v := range cv[(lo+i)*dim : (lo+i)*dim+dim] {
				o[ch] += wi * v
			}
		}
		for ch, v := range bv {
			o[ch] += w[nPts] * v
		}
	}
	return out
}

// QuadratureWeights fills dst with the weights of NeRF's quadrature along one
// ray, dst[i] = Tᵢ·(1 − e^{−σᵢδᵢ}) for the N samples, and dst[N] = T_N, the
// transmittance past the last interval (the background's weight). The weights
// sum to 1. t, sigma and far are as for Quadrature.
//
// It panics if len(dst) ≠ len(t) + 1 or len(sigma) ≠ len(t).
func QuadratureWeights(dst, t, sigma []float64, far float64) {
	n := len(t)
	if len(dst) != n+1 || len(sigma) != n {
		panic(shapeErr("QuadratureWeights of %d depths, %d densities into %d", n, len(sigma), len(dst)))
	}
	var depth float64
	for i := range t {
		tau := sigma[i] * interval(t, i, far)
		if sigma[i] == 0 {
			tau = 0 // also for an unbounded interval
		}
		dst[i] = math.Exp(-depth) * -math.Expm1(-tau)
		depth += tau
	}
	dst[n] = math.Exp(-depth)
}

// interval returns δᵢ.
func interval(t []float64, i int, far float64) float64 {
	if i+1 < len(t) {
		return t[i+1] - t[i]
	}
	return far - t[i]
}

// quadratureBack: with eᵢ = g·cᵢ and e_bg = g·bg, the weights give
// ∂L/∂τₗ = Tₗ₊₁·eₗ − Σ_{i>l} wᵢeᵢ − T_N·e_bg for τₗ = σₗδₗ, a suffix sum.
func quadratureBack(out *autograd.Node, in []*autograd.Node) {
	t, sigma, c, bg := in[0], in[1], in[2], in[3]
	b, dim := out.Dims()
	_, nPts := t.Dims()
	sc := out.Floats(1 + b*(nPts+1))
	far := sc[0]
	tv, sv, cv, bv, g := raw(t), raw(sigma), raw(c), raw(bg), grad(out)
	tg, sg, cg, bgg := grad(t), grad(sigma), grad(c), grad(bg)
	for r := 0; r < b; r++ {
		lo := r * nPts
		w := sc[1+r*(nPts+1) : 1+(r+1)*(nPts+1)]
		gr := g[r*dim : r*dim+dim]
		tn := w[nPts]
		var eBg float64
		for ch, gc := range gr {
			eBg += gc * bv[ch]
			if bgg != nil {
				bgg[ch] += gc * tn
			}
		}
		var after float64 // Σ_{i>l} wᵢeᵢ
		next := tn        // Tₗ₊₁
		for l := nPts - 1; l >= 0; l-- {
			var e float64
			for ch, gc := range gr {
				e += gc * cv[(lo+l)*dim+ch]
				if cg != nil {
					cg[(lo+l)*dim+ch] += gc * w[l]
				}
			}
			dTau := next*e - after - tn*eBg
			after += w[l] * e
			next += w[l] // Tₗ = Tₗ₊₁ + wₗ
			delta := interval(tv[lo:lo+nPts], l, far)
			if math.IsInf(delta, 1) {
				continue // the last sample is opaque (or empty) whatever σ
			}
			if sg != nil {
				sg[lo+l] += delta * dTau
			}
			if tg != nil {
				tg[lo+l] -= sv[lo+l] * dTau
				if l+1 < nPts {
					tg[lo+l+1] += sv[lo+l] * dTau
				}
			}
		}
	}
}
