package autograd

// Element-wise binary operations. The second operand b is broadcast to the shape
// of a: it may have a's shape, one row [1×n] (a bias added to every row), one
// column [m×1] (a per-row value), or be 1×1 (a scalar). The gradient of a
// broadcast operand is summed over the broadcast dimension.

// Add returns a + b, with b broadcast to a's shape.
// It panics if b cannot be broadcast to a's shape.
func (t *Tape) Add(a, b *Node) *Node {
	out, av, bv, ov, bi := t.binary(a, b)
	for i := range ov {
		ov[i] = av[i] + bv[bi.at(i)]
	}
	out.back = addBack
	return out
}

func addBack(out *Node) {
	a, b, g := out.a, out.b, data(out.Grad)
	if a.Grad != nil {
		ag := data(a.Grad)
		for i, v := range g {
			ag[i] += v
		}
	}
	if b.Grad != nil {
		bi, bg := broadcastOf(a, b), data(b.Grad)
		for i, v := range g {
			bg[bi.at(i)] += v
		}
	}
}

// Sub returns a − b, with b broadcast to a's shape.
// It panics if b cannot be broadcast to a's shape.
func (t *Tape) Sub(a, b *Node) *Node {
	out, av, bv, ov, bi := t.binary(a, b)
	for i := range ov {
		ov[i] = av[i] - bv[bi.at(i)]
	}
	out.back = subBack
	return out
}

func subBack(out *Node) {
	a, b, g := out.a, out.b, data(out.Grad)
	if a.Grad != nil {
		ag := data(a.Grad)
		for i, v := range g {
			ag[i] += v
		}
	}
	if b.Grad != nil {
		bi, bg := broadcastOf(a, b), data(b.Grad)
		for i, v := range g {
			bg[bi.at(i)] -= v
		}
	}
}

// Mul returns the element-wise product a ⊙ b, with b broadcast to a's shape.
// It panics if b cannot be broadcast to a's shape.
func (t *Tape) Mul(a, b *Node) *Node {
	out, av, bv, ov, bi := t.binary(a, b)
	for i := range ov {
		ov[i] = av[i] * bv[bi.at(i)]
	}
	out.back = mulBack
	return out
}

func mulBack(out *Node) {
	a, b, g := out.a, out.b, data(out.Grad)
	av, bv, bi := data(a.Value), data(b.Value), broadcastOf(a, b)
	if a.Grad != nil {
		ag := data(a.Grad)
		for i, v := range g {
			ag[i] += v * bv[bi.at(i)]
		}
	}
	if b.Grad != nil {
		bg := data(b.Grad)
		for i, v := range g {
			bg[bi.at(i)] += v * av[i]
		}
	}
}

// Div returns the element-wise quotient a ⊘ b, with b broadcast to a's shape.
// It panics if b cannot be broadcast to a's shape.
func (t *Tape) Div(a, b *Node) *Node {
	out, av, bv, ov, bi := t.binary(a, b)
	for i := range ov {
		ov[i] = av[i] / bv[bi.at(i)]
	}
	out.back = divBack
	return out
}

func divBack(out *Node) {
	a, b, g := out.a, out.b, data(out.Grad)
	bv, ov, bi := data(b.Value), data(out.Value), broadcastOf(a, b)
	if a.Grad != nil {
		ag := data(a.Grad)
		for i, v := range g {
			ag[i] += v / bv[bi.at(i)]
		}
	}
	if b.Grad != nil { // ∂(a/b)/∂b = −(a/b)/b
		bg := data(b.Grad)
		for i, v := range g {
			j := bi.at(i)
			bg[j] -= v * ov[i] / bv[j]
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
	xg, s := data(out.a.Grad), out.s0
	for i, v := range data(out.Grad) {
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
func passBack(out *Node) {
	xg := data(out.a.Grad)
	for i, v := range data(out.Grad) {
		xg[i] += v
	}
}

// broadcast maps a flat index of the full shape to the flat index of the
// broadcast operand.
type broadcast struct{ cols, rowStep, colStep int }

func (b broadcast) at(i int) int { return (i/b.cols)*b.rowStep + (i%b.cols)*b.colStep }

func broadcastOf(a, b *Node) broadcast {
	_, ac := a.Dims()
	br, bc := b.Dims()
	bi := broadcast{cols: ac}
	if br > 1 {
		bi.rowStep = bc
	}
	if bc > 1 {
		bi.colStep = 1
	}
	return bi
}

// binary checks the operands of a broadcasting binary op and returns the output
// node and the flat data of a, b and the output.
func (t *Tape) binary(a, b *Node) (out *Node, av, bv, ov []float64, bi broadcast) {
	t.check(a, b)
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if (br != ar && br != 1) || (bc != ac && bc != 1) {
		panic(shapeErr("cannot broadcast %d×%d to %d×%d", br, bc, ar, ac))
	}
	out = t.node(ar, ac, a, b)
	return out, data(a.Value), data(b.Value), data(out.Value), broadcastOf(a, b)
}

// unary returns an output node of x's shape and the flat data of x and the output.
func (t *Tape) unary(x *Node) (out *Node, xv, ov []float64) {
	t.check(x)
	r, c := x.Dims()
	out = t.node(r, c, x, nil)
	return out, data(x.Value), data(out.Value)
}
