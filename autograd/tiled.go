package autograd

// AddTiled returns x + p with p repeated down the rows of x: for x [m×n] and
// p [L×n], out[i,:] = x[i,:] + p[i mod L,:]. When x holds m/L sequences of
// L positions each, one after the other, that adds the same per-position
// vector to every sequence (a positional encoding). p's gradient is summed
// over the repeats.
//
// It panics with ErrShape if the column counts differ or m is not a multiple
// of L.
func (t *Tape) AddTiled(x, p *Node) *Node {
	t.check(x, p)
	m, n := x.Dims()
	l, c := p.Dims()
	if c != n || m%l != 0 {
		panic(shapeErr("AddTiled of %d×%d tiles onto %d×%d", l, c, m, n))
	}
	out := t.node(m, n, x, p)
	xv, pv, ov := data(x.Value), data(p.Value), data(out.Value)
	for i := 0; i < m; i += l {
		addTo(ov[i*n:(i+l)*n], xv[i*n:(i+l)*n], pv)
	}
	out.back = addTiledBack
	return out
}

func addTiledBack(out *Node) {
	x, p := out.a, out.b
	g := data(out.Grad)
	if x.Grad != nil {
		accumulate(data(x.Grad), g, 1)
	}
	if p.Grad != nil {
		pg := data(p.Grad)
		for i := 0; i < len(g); i += len(pg) {
			accumulate(pg, g[i:i+len(pg)], 1)
		}
	}
}
