// Command rvs runs the experiments of reparameterized volume sampling
// (Morozov, Rakitin, Desheulin, Vetrov and Struminsky, "Differentiable
// Rendering with Reparameterized Volume Sampling", AISTATS 2024,
// arXiv 2302.10970) on the toolkit's nn/volume package.
//
// Usage:
//
//	rvs study [flags]   the 1-D study of the paper's Fig. 2
//	rvs recon [flags]   a 2-D scene reconstructed from rendered pixels
//
// # rvs study
//
// One ray on t ∈ [0, 1] with 256 knots crosses one of three densities,
// σ = softplus(64·v) with v = −1 outside the objects: "Foggy" (v = 0.1 on
// cells 32–233), "Glass and Wall" (two slabs of v = 0.2, two cells each, in
// front of a wall of v = 4, four cells) and "Wall" (a wall alone), with a
// random radiance c(t) = Σⱼ αⱼ cos(wⱼt + bⱼ) of four features. Four estimators
// of the colour C = ∫ c dF are compared by their standard deviation over
// -repeats draws, for k = 1 … -kmax samples: uniform depths t with weights
// (t_f − t_n)·p(t), the same stratified, and depths drawn by inverse
// transform sampling of the density itself (y_f·c(F⁻¹(u·y_f))), plain and
// stratified. It writes study.png (the figure), study.md (the spread at a
// few k and the ratios) and study.csv (every number), and with -seeds N > 1
// also study_seeds.md: in how many of N random radiances each ordering of the
// figure holds. The density approximation defaults to piecewise constant, as
// in the paper's notebook.
//
// # rvs recon
//
// A 2-D scene of four discs of constant density and colour in the unit disc
// (an opaque one, a dense one, a thin fog and a small solid one) on a white
// background is seen by -views pinhole cameras on the circle of radius 2,
// each image a row of -width pixels rendered exactly; -test-views cameras
// halfway between them give the held-out views. A density network and a
// radiance network, each an MLP with two hidden layers of -hidden ReLU units
// on the positional encoding of the 2-D point (-freqs frequencies), are
// trained from the pixels with Adam (-lr, decayed ×0.1 over -steps steps of
// -batch rays) by one of these methods:
//
//	quadN       NeRF's quadrature at N stratified points per ray, density and
//	            radiance evaluated at all of them: method (a)
//	mcK         the Monte Carlo estimator: density at -knots stratified knots,
//	            piecewise linear, K stratified reparameterized samples, the
//	            radiance at the samples only: method (b)
//	hier-rvs    a density-only proposal at -knots knots, -fine samples drawn
//	            from it by RVS, the fine field at the samples only, quadrature,
//	            and the fine image loss alone; the proposal learns at
//	            -proposal-lr times the rate (the paper: 0.1): method (c)
//	hier-frozen hier-rvs with the proposal left at its initial weights, a
//	            control for what training the proposal buys
//	hier-base   NeRF's hierarchical sampling: a coarse field with colour at
//	            -knots knots and its own image loss, -fine importance samples
//	            of its quadrature weights without gradient, the fine field at
//	            those samples only (as the paper's code runs both)
//
// Every method is trained from -seeds seeds, -jobs at a time, and evaluated
// -evals times on the held-out views with its own renderer, deterministic
// (the midpoints of the strata). It writes recon.md (the table: held-out PSNR,
// also of the field rendered by a 256-point quadrature where that is
// meaningful, the fraction of radiance samples that fall inside a disc,
// training time), runs.jsonl (every run and its curve), psnr.png (PSNR
// against radiance evaluations per ray and against training time),
// density.png (the learned density fields of seed 1) and views.png (the
// held-out views of seed 1). Progress goes to the terminal.
package main
