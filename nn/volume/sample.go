package volume

import (
	"math"

	"github.com/gogfn/gogfn/autograd"
)

// Sample returns reparameterized inverse-transform samples along a batch of
// rays [B×k]:
//
//	out[b,i] = F_b⁻¹(u[b,i]·F_b(tₘ₋₁)),
//
// the depth at which ray b's opacity reaches the fraction u[b,i] of its total,
// that is a sample of the absorption depth truncated to the knots' span for a
// uniform u. Stratified uniforms (u[b,i] in [i/k, (i+1)/k), see Stratified)
// give samples in increasing order.
//
// The samples are differentiable in the densities s and, if t has a gradient,
// in the knots: a loss on anything computed at the samples trains the density
// that placed them. The gradient follows from I(t) = y by the implicit
// function theorem, dt/dθ = (∂y/∂θ − ∂I(t)/∂θ)/σ̂(t), in O(k + m) per ray.
// No gradient flows to u. Where the derivative does not exist it is taken as
// follows: a sample at t₀ because y = 0 (u = 0, or a ray with no density at
// all) moves with t₀ alone, and a sample where σ̂ = 0 with y > 0 (possible
// only through underflow) passes no gradient on.
//
// t [B×m] holds each ray's knots, non-decreasing along the row; s holds the
// densities at the knots, B·m non-negative values in the same row-major order
// ([B×m], or a network's [B·m×1] output as it is); u [B×k] holds uniforms in
// [0, 1].
//
// It panics if u does not have B rows, s does not have B·m elements, m < 2, a
// row of t decreases or a uniform lies outside [0, 1].
func Sample(tp *autograd.Tape, p Interp, t, s, u *autograd.Node) *autograd.Node {
	b, m := t.Dims()
	checkKnotValues("Sample", t, s, b, m)
	ur, k := u.Dims()
	if ur != b {
		panic(shapeErr("Sample with knots %d×%d and uniforms %d×%d", b, m, ur, k))
	}
	out := tp.Custom(b, k, sampleBack, t, s, u)
	bins := out.Ints(1 + b*k)
	bins[0], bins = int(p), bins[1:]
	sc := out.Floats(b*m + 3*b*k + m)
	d, xs, sig, dys := sc[:b*m], sc[b*m:b*m+b*k], sc[b*m+b*k:b*m+2*b*k], sc[b*m+2*b*k:b*m+3*b*k]
	tv, sv, uv, ov := raw(t), raw(s), raw(u), raw(out)
	for r := 0; r < b; r++ {
		lo, hi := r*m, r*m+m
		tr, sr, dr := tv[lo:hi], sv[lo:hi], d[lo:hi]
		checkKnots(tr)
		depths(dr, p, tr, sr)
		f, e := -math.Expm1(-dr[m-1]), math.Exp(-dr[m-1])
		for i := r * k; i < r*k+k; i++ {
			y, dy := level(uv[i], dr[m-1], f, e)
			x, j, sigma := invert(p, tr, sr, dr, y)
			ov[i] = tr[j] + x
			if y <= dr[j] {
				j = ^j // pinned at the knot: see sampleBack
			}
			bins[i], xs[i], sig[i], dys[i] = j, x, sigma, dy
		}
	}
	return out
}

// sampleBack accumulates, per ray, the local partials of I(t) at each sample
// directly and the partials through the knot depths into a work row, which
// backDepths then spreads over the knots.
func sampleBack(out *autograd.Node, in []*autograd.Node) {
	t, s := in[0], in[1]
	b, k := out.Dims()
	_, m := t.Dims()
	bins := out.Ints(1 + b*k)
	p, bins := Interp(bins[0]), bins[1:]
	sc := out.Floats(b*m + 3*b*k + m)
	xs, sig, dys, work := sc[b*m:b*m+b*k], sc[b*m+b*k:b*m+2*b*k], sc[b*m+2*b*k:b*m+3*b*k], sc[b*m+3*b*k:]
	tv, sv, g := raw(t), raw(s), grad(out)
	tgAll, sgAll := grad(t), grad(s)
	for r := 0; r < b; r++ {
		lo, hi := r*m, r*m+m
		tr, sr := tv[lo:hi], sv[lo:hi]
		tg, sg := part(tgAll, lo, hi), part(sgAll, lo, hi)
		clear(work)
		for i := r * k; i < r*k+k; i++ {
			gi, j := g[i], bins[i]
			switch {
			case gi == 0:
				continue
			case j < 0: // t = t_j whatever the densities
				if tg != nil {
					tg[^j] += gi
				}
				continue
			case sig[i] <= 0:
				continue
			}
			// ∂L/∂θ += q·(∂y/∂θ − ∂I(t)/∂θ), with I(t) = Iⱼ + (in-bin part).
			q := gi / sig[i]
			work[m-1] += q * dys[i]
			work[j] -= q
			x := xs[i]
			if p == Constant {
				if sg != nil {
					sg[j] -= q * x
				}
				if tg != nil {
					tg[j] += q * sr[j]
				}
				continue
			}
			h := tr[j+1] - tr[j]
			hx := 0.5 * x * x / h
			if sg != nil {
				sg[j] -= q * (x - hx)
				sg[j+1] -= q * hx
			}
			if tg != nil {
				a := (sr[j+1] - sr[j]) / h
				tg[j] -= q * (hx*a - sig[i])
				tg[j+1] += q * hx * a
			}
		}
		backDepths(work, p, tr, sr, tg, sg)
	}
}
