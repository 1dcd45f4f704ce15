package volume

import "math"

// Interp names how the density between two knots is approximated.
type Interp int

const (
	// Linear interpolates the knot values linearly: on bin [tⱼ, tⱼ₊₁],
	// σ̂(t) = sⱼ + aⱼ(t − tⱼ) with slope aⱼ = (sⱼ₊₁ − sⱼ)/(tⱼ₊₁ − tⱼ), so the
	// optical depth I(t) is piecewise quadratic and its bin integrals are the
	// trapezoids ½(sⱼ + sⱼ₊₁)(tⱼ₊₁ − tⱼ). This is what the paper's code uses.
	Linear Interp = iota
	// Constant holds the left knot's value on each bin: σ̂(t) = sⱼ on
	// [tⱼ, tⱼ₊₁), so I(t) is piecewise linear and the last knot's value is
	// not used. To use the value at a bin's midpoint, as the paper describes,
	// evaluate the density there and pass it as the bin's left value.
	Constant
)

// String returns "linear" or "constant".
func (p Interp) String() string {
	if p == Constant {
		return "constant"
	}
	return "linear"
}

// Ray is the density approximation along one ray, for evaluation and
// sampling outside a tape (studies, tests, rendering a trained field). Its
// zero value is unusable: call Set first.
type Ray struct {
	// Interp is the approximation between knots.
	Interp Interp
	// T holds the knots t₀ ≤ … ≤ tₘ₋₁ and S the densities sⱼ ≥ 0 at them.
	// Set keeps the slices it is given; do not change them afterwards.
	T, S []float64
	// I holds the optical depth at the knots, Iⱼ = ∫_{t₀}^{tⱼ} σ̂: I₀ = 0 and
	// Iₘ₋₁ = I_f, the ray's total.
	I []float64
}

// Set makes r the approximation with knots t and values s, computing the
// optical depth at the knots into r.I (which it reuses when large enough).
//
// It panics if t and s differ in length, have fewer than two elements, or
// t decreases.
func (r *Ray) Set(p Interp, t, s []float64) {
	if len(t) != len(s) || len(t) < 2 {
		panic(shapeErr("Ray.Set with %d knots and %d values", len(t), len(s)))
	}
	checkKnots(t)
	r.Interp, r.T, r.S = p, t, s
	if cap(r.I) < len(t) {
		r.I = make([]float64, len(t))
	}
	r.I = r.I[:len(t)]
	depths(r.I, p, t, s)
}

// bin returns the index j of the bin [tⱼ, tⱼ₊₁] that holds x, clamped to the
// first and last bins.
func (r *Ray) bin(x float64) int {
	lo, hi := 0, len(r.T)-2 // the answer lies in [lo, hi]
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if r.T[mid] <= x {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// Density returns σ̂(x). Outside [t₀, tₘ₋₁] the density is 0.
func (r *Ray) Density(x float64) float64 {
	if x < r.T[0] || x > r.T[len(r.T)-1] {
		return 0
	}
	j := r.bin(x)
	if r.Interp == Constant {
		return r.S[j]
	}
	h := r.T[j+1] - r.T[j]
	if h == 0 {
		return r.S[j]
	}
	return r.S[j] + (r.S[j+1]-r.S[j])*(x-r.T[j])/h
}

// Depth returns the optical depth I(x) = ∫_{t₀}^x σ̂, which is 0 before t₀
// and I_f after tₘ₋₁.
func (r *Ray) Depth(x float64) float64 {
	m := len(r.T)
	switch {
	case x <= r.T[0]:
		return 0
	case x >= r.T[m-1]:
		return r.I[m-1]
	}
	j := r.bin(x)
	dx := x - r.T[j]
	if r.Interp == Constant {
		return r.I[j] + r.S[j]*dx
	}
	h := r.T[j+1] - r.T[j]
	return r.I[j] + r.S[j]*dx + 0.5*(r.S[j+1]-r.S[j])/h*dx*dx
}

// Transmittance returns T(x) = exp(−I(x)), the probability that light from x
// reaches t₀ unabsorbed.
func (r *Ray) Transmittance(x float64) float64 { return math.Exp(-r.Depth(x)) }

// Opacity returns F(x) = 1 − T(x), computed without cancellation.
func (r *Ray) Opacity(x float64) float64 { return -math.Expm1(-r.Depth(x)) }

// PDF returns p(x) = σ̂(x)·T(x), the density of the depth at which a ray is
// absorbed; it integrates to F(tₘ₋₁) ≤ 1 over the knots' span.
func (r *Ray) PDF(x float64) float64 { return r.Density(x) * r.Transmittance(x) }

// Sample returns the inverse-transform sample t = F⁻¹(u·F(tₘ₋₁)) of the
// absorption depth truncated to the knots' span, for u in [0, 1]: a uniform
// u gives a sample of density p(t)/F(tₘ₋₁).
//
// It panics if u is outside [0, 1].
func (r *Ray) Sample(u float64) float64 {
	m := len(r.T)
	y, _ := level(u, r.I[m-1], -math.Expm1(-r.I[m-1]), math.Exp(-r.I[m-1]))
	x, j, _ := invert(r.Interp, r.T, r.S, r.I, y)
	return r.T[j] + x
}

// depths fills dst with the optical depth at the knots: dst[0] = 0 and
// dst[j+1] = dst[j] + ∫ σ̂ over bin j.
func depths(dst []float64, p Interp, t, s []float64) {
	dst[0] = 0
	for j := 0; j+1 < len(t); j++ {
		dst[j+1] = dst[j] + binDepth(p, t, s, j)
	}
}

// binDepth returns ∫ σ̂ over bin j.
func binDepth(p Interp, t, s []float64, j int) float64 {
	if p == Constant {
		return s[j] * (t[j+1] - t[j])
	}
	return 0.5 * (s[j] + s[j+1]) * (t[j+1] - t[j])
}

// level returns the optical depth y that a uniform u maps to on a ray of
// total depth I_f, given f = F_f = 1 − exp(−I_f) and e = exp(−I_f):
//
//	y = −log(1 − u·F_f),
//
// so that F(t) = u·F_f at the sample, and dy/dI_f = u·exp(y − I_f). Both
// forms used are free of cancellation: −log1p(−u·F_f) with F_f = −expm1(−I_f)
// while u·F_f ≤ ½ (exact down to I_f → 0, where y → u·I_f), and
// −log(u·e^{−I_f} + (1 − u)), a log-sum-exp of two non-negative terms, above
// (where u > ½, so 1 − u is exact). y is clamped to I_f against rounding.
//
// It panics if u is outside [0, 1].
func level(u, depth, f, e float64) (y, dy float64) {
	if !(u >= 0 && u <= 1) {
		panic(argErr("uniform %v outside [0, 1]", u))
	}
	if u*f <= 0.5 {
		y = -math.Log1p(-u * f)
	} else {
		y = -math.Log(u*e + (1 - u))
	}
	y = min(y, depth)
	return y, u * math.Exp(y-depth)
}

// invert solves I(tⱼ + x) = y for the bin j and the offset x ∈ [0, tⱼ₊₁ − tⱼ],
// given the knot depths d, for 0 ≤ y ≤ I_f. It returns the density σ̂ at the
// solution too. The bin is the first whose right end reaches y (so bins of
// zero depth are skipped); for y = 0 it is bin 0 with x = 0.
//
// Within a linear bin, ½aⱼx² + sⱼx = r with r = y − Iⱼ is solved by the
// cancellation-free root x = 2r / (sⱼ + √(sⱼ² + 2aⱼr)), whose square root is
// also σ̂ at the solution.
func invert(p Interp, t, s, d []float64, y float64) (x float64, j int, sigma float64) {
	lo, hi := 0, len(t)-2 // first j in [lo, hi] with d[j+1] ≥ y
	for lo < hi {
		mid := (lo + hi) / 2
		if d[mid+1] >= y {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	j = lo
	r := y - d[j]
	if r <= 0 {
		return 0, j, s[j]
	}
	r = min(r, d[j+1]-d[j])
	h := t[j+1] - t[j]
	if p == Constant {
		return min(r/s[j], h), j, s[j]
	}
	a := (s[j+1] - s[j]) / h
	sigma = math.Sqrt(max(0, s[j]*s[j]+2*a*r))
	return min(2*r/(s[j]+sigma), h), j, sigma
}

// checkKnots panics unless t is non-decreasing.
func checkKnots(t []float64) {
	for j := 1; j < len(t); j++ {
		if !(t[j] >= t[j-1]) {
			panic(argErr("knots decrease at %d: %v after %v", j, t[j], t[j-1]))
		}
	}
}
