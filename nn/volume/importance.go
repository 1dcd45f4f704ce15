package volume

// SampleHistogram fills dst with inverse-transform samples of the density
// that is constant on each bin [e[j], e[j+1]] with mass proportional to
// w[j], one sample for each uniform u[i] in [0, 1]: the importance sampler of
// NeRF's hierarchical scheme (sample_pdf in the official code, which adds
// 10⁻⁵ to each weight; add it to w yourself to match). Its samples are a
// step function of the weights and carry no gradient; compare Sample, whose
// samples do.
//
// It panics if len(e) ≠ len(w) + 1, len(dst) ≠ len(u), the edges decrease,
// a weight is negative or they sum to 0.
func SampleHistogram(dst, e, w, u []float64) {
	n := len(w)
	if len(e) != n+1 || len(dst) != len(u) || n == 0 {
		panic(shapeErr("SampleHistogram with %d edges, %d weights, %d uniforms into %d", len(e), n, len(u), len(dst)))
	}
	checkKnots(e)
	var total float64
	for _, v := range w {
		if !(v >= 0) {
			panic(argErr("SampleHistogram with weight %v", v))
		}
		total += v
	}
	if !(total > 0) {
		panic(argErr("SampleHistogram with weights that sum to %v", total))
	}
	for i, ui := range u {
		if !(ui >= 0 && ui <= 1) {
			panic(argErr("uniform %v outside [0, 1]", ui))
		}
		target := ui * total
		var acc float64
		j := 0
		for ; j < n-1 && (acc+w[j] < target || w[j] == 0); j++ {
			acc += w[j]
		}
		frac := 0.0
		if w[j] > 0 {
			frac = min(1, max(0, (target-acc)/w[j]))
		}
		dst[i] = e[j] + frac*(e[j+1]-e[j])
	}
}
