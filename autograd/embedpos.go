package autograd

import "fmt"

// EmbedPositions returns the input of a Transformer: for tokens idx of
// sequences of L positions, one sequence after the other, each token's
// embedding plus its position's,
//
//	out[i,:] = w[idx[i],:] + pos[i mod L,:]      [len(idx)×n]
//
// for a token embedding w [V×n] and position embeddings pos [L×n], learned
// or fixed (a sinusoidal encoding given as an Input). It is Rows(w, idx)
// plus pos repeated down the rows in one node. idx is copied. Gradients
// are summed over repeated tokens and over the sequences.
//
// It panics with ErrShape if the widths differ or len(idx) is not a positive
// multiple of L, and with ErrIndex if an index is outside [0, V).
func (t *Tape) EmbedPositions(w, pos *Node, idx []int) *Node {
	t.check(w, pos)
	v, n := w.Dims()
	l, c := pos.Dims()
	if c != n || len(idx) == 0 || len(idx)%l != 0 {
		panic(shapeErr("EmbedPositions of %d tokens of width %d with %d×%d positions", len(idx), n, l, c))
	}
	out := t.node(len(idx), n, w, pos)
	out.ints = append(out.ints[:0], idx...)
	wv, pv, ov := data(w.Value), data(pos.Value), data(out.Value)
	for i, j := range idx {
		if j < 0 || j >= v {
			panic(fmt.Errorf("%w: EmbedPositions index %d of %d rows", ErrIndex, j, v))
		}
		p := i % l
		addTo(ov[i*n:i*n+n], wv[j*n:j*n+n], pv[p*n:p*n+n])
	}
	out.back = embedPositionsBack
	return out
}

func embedPositionsBack(out *Node) {
	w, pos := out.a, out.b
	_, n := out.Dims()
	g := data(out.Grad)
	if w.Grad != nil {
		wg := data(w.Grad)
		for i, j := range out.ints {
			accumulate(wg[j*n:j*n+n], g[i*n:i*n+n], 1)
		}
	}
	if pos.Grad != nil {
		pg := data(pos.Grad)
		for i := 0; i < len(g); i += len(pg) {
			accumulate(pg, g[i:i+len(pg)], 1)
		}
	}
}
