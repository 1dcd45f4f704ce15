// Package volume renders densities along rays on the autograd tape, with
// reparameterized volume sampling: inverse-transform samples of the depth at
// which a ray is absorbed, differentiable in the density that placed them
// (Morozov, Rakitin, Desheulin, Vetrov and Struminsky, "Differentiable
// Rendering with Reparameterized Volume Sampling", AISTATS 2024,
// arXiv 2302.10970).
//
// It lives under nn because its operations are layers on the tape like nn's:
// fused operations (autograd.Tape.Custom) whose inputs are network outputs and
// whose gradients flow back into the networks. It needs nothing from gfn.
//
// # Setting
//
// A ray r(t) = o + t·d crosses a medium of density σ(t) ≥ 0 that emits
// radiance c(t). With the optical depth I(t) = ∫_{t₀}^t σ, the transmittance
// T(t) = exp(−I(t)) and the opacity F(t) = 1 − T(t), the colour seen along the
// ray over [t₀, t_f] is
//
//	C = ∫ c(t)·σ(t)·T(t) dt + (1 − y_f)·c_bg = ∫ c dF + (1 − y_f)·c_bg,
//
// where y_f = F(t_f) ≤ 1 is the ray's total opacity: p(t) = σ(t)T(t) is the
// density of the depth at which light is absorbed, with mass y_f.
//
// # Density approximation
//
// A network gives the density at knots t₀ ≤ t₁ ≤ … ≤ tₘ₋₁ of each ray
// (Linear interpolates between them, as the paper's code does; Constant holds
// each bin's left value). The optical depth at the knots is then exact, a sum
// of trapezoids (or rectangles): Iⱼ₊₁ = Iⱼ + ½(sⱼ + sⱼ₊₁)(tⱼ₊₁ − tⱼ), and
// so are F, T (Depth, Opacity, Transmittance) and the inverse of F.
//
// # Reparameterized samples
//
// Sample maps uniforms u to depths t = F⁻¹(u·y_f), samples of p(t)/y_f
// truncated to the knots' span. It inverts the optical depth, not F, which is
// what keeps it stable: the target depth is
//
//	y = −log(1 − u·y_f),
//
// computed as −log1p(−u·y_f) with y_f = −expm1(−I_f) while u·y_f ≤ ½ (so a
// nearly transparent ray, I_f → 0, gets y → u·I_f to full precision), and as
// the log-sum-exp −log(u·e^{−I_f} + (1 − u)) above (so an opaque ray with u
// near 1 neither overflows nor cancels). The paper's code uses the
// log-sum-exp form throughout, with the branch y = u·I_f for I_f < 10⁻⁶; the
// two forms here are accurate for every I_f and need no threshold. A binary
// search finds the bin with Iⱼ < y ≤ Iⱼ₊₁ (bins of zero density or zero width
// are never chosen), and within a linear bin the quadratic
// ½aⱼx² + sⱼx = y − Iⱼ is solved by the root without cancellation,
//
//	x = 2(y − Iⱼ) / (sⱼ + √(sⱼ² + 2aⱼ(y − Iⱼ))),
//
// whose square root is the density at the sample. The bin index is piecewise
// constant, so the sample is differentiable in the densities and the knots;
// the gradient comes from differentiating I(t) = y implicitly,
// dt/dθ = (∂y/∂θ − ∂I(t)/∂θ)/σ̂(t), and costs O(k + m) per ray.
//
// # Rendering
//
// Estimate is the paper's Monte Carlo estimator,
//
//	Ĉ = y_f·(1/k)·Σᵢ c(tᵢ) + (1 − y_f)·c_bg,
//
// unbiased for the colour that the approximated density renders, with the
// radiance evaluated only at the k samples (stratified u, u_i in
// [i/k, (i+1)/k), lower its variance; see Stratified). Quadrature is NeRF's
// rendering rule, the baseline: alpha compositing of the radiance at every
// sample, differentiable in the sample positions too, so that it can render
// the points Sample draws from a proposal density (the paper's end-to-end
// hierarchical sampling). SampleHistogram is the importance sampler of NeRF's
// hierarchical scheme, whose samples carry no gradient. Points and PosEnc
// turn depths into the positionally encoded points that networks take.
//
// # Shapes and allocation
//
// Rays are rows. Knots are [B×m]; values at the knots may also come as a
// network's [B·m×1] output, since only their row-major order matters; values
// at k points per ray are [B·k×D], ray by ray. The operations keep their
// scratch in the tape's nodes, so a training step allocates nothing once the
// tape's arena has grown. Mistakes in shapes or arguments panic with
// autograd.ErrShape or autograd.ErrArg, wrapped.
package volume
