package autograd

// Element-wise binary operations. The second operand b is broadcast to the shape
// of a: it may have a's shape, one row [1×n] (a bias added to every row), one
// column [m×1] (a per-row value), or be 1×1 (a scalar). The gradient of a
// broadcast operand is summed over the broadcast dimension.
//
// The loops walk a's elements in blocks (see layout): one flat block when b has
// a's shape or is a scalar, one block per row otherwise. Within a block b's part
// is either as long as the block or a single value, so the inner loops are plain
// loops with no index arithmetic. Every element is computed, and every gradient
// summed, in the same order as the element-by-element definition, so the results
// are bit-identical to it.
// Add returns a + b, with b broadcast to a's shape.
// It panics if b cannot be broadcast to a's shape.
func (t *Tape) Add(a, b *Node) *Node {
	out, l := t.binary(a, b)
	av, bv, ov := data(a.Value), data(b.Value), data(out.Value)
	for k := range l.n {
		x, y, o := l.full(av, k), l.part(bv, k), l.full(ov, k)
		if len(y) == 1 {
			for i, v := range x {
				o[i] = v + y[0]
			}
			continue
		}
		addTo(o, x, y)
	}
	out.back = addBack
	return out
}

func addBack(out *Node) {
	a, b, g := out.a, out.b, data(out.Grad)
	if a.Grad != nil {
		accumulate(data(a.Grad), g, 1)
	}
	if b.Grad != nil {
		reduce(data(b.Grad), g, blocksOf(a, b), 1)
	}
}

// Sub returns a − b, with b broadcast to a's shape.
// It panics if b cannot be broadcast to a's shape.
func (t *Tape) Sub(a, b *Node) *Node {
	out, l := t.binary(a, b)
	av, bv, ov := data(a.Value), data(b.Value), data(out.Value)
	for k := range l.n {
		x, y, o := l.full(av, k), l.part(bv, k), l.full(ov, k)
		if len(y) == 1 {
			for i, v := range x {
				o[i] = v - y[0]
			}
			continue
		}
		y = y[:len(x)]
		for i, v := range x {
			o[i] = v - y[i]
		}
	}
	out.back = subBack
	return out
}

func subBack(out *Node) {
	a, b, g := out.a, out.b, data(out.Grad)
	if a.Grad != nil {
		accumulate(data(a.Grad), g, 1)
	}
	if b.Grad != nil {
		reduce(data(b.Grad), g, blocksOf(a, b), -1)
	}
}

// Mul returns the element-wise product a ⊙ b, with b broadcast to a's shape.
// It panics if b cannot be broadcast to a's shape.
func (t *Tape) Mul(a, b *Node) *Node {
	out, l := t.binary(a, b)
	av, bv, ov := data(a.Value), data(b.Value), data(out.Value)
	for k := range l.n {
		x, y, o := l.full(av, k), l.part(bv, k), l.full(ov, k)
		if len(y) == 1 {
			for i, v := range x {
				o[i] = v * y[0]
			}
			continue
		}
		y = y[:len(x)]
		for i, v := range x {
			o[i] = v * y[i]
		}
	}
	out.back = mulBack
	return out
}

// mulBack: ∂a += ∂out ⊙ b and ∂b += ∂out ⊙ a, summed over the broadcast.
func mulBack(out *Node) {
	a, b, l := out.a, out.b, blocksOf(out.a, out.b)
	g, av, bv := data(out.Grad), data(a.Value), data(b.Value)
	for k := range l.n {
		gk, ak, bk := l.full(g, k), l.full(av, k), l.part(bv, k)
		if a.Grad != nil {
			ag := l.full(data(a.Grad), k)
			if len(bk) == 1 {
				for i, v := range gk {
					ag[i] += v * bk[0]
				}
			} else {
				bk = bk[:len(gk)]
				for i, v := range gk {
					ag[i] += v * bk[i]
				}
			}
		}
		if b.Grad != nil {
			bg := l.part(data(b.Grad), k)
			if len(bg) == 1 {
				s := bg[0]
				for i, v := range gk {
					s += v * ak[i]
				}
				bg[0] = s
			} else {
				bg = bg[:len(gk)]
				for i, v := range gk {
					bg[i] += v * ak[i]
				}
			}
		}
	}
}

// Div returns the element-wise quotient a ⊘ b, with b broadcast to a's shape.
// It panics if b cannot be broadcast to a's shape.
func (t *Tape) Div(a, b *Node) *Node {
	out, l := t.binary(a, b)
	av, bv, ov := data(a.Value), data(b.Value), data(out.Value)
	for k := range l.n {
		x, y, o := l.full(av, k), l.part(bv, k), l.full(ov, k)
		if len(y) == 1 {
			for i, v := range x {
				o[i] = v / y[0]
			}
			continue
		}
		y = y[:len(x)]
		for i, v := range x {
			o[i] = v / y[i]
		}
	}
	out.back = divBack
	return out
}

// divBack: ∂a += ∂out ⊘ b and ∂b −= ∂out ⊙ (a ⊘ b) ⊘ b, summed over the broadcast.
func divBack(out *Node) {
	a, b, l := out.a, out.b, blocksOf(out.a, out.b)
	g, ov, bv := data(out.Grad), data(out.Value), data(b.Value)
	for k := range l.n {
		gk, ok, bk := l.full(g, k), l.full(ov, k), l.part(bv, k)
		if a.Grad != nil {
			ag := l.full(data(a.Grad), k)
			if len(bk) == 1 {
				for i, v := range gk {
					ag[i] += v / bk[0]
				}
			} else {
				bk := bk[:len(gk)]
				for i, v := range gk {
					ag[i] += v / bk[i]
				}
			}
		}
		if b.Grad != nil {
			bg := l.part(data(b.Grad), k)
			if len(bg) == 1 {
				s, d := bg[0], bk[0]
				for i, v := range gk {
					s -= v * ok[i] / d
				}
				bg[0] = s
			} else {
				bg, bk := bg[:len(gk)], bk[:len(gk)]
				for i, v := range gk {
					bg[i] -= v * ok[i] / bk[i]
				}
			}
		}
	}
}

// Scale returns s·x.
func (t *Tape) Scale(s float64, x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = s * v
	}
	out.s0 = s
	out.back = scaleBack
	return out
}

func scaleBack(out *Node) {
	g := data(out.Grad)
	xg, s := data(out.a.Grad)[:len(g)], out.s0
	for i, v := range g {
		xg[i] += s * v
	}
}

// Neg returns −x.
func (t *Tape) Neg(x *Node) *Node { return t.Scale(-1, x) }

// AddScalar returns x + s.
func (t *Tape) AddScalar(x *Node, s float64) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = v + s
	}
	out.back = passBack
	return out
}

// passBack sends the gradient through unchanged (∂out/∂x = 1).
func passBack(out *Node) { accumulate(data(out.a.Grad), data(out.Grad), 1) }

// accumulate adds s·g to dst element by element. s is ±1, so s·g is exact and
// dst − g equals dst + (−1)·g.
func accumulate(dst, g []float64, s float64) {
	dst = dst[:len(g)]
	if s == 1 {
		addTo(dst, dst, g)
		return
	}
	for i, v := range g {
		dst[i] += s * v
	}
}

// addTo sets dst[i] = x[i] + y[i], with the vector kernel unless the slices
// are too short to pay for the call. dst may be x or y itself.
// It panics if dst or y is shorter than x.
func addTo(dst, x, y []float64) {
	if len(x) < minVecLen {
		addGo(dst, x, y)
		return
	}
	elt.add(dst, x, y)
}

// minVecLen is the shortest slice addTo hands to the vector kernel. Below
// it, the call costs more than the loop: on AVX-512 the two break even at
// about 8 elements (4 ns), and at 16 the kernel takes 4 ns to the loop's 6.
const minVecLen = 8

// addGo is the portable addition kernel: dst[i] = x[i] + y[i], with x as the
// first operand (when both are NaN, the result carries x's payload).
// It panics if dst or y is shorter than x.
func addGo(dst, x, y []float64) {
	dst, y = dst[:len(x)], y[:len(x)]
	for i, v := range x {
		dst[i] = v + y[i]
	}
}

// reduce adds s·g, summed over the broadcast that l describes, into dst, the
// gradient of the broadcast operand; s is ±1. A [1×n] bias takes one tight
// accumulate per row; a repeated single value is summed in a register.
func reduce(dst, g []float64, l layout, s float64) {
	for k := range l.n {
		gk, dk := l.full(g, k), l.part(dst, k)
		if len(dk) > 1 {
			accumulate(dk, gk, s)
			continue
		}
		acc := dk[0]
		for _, v := range gk {
			acc += s * v
		}
		dk[0] = acc
	}
}

// layout describes the broadcast of b to a's shape: a's flat data is n blocks
// of size elements, and block k pairs with b's elements [k·step, k·step+bsize),
// where bsize is either size or 1 (one value repeated over the block).
type layout struct{ n, size, step, bsize int }

func blocksOf(a, b *Node) layout {
	ar, ac := a.Dims()
	br, bc := b.Dims()
	switch {
	case br == ar && bc == ac: // same shape
		return layout{n: 1, size: ar * ac, bsize: ar * ac}
	case br == 1 && bc == 1: // a scalar
		return layout{n: 1, size: ar * ac, bsize: 1}
	case br == 1: // one row [1×n], such as a bias
		return layout{n: ar, size: ac, bsize: ac}
	default: // one column [m×1]
		return layout{n: ar, size: ac, step: 1, bsize: 1}
	}
}

// full returns block k of a's shape from the flat data x.
func (l layout) full(x []float64, k int) []float64 { return x[k*l.size : (k+1)*l.size] }

// part returns the part of b's flat data y that block k uses.
func (l layout) part(y []float64, k int) []float64 { return y[k*l.step : k*l.step+l.bsize] }

// binary checks the operands of a broadcasting binary op and returns the output
// node and the broadcast layout.
func (t *Tape) binary(a, b *Node) (*Node, layout) {
	t.check(a, b)
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if (br != ar && br != 1) || (bc != ac && bc != 1) {
		panic(shapeErr("cannot broadcast %d×%d to %d×%d", br, bc, ar, ac))
	}
	return t.node(ar, ac, a, b), blocksOf(a, b)
}

// unary returns an output node of x's shape and the flat data of x and the output.
func (t *Tape) unary(x *Node) (out *Node, xv, ov []float64) {
	t.check(x)
	r, c := x.Dims()
	out = t.node(r, c, x, nil)
	return out, data(x.Value), data(out.Value)
}
