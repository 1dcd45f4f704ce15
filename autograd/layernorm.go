package autograd

import (
	"math"
	"math/rand/v2"
)

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
	return t.AddNorm(x, nil, gain, bias, eps, 0, nil)
}

// AddNorm returns LayerNorm(x + Dropout(y, p), gain, bias, eps): the "add &
// norm" step that closes each sub-layer of a post-norm Transformer layer,
// where x is the sub-layer's input and y its output (Vaswani et al. 2017,
// §5.4). It gives the same numbers as the three operations it fuses, with one
// node instead of three, so a recorded step holds less memory. y may be nil
// (plain LayerNorm); with p = 0 there is no dropout and rng may be nil (see
// Dropout for p > 0).
//
// It panics with ErrShape if y is not nil and not x's shape, or gain or bias
// is not [1×n]; with ErrArg if eps is negative or NaN, p is outside [0, 1] or
// rng is nil while p > 0.
func (t *Tape) AddNorm(x, y, gain, bias *Node, eps, p float64, rng *rand.Rand) *Node {
	m, n := x.Dims()
	if y != nil {
		t.check(y)
		if r, c := y.Dims(); r != m || c != n {
			panic(shapeErr("AddNorm of %d×%d and %d×%d", m, n, r, c))
		}
	}
	t.check(x, gain, bias)
	if r, c := gain.Dims(); r != 1 || c != n {
		panic(shapeErr("LayerNorm gain %d×%d for rows of width %d", r, c, n))
	}
	if r, c := bias.Dims(); r != 1 || c != n {
		panic(shapeErr("LayerNorm bias %d×%d for rows of width %d", r, c, n))
	}
	if !(eps >= 0) {
		panic(argErr("LayerNorm eps %v", eps))
	}
	if !(p >= 0 && p <= 1) || (p > 0 && (rng == nil || y == nil)) {
		panic(argErr("AddNorm dropout %v with rng %v", p, rng != nil))
	}
	out := t.node(m, n, gradOf(x, y, gain, bias), nil)
	out.args = append(out.args[:0], x, gain, bias, y)
	// stats holds μ and 1/√(σ²+eps) of each row, then one row of scratch.
	stats := out.Floats(2*m + n)
	z := stats[2*m:]
	var keep []bool
	out.s0 = 1 // the scale of the kept elements of y
	if p > 0 {
		keep = boolsOf(&out.bools, m*n)
		dropMask(keep, p, rng.Uint64())
		out.s0 = dropScaleOf(p)
	}
	out.s1 = float64(boolInt(p > 0))
	xv, ov := data(x.Value), data(out.Value)
	gv, bv := data(gain.Value)[:n], data(bias.Value)[:n]
	for i := 0; i < m; i++ {
		row := sumRow(z, out, xv, y, keep, i, n)
		o := ov[i*n : i*n+n]
		mu, rstd := meanRstd(row, eps)
		stats[2*i], stats[2*i+1] = mu, rstd
		for j, v := range row {
			o[j] = (v-mu)*rstd*gv[j] + bv[j]
		}
	}
	out.back = addNormBack
	return out
}

// sumRow returns row i of the normalised input of an AddNorm node out: the
// row of x itself when there is no y, else x + Dropout(y) computed into z.
func sumRow(z []float64, out *Node, xv []float64, y *Node, keep []bool, i, n int) []float64 {
	row := xv[i*n : i*n+n]
	if y == nil {
		return row
	}
	z = z[:n]
	yv := data(y.Value)[i*n : i*n+n]
	if keep == nil {
		addTo(z, row, yv)
		return z
	}
	k := keep[i*n : i*n+n]
	f := [2]float64{0, out.s0}
	for j, v := range row {
		z[j] = v + yv[j]*f[b2u(k[j])]
	}
	return z
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

// addNormBack: with z = x + Dropout(y), x̂ = (z − μ)·r and d = ∂out ⊙ gain,
//
//	∂bias += Σᵢ ∂out[i,:],  ∂gain += Σᵢ ∂out[i,:] ⊙ x̂[i,:],
//	∂z[i,:] = r·(d − mean(d) − x̂·mean(d ⊙ x̂)),
//
// and ∂x += ∂z, ∂y += ∂z ⊙ keep/(1−p). z is recomputed as in the forward
// pass, so x̂ is the same to the bit.
func addNormBack(out *Node) {
	x, gain, bias, y := out.args[0], out.args[1], out.args[2], out.args[3]
	m, n := out.Dims()
	stats := out.auxData
	z := stats[2*m : 2*m+n]
	var keep []bool
	if out.s1 != 0 {
		keep = out.bools
	}
	xv, g := data(x.Value), data(out.Grad)
	gv := data(gain.Value)[:n]
	var xg, yg, gg, bg []float64
	if x.Grad != nil {
		xg = data(x.Grad)
	}
	if y != nil && y.Grad != nil {
		yg = data(y.Grad)
	}
	if gain.Grad != nil {
		gg = data(gain.Grad)[:n]
	}
	if bias.Grad != nil {
		bg = data(bias.Grad)[:n]
	}
	for i := 0; i < m; i++ {
		mu, r := stats[2*i], stats[2*i+1]
		row, gr := sumRow(z, out, xv, y, keep, i, n), g[i*n:i*n+n]
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
		if xg == nil && yg == nil {
			continue
		}
		sd /= float64(n)
		sdx /= float64(n)
		dz := z[:n]
		for j, v := range gr {
			xh := (row[j] - mu) * r
			dz[j] = r * (v*gv[j] - sd - xh*sdx)
		}
		if xg != nil {
			accumulate(xg[i*n:i*n+n], dz, 1)
		}
		switch {
		case yg == nil:
		case keep == nil:
			accumulate(yg[i*n:i*n+n], dz, 1)
		default:
			dropAcc(yg[i*n:i*n+n], dz, keep[i*n:i*n+n], out.s0)
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
