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
	// stats holds μ and 1/√(σ²+eps) of each row.
	stats := out.Floats(2 * m)
	var keep []bool
	out.s0 = 1 // the scale of the kept elements of y
	if p > 0 {
		keep = boolsOf(&out.bools, m*n)
		dropMask(keep, p, rng.Uint64())
		out.s0 = dropScaleOf(p)
	}
	out.s1 = float64(boolInt(p > 0))
	ov := data(out.Value)
	z := addNormInput(ov, out, keep) // x + Dropout(y), or x
	gv, bv := data(gain.Value)[:n], data(bias.Value)[:n]
	for i := 0; i < m; i++ {
		row, o := z[i*n:i*n+n], ov[i*n:i*n+n]
		mu, rstd := meanRstd(row, eps)
		stats[2*i], stats[2*i+1] = mu, rstd
		for j, v := range row {
			o[j] = (v-mu)*rstd*gv[j] + bv[j]
		}
	}
	out.back = addNormBack
	return out
}

// addNormInput returns the input of the normalisation of the AddNorm node
// out: x itself when there is no y, else x + Dropout(y) computed into z
// (which may be the node's value: each row is read before it is written).
func addNormInput(z []float64, out *Node, keep []bool) []float64 {
	xv, y := data(out.args[0].Value), out.args[3]
	if y == nil {
		return xv
	}
	z = z[:len(xv)]
	if keep == nil {
		addTo(z, xv, data(y.Value))
		return z
	}
	drop.scale(z, data(y.Value), keep, out.s0)
	addTo(z, xv, z)
	return z
}

// meanRstd returns the mean of row and 1/√(σ²+eps), σ² its biased variance,
// computed in two passes of sum8.
func meanRstd(row []float64, eps float64) (mu, rstd float64) {
	mu = sum8(row, 0, false) / float64(len(row))
	return mu, 1 / math.Sqrt(sum8(row, mu, true)/float64(len(row))+eps)
}

// sum8 returns Σ x[j], or Σ (x[j] − mu)² if sq is set, summed
// in eight lanes (element j in lane j mod 8) that are then added pairwise,
// as a vector register would: eight independent chains of additions, where
// one running sum would wait on each addition in turn.
func sum8(x []float64, mu float64, sq bool) float64 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	j := 0
	if !sq {
		for ; j+8 <= len(x); j += 8 {
			v := x[j : j+8 : j+8]
			s0, s1, s2, s3 = s0+v[0], s1+v[1], s2+v[2], s3+v[3]
			s4, s5, s6, s7 = s4+v[4], s5+v[5], s6+v[6], s7+v[7]
		}
	} else {
		for ; j+8 <= len(x); j += 8 {
			v := x[j : j+8 : j+8]
			d0, d1, d2, d3 := v[0]-mu, v[1]-mu, v[2]-mu, v[3]-mu
			d4, d5, d6, d7 := v[4]-mu, v[5]-mu, v[6]-mu, v[7]-mu
			s0, s1, s2, s3 = s0+d0*d0, s1+d1*d1, s2+d2*d2, s3+d3*d3
			s4, s5, s6, s7 = s4+d4*d4, s5+d5*d5, s6+d6*d6, s7+d7*d7
		}
	}
	var tail [8]float64
	for k := 0; j < len(x); j, k = j+1, k+1 {
		if d := x[j] - mu; sq {
			tail[k] = d * d
		} else {
			tail[k] = x[j]
		}
	}
	s0, s1, s2, s3 = s0+tail[0], s1+tail[1], s2+tail[2], s3+tail[3]
	s4, s5, s6, s7 = s4+tail[4], s5+tail[5], s6+tail[6], s7+tail[7]
	return ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7))
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
	var keep []bool
	if out.s1 != 0 {
		keep = out.bools
	}
	sc := getScratch(2 * m * n)
	defer putScratch(sc)
	z := addNormInput(sc.data[:m*n], out, keep)
	dz := sc.data[m*n:]
	g := data(out.Grad)
	gv := data(gain.Value)[:n]
	xg, yg, gg, bg := gradData(x), gradData(y), gradData(gain), gradData(bias)
	for i := 0; i < m; i++ {
		mu, r := stats[2*i], stats[2*i+1]
		row, gr, d := z[i*n:i*n+n], g[i*n:i*n+n], dz[i*n:i*n+n]
		var sd, sdx float64
		for j, v := range gr {
			xh := (row[j] - mu) * r
			if bg != nil {
				bg[j] += v
			}
			if gg != nil {
				gg[j] += v * xh
			}
			dv := v * gv[j]
			sd += dv
			sdx += dv * xh
		}
		sd /= float64(n)
		sdx /= float64(n)
		for j, v := range gr {
			xh := (row[j] - mu) * r
			d[j] = r * (v*gv[j] - sd - xh*sdx)
		}
	}
	if xg != nil {
		accumulate(xg, dz, 1)
	}
	switch {
	case yg == nil:
	case keep == nil:
		accumulate(yg, dz, 1)
	default:
		drop.acc(yg, dz, keep, out.s0)
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
