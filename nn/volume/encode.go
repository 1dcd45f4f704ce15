package volume

import (
	"math"

	"github.com/gogfn/gogfn/autograd"
)

// Points returns the points at depths z along a batch of rays [B·k×D]:
//
//	out[b·k+i] = o[b] + z[b,i]·d[b],
//
// ray by ray, the layout a network evaluated at the points expects. z [B×k]
// holds the depths (samples from Sample carry their gradient on to the
// densities), o and d [B×D] the origins and directions. Gradients flow to
// every operand that has one.
//
// It panics if o and d are not [B×D].
func Points(tp *autograd.Tape, z, o, d *autograd.Node) *autograd.Node {
	b, k := z.Dims()
	or, dim := o.Dims()
	if dr, dc := d.Dims(); or != b || dr != b || dc != dim {
		panic(shapeErr("Points with depths %d×%d, origins %d×%d and directions %d×%d", b, k, or, dim, dr, dc))
	}
	out := tp.Custom(b*k, dim, pointsBack, z, o, d)
	zv, ov, dv, pv := raw(z), raw(o), raw(d), raw(out)
	for r := 0; r < b; r++ {
		for i := r * k; i < r*k+k; i++ {
			for ch := 0; ch < dim; ch++ {
				pv[i*dim+ch] = ov[r*dim+ch] + zv[i]*dv[r*dim+ch]
			}
		}
	}
	return out
}

func pointsBack(out *autograd.Node, in []*autograd.Node) {
	z, o, d := in[0], in[1], in[2]
	b, k := z.Dims()
	_, dim := o.Dims()
	zv, dv, g := raw(z), raw(d), grad(out)
	zg, og, dg := grad(z), grad(o), grad(d)
	for r := 0; r < b; r++ {
		for i := r * k; i < r*k+k; i++ {
			for ch := 0; ch < dim; ch++ {
				gc := g[i*dim+ch]
				if zg != nil {
					zg[i] += gc * dv[r*dim+ch]
				}
				if og != nil {
					og[r*dim+ch] += gc
				}
				if dg != nil {
					dg[r*dim+ch] += gc * zv[i]
				}
			}
		}
	}
}

// PosEnc returns NeRF's positional encoding of the rows of x [n×D] with L
// frequencies, [n×D(2L+1)]: each row is
//
//	x, sin(πx), cos(πx), sin(2πx), cos(2πx), …, sin(2^{L−1}πx), cos(2^{L−1}πx),
//
// each block D wide. The factor π suits coordinates in [−1, 1] (NeRF's code
// has none, for scenes of a few units). The gradient flows to x.
//
// It panics if L is negative.
func PosEnc(tp *autograd.Tape, x *autograd.Node, L int) *autograd.Node {
	if L < 0 {
		panic(argErr("PosEnc with %d frequencies", L))
	}
	n, dim := x.Dims()
	w := dim * (2*L + 1)
	out := tp.Custom(n, w, posEncBack, x)
	out.Ints(1)[0] = L
	xv, ov := raw(x), raw(out)
	for r := 0; r < n; r++ {
		row := ov[r*w : r*w+w]
		copy(row, xv[r*dim:r*dim+dim])
		for l := 0; l < L; l++ {
			f := math.Ldexp(math.Pi, l)
			for ch, v := range xv[r*dim : r*dim+dim] {
				s, c := math.Sincos(f * v)
				row[(2*l+1)*dim+ch] = s
				row[(2*l+2)*dim+ch] = c
			}
		}
	}
	return out
}

// posEncBack: d sin(fx)/dx = f·cos(fx) and d cos(fx)/dx = −f·sin(fx), read
// back from the output.
func posEncBack(out *autograd.Node, in []*autograd.Node) {
	x := in[0]
	xg := grad(x)
	if xg == nil {
		return
	}
	n, dim := x.Dims()
	L := out.Ints(1)[0]
	w := dim * (2*L + 1)
	ov, g := raw(out), grad(out)
	for r := 0; r < n; r++ {
		row, gr := ov[r*w:r*w+w], g[r*w:r*w+w]
		for ch := 0; ch < dim; ch++ {
			acc := gr[ch]
			for l := 0; l < L; l++ {
				f := math.Ldexp(math.Pi, l)
				si, ci := (2*l+1)*dim+ch, (2*l+2)*dim+ch
				acc += f * (gr[si]*row[ci] - gr[ci]*row[si])
			}
			xg[r*dim+ch] += acc
		}
	}
}
