package autograd

import "fmt"

// AffineReLU returns max(x·w + b, 0), b a [1×n] row added to every row:
// [m×k]·[k×n] → [m×n], the hidden layer of an MLP. It gives the same numbers
// as ReLU(Affine(x, w, b)), values and gradients alike, with one node
// instead of two; the gradient before the ReLU exists only while Backward
// runs through the node. Like Affine, it can be back-propagated together
// with other layers of the same weights (see Tape.Backward).
//
// It panics with ErrShape if the inner dimensions differ or b is not [1×n].
func (t *Tape) AffineReLU(x, w, b *Node) *Node { return t.affine("AffineReLU", opAffineReLU, x, w, b) }

// affineReLUBack: ∂z = ∂out where out > 0, then Affine's backward pass.
func affineReLUBack(out *Node) {
	x, w, b := out.args[0], out.args[1], out.args[2]
	m, n := out.Dims()
	_, k := x.Dims()
	sc := getScratch(m * n)
	defer putScratch(sc)
	dz := sc.data
	reluMask(dz, data(out.Grad), data(out.Value))
	affineBackward(dz, data(x.Value), gradData(x), w, b, m, k, n)
}

// reluMask sets dz to g where out > 0 and to 0 elsewhere, as ReLU's backward
// pass adds g into a zeroed gradient.
func reluMask(dz, g, out []float64) {
	dz = dz[:len(g)]
	clear(dz)
	elt.reluBwd(dz, g, out)
}

// EmbedReLU returns max(Embed(w, idx, k) + b, 0): the hidden layer of an MLP
// whose input is k-hot, given by the indices of its ones, k per row (see
// Embed). It gives the same numbers as ReLU(Add(Embed(w, idx, k), b)), values
// and gradients alike, with one node instead of three. idx is copied.
//
// It panics as Embed does, and with ErrShape if b is not [1×n] for w [r×n].
func (t *Tape) EmbedReLU(w, b *Node, idx []int, k int) *Node {
	t.check(w, b)
	r, n := w.Dims()
	checkBias("EmbedReLU", b, n)
	m := embedRows("EmbedReLU", idx, k, r)
	out := t.layerNode(0, m, n, nil, w, b)
	out.ints = append(out.ints[:0], idx...)
	out.s0 = float64(k)
	wv, bv, ov := data(w.Value), data(b.Value), data(out.Value)
	row := func(j int) []float64 { return wv[j*n : j*n+n] }
	for i := 0; i < m; i++ {
		// Embed sums from zero, 0 + w[j₀] + …; starting from w[j₀] changes
		// at most the sign of a zero, which the ReLU erases.
		dst, ix := ov[i*n:i*n+n], idx[i*k:i*k+k]
		if k == 1 {
			addTo(dst, row(ix[0]), bv)
			continue
		}
		addTo(dst, row(ix[0]), row(ix[1]))
		for _, j := range ix[2:] {
			addTo(dst, dst, row(j))
		}
		addTo(dst, dst, bv)
	}
	elt.reluFwd(ov, ov)
	out.back = embedReLUBack
	return out
}

// embedReLUBack: ∂z = ∂out where out > 0; ∂b += Σ rows of ∂z and each row
// of ∂z is added into the rows of ∂w its indices name.
func embedReLUBack(out *Node) {
	w, b := out.args[1], out.args[2]
	m, n := out.Dims()
	k := int(out.s0)
	sc := getScratch(m * n)
	defer putScratch(sc)
	dz := sc.data
	reluMask(dz, data(out.Grad), data(out.Value))
	if b.Grad != nil {
		biasGrad(data(b.Grad)[:n], dz, m, n)
	}
	if w.Grad != nil {
		wg := data(w.Grad)
		for p, j := range out.ints {
			accumulate(wg[j*n:j*n+n], dz[(p/k)*n:(p/k)*n+n], 1)
		}
	}
}

// embedRows returns the number of rows of an Embed of a weight matrix with r
// rows by idx, k indices per row.
// It panics with ErrArg if k < 1, with ErrShape if len(idx) is not a positive
// multiple of k and with ErrIndex if an index is outside [0, r).
func embedRows(op string, idx []int, k, r int) int {
	if k < 1 {
		panic(fmt.Errorf("%w: %s with k = %d", ErrArg, op, k))
	}
	if len(idx) == 0 || len(idx)%k != 0 {
		panic(shapeErr("%s of %d indices, %d per row", op, len(idx), k))
	}
	for _, j := range idx {
		if j < 0 || j >= r {
			panic(fmt.Errorf("%w: %s index %d of %d rows", ErrIndex, op, j, r))
		}
	}
	return len(idx) / k
}

// layerNode returns the output node [m×n] of a layer of weights w and bias
// b on input x (nil for a gather), with its operands in args. A layer of
// kind op ≠ 0 can be back-propagated with others of the same kind and
// weights (batch.go).
func (t *Tape) layerNode(op uint8, m, n int, x, w, b *Node) *Node {
	out := t.node(m, n, gradOf(x, w, b), nil)
	out.args = append(out.args[:0], x, w, b)
	if op != 0 {
		out.op = op
		t.batchable++
	}
	return out
}
