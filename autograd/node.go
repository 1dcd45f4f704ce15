package autograd

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Node is a value in a computation: a matrix, the gradient of the loss with
// respect to it, and how to send that gradient on to the nodes it was made from.
//
// Rows are samples: a batch of B vectors of width n is a [B×n] matrix.
type Node struct {
	// Value holds the node's value. For a tape node it is owned by the tape and
	// is valid until the next Reset.
	Value *mat.Dense
	// Grad holds ∂loss/∂Value, the same shape as Value, or is nil when no
	// gradient flows to this node (constants and what is computed only from them).
	Grad *mat.Dense

	tape   *Tape        // the tape that made it; nil for parameters
	gen    uint64       // the tape generation it was made in
	a, b   *Node        // operands
	args   []*Node      // operands of n-ary operations (ConcatCols)
	back   func(*Node)  // accumulates n.Grad into the operands' Grad; nil for leaves
	custom BackwardFunc // the backward function of a Custom operation
	op     uint8        // the kind of a layer that batches its backward pass, or 0
	level  int32        // Backward's schedule (batch.go)

	// Per-op scratch, reused across Resets.
	s0, s1  float64
	ints    []int
	bools   []bool
	aux     mat.Dense
	auxData []float64

	val, grad       mat.Dense // tape-owned storage behind Value and Grad
	valData, grData []float64
}

// NewParam returns a persistent leaf node that owns value and a zeroed gradient
// of the same shape: a trainable parameter. The node keeps value, it does not
// copy it, unless value is a view whose rows are not contiguous (stride ≠
// columns), which is copied. Gradients accumulate in Grad across Backward calls
// until ZeroGrad.
func NewParam(value *mat.Dense) *Node {
	r, c := value.Dims()
	if value.RawMatrix().Stride != c {
		value = mat.DenseCopyOf(value)
	}
	return &Node{Value: value, Grad: mat.NewDense(r, c, nil)}
}

// ZeroGrad sets the gradient of every node to zero. Nodes without a gradient
// are skipped.
func ZeroGrad(nodes ...*Node) {
	for _, n := range nodes {
		if n.Grad != nil {
			zero(n.Grad.RawMatrix())
		}
	}
}

// Dims returns the number of rows and columns of the node's value.
func (n *Node) Dims() (r, c int) { return n.Value.Dims() }

// Scalar returns the single element of a 1×1 node.
// It panics if the node is not 1×1.
func (n *Node) Scalar() float64 {
	if r, c := n.Dims(); r != 1 || c != 1 {
		panic(shapeErr("Scalar of a %d×%d node", r, c))
	}
	return n.Value.RawMatrix().Data[0]
}

// RequiresGrad reports whether gradient flows to the node.
func (n *Node) RequiresGrad() bool { return n.Grad != nil }

// zero sets every element of g to 0.
func zero(g blas64.General) {
	if g.Stride == g.Cols {
		clear(g.Data[:g.Rows*g.Cols])
		return
	}
	for i := 0; i < g.Rows; i++ {
		clear(g.Data[i*g.Stride : i*g.Stride+g.Cols])
	}
}

// shape sets d to an r×c matrix backed by *buf, growing *buf if needed. The
// contents are undefined. It allocates only when the backing store grows.
func shape(d *mat.Dense, buf *[]float64, r, c int) {
	if cap(*buf) < r*c {
		*buf = make([]float64, r*c)
	}
	d.SetRawMatrix(blas64.General{Rows: r, Cols: c, Stride: c, Data: (*buf)[:r*c]})
}

// data returns the contiguous backing data of m. Every node value and gradient
// is contiguous (stride = columns), which the operations rely on.
func data(m *mat.Dense) []float64 {
	g := m.RawMatrix()
	return g.Data[:g.Rows*g.Cols]
}
