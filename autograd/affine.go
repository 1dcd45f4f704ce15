package autograd

import "github.com/gogfn/gogfn/autograd/gemm"

// Affine returns x·w + b, b a [1×n] row added to every row: [m×k]·[k×n] →
// [m×n], a linear layer. It gives the same numbers as Add(MatMul(x, w), b),
// with one node instead of two, so a recorded step holds less memory: the
// same value and parameter gradients to the bit, and the same gradient of x
// when n is a multiple of 8 (otherwise its sums over n are grouped
// differently, for speed, and agree to rounding). Affine layers of the same
// weights can be back-propagated together (see Tape.Backward).
//
// It panics with ErrShape if the inner dimensions differ or b is not [1×n].
func (t *Tape) Affine(x, w, b *Node) *Node { return t.affine("Affine", opAffine, x, w, b) }

// affine records x·w + b, then the ReLU for op = opAffineReLU.
func (t *Tape) affine(name string, op uint8, x, w, b *Node) *Node {
	t.check(x, w, b)
	m, k, n := affineDims(name, x, w, b)
	out := t.layerNode(op, m, n, x, w, b)
	ov := data(out.Value)
	affineForward(ov, data(x.Value), data(w.Value), data(b.Value), m, k, n)
	out.back = affineBack
	if op == opAffineReLU {
		elt.reluFwd(ov, ov)
		out.back = affineReLUBack
	}
	return out
}

func affineBack(out *Node) {
	x, w, b := out.args[0], out.args[1], out.args[2]
	m, n := out.Dims()
	_, k := x.Dims()
	affineBackward(data(out.Grad), data(x.Value), gradData(x), w, b, m, k, n)
}

// affineDims returns the dimensions of x·w + b, x [m×k], w [k×n], b [1×n].
// It panics with ErrShape if they do not fit.
func affineDims(op string, x, w, b *Node) (m, k, n int) {
	m, k = x.Dims()
	k2, n := w.Dims()
	if k != k2 {
		panic(shapeErr("%s of %d×%d and %d×%d", op, m, k, k2, n))
	}
	checkBias(op, b, n)
	return m, k, n
}

// layerDims returns the output width of a second layer w [k×n] with bias b
// [1×n] reading an input of width k.
// It panics with ErrShape if w does not have k rows or b is not [1×n].
func layerDims(op string, w, b *Node, k int) (n int) {
	r, n := w.Dims()
	if r != k {
		panic(shapeErr("%s layer of %d×%d on an input of width %d", op, r, n, k))
	}
	checkBias(op, b, n)
	return n
}

// checkBias panics with ErrShape unless b is [1×n].
func checkBias(op string, b *Node, n int) {
	if r, c := b.Dims(); r != 1 || c != n {
		panic(shapeErr("%s bias %d×%d for %d columns", op, r, c, n))
	}
}

// affineForward sets o [m×n] to x·w + b for x [m×k], w [k×n] and b [1×n].
func affineForward(o, x, w, b []float64, m, k, n int) {
	gemm.Dgemm(false, false, m, n, k, 1, x, k, w, n, 0, o, n)
	for i := 0; i < m; i++ {
		addTo(o[i*n:i*n+n], o[i*n:i*n+n], b)
	}
}

// affineBackward accumulates the gradients of o = x·w + b given g = ∂o
// [m×n]: ∂w += xᵀ·g and ∂b += Σᵢ g[i,:] when w and b have gradients, and
// ∂x += g·wᵀ into xg when it is not nil. xv is the value of x, which need
// not be a node.
func affineBackward(g, xv, xg []float64, w, b *Node, m, k, n int) {
	if xg != nil {
		inputGrad(xg, g, data(w.Value), m, k, n, 1)
	}
	if w.Grad != nil {
		gemm.Dgemm(true, false, k, n, m, 1, xv, k, g, n, 1, data(w.Grad), n)
	}
	if b.Grad != nil {
		biasGrad(data(b.Grad)[:n], g, m, n)
	}
}

// inputGrad sets xg [m×k] to g·wᵀ + beta·xg for g [m×n] and w [k×n].
func inputGrad(xg, g, wv []float64, m, k, n int, beta float64) {
	if n8 := n &^ 7; n8 != n && n8 >= 32 {
		// gemm computes g·wᵀ as dot products of rows, eight terms at a
		// time, and the ragged end of each one element by element: with
		// n = 274 (a Transformer's output head) that runs at a third of
		// the speed. Split the sum in two instead.
		gemm.Dgemm(false, true, m, k, n8, 1, g, n, wv, n, beta, xg, k)
		gemm.Dgemm(false, true, m, k, n-n8, 1, g[n8:], n, wv[n8:], n, 1, xg, k)
		return
	}
	gemm.Dgemm(false, true, m, k, n, 1, g, n, wv, n, beta, xg, k)
}

// biasGrad adds the m rows of g [m×n] into bg [n], one after the other.
func biasGrad(bg, g []float64, m, n int) {
	for i := 0; i < m; i++ {
		accumulate(bg, g[i*n:i*n+n], 1)
	}
}

// gradData returns the gradient data of x, or nil if it has none.
func gradData(x *Node) []float64 {
	if x == nil || x.Grad == nil {
		return nil
	}
	return data(x.Grad)
}
