package autograd

import "math"

// LayerNorm normalises each row of x to zero mean and unit variance and then
// scales and shifts it, as PyTorch's nn.LayerNorm over the last dimension:
//
//	μ = mean(x[i,:]),  σ² = mean((x[i,:] − μ)²)   (the biased variance)
//	out[i,j] = (x[i,j] − μ)/√(σ² + eps) · gain[j] + bias[j]
//
// x is [m×n], gain and bias are [1×n] rows and the output is [m×n]. PyTorch's
// default eps is 1e-5.
//
// It panics with ErrShape if gain or bias is not [1×n], and with ErrArg if eps
// is negative or NaN.
func (t *Tape) LayerNorm(x, gain, bias *Node, eps float64) *Node {
	t.check(x, gain, bias)
	m, n := x.Dims()
	if r, c := gain.Dims(); r != 1 || c != n {
		panic(shapeErr("LayerNorm gain %d×%d for rows of width %d", r, c, n))
	}
	if r, c := bias.Dims(); r != 1 || c != n {
		panic(shapeErr("LayerNorm bias %d×%d for rows of width %d", r, c, n))
	}
	if !(eps >= 0) {
		panic(argErr("LayerNorm eps %v", eps))
	}
	out := t.node(m, n, gradOf(x, gain, bias), nil)
	out.args = append(out.args[:0], x, gain, bias)
	// stats holds μ and 1/√(σ²+eps) of each row, for the backward pass.
	stats := out.Floats(2 * m)
	xv, ov := data(x.Value), data(out.Value)
	gv, bv := data(gain.Value)[:n], data(bias.Value)[:n]
	for i := 0; i < m; i++ {
		row, o := xv[i*n:i*n+n], ov[i*n:i*n+n]
		mu, rstd := meanRstd(row, eps)
		stats[2*i], stats[2*i+1] = mu, rstd
		for j, v := range row {
			o[j] = (v-mu)*rstd*gv[j] + bv[j]
		}
	}
	out.back = layerNormBack
	return out
}

// meanRstd returns the mean of row and 1/√(σ²+eps), σ² its biased variance,
// computed in two passes.
func meanRstd(row []float64, eps float64) (mu, rstd float64) {
	var s float64
	for _, v := range row {
		s += v
	}
	mu = s / float64(len(row))
	var ss float64
	for _, v := range row {
		d := v - mu
		ss += d * d
	}
	return mu, 1 / math.Sqrt(ss/float64(len(row))+eps)
}

// layerNormBack: with x̂ = (x − μ)·r and d = ∂out ⊙ gain,
//
//	∂bias += Σᵢ ∂out[i,:],  ∂gain += Σᵢ ∂out[i,:] ⊙ x̂[i,:],
//	∂x[i,:] += r·(d − mean(d) − x̂·mean(d ⊙ x̂)).
func layerNormBack(out *Node) {
	x, gain, bias := out.args[0], out.args[1], out.args[2]
	m, n := out.Dims()
	stats := out.auxData
	xv, g := data(x.Value), data(out.Grad)
	gv := data(gain.Value)[:n]
	var xg, gg, bg []float64
	if x.Grad != nil {
		xg = data(x.Grad)
	}
	if gain.Grad != nil {
		gg = data(gain.Grad)[:n]
	}
	if bias.Grad != nil {
		bg = data(bias.Grad)[:n]
	}
	for i := 0; i < m; i++ {
		mu, r := stats[2*i], stats[2*i+1]
		row, gr := xv[i*n:i*n+n], g[i*n:i*n+n]
		var sd, sdx float64
		for j, v := range gr {
			xh := (row[j] - mu) * r
			if bg != nil {
				bg[j] += v
			}
			if gg != nil {
				gg[j] += v * xh
			}
			d := v * gv[j]
			sd += d
			sdx += d * xh
		}
		if xg == nil {
			continue
		}
		sd /= float64(n)
		sdx /= float64(n)
		dst := xg[i*n : i*n+n]
		for j, v := range gr {
			xh := (row[j] - mu) * r
			dst[j] += r * (v*gv[j] - sd - xh*sdx)
		}
	}
}

// gradOf returns an operand whose gradient flows, or nil: the operand to give
// Tape.node so that an n-ary operation's output gets a gradient exactly when
// one of its operands has one.
func gradOf(xs ...*Node) *Node {
	for _, x := range xs {
		if x != nil && x.Grad != nil {
			return x
		}
	}
	return nil
}
