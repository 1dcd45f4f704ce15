package autograd

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Tape records operations in the order they are made and back-propagates
// through them in reverse. Creation order is a topological order, so Backward
// needs no graph search.
//
// A Tape is an arena: Reset forgets the recorded nodes but keeps their
// storage, and the next step's operations reuse it, so a training step whose
// shapes repeat allocates nothing once the arena has grown to fit. The zero
// value is an empty tape ready to use. A Tape is not safe for concurrent use.
type Tape struct {
	nodes     []*Node // arena; nodes[:n] are live
	n         int
	gen       uint64
	batchable int   // nodes recorded with an op ≠ 0
	sched     sched // Backward's level schedule (batch.go)
}

// Reset forgets every recorded node. Nodes made before Reset must not be used
// afterwards: their storage is reused by later operations. Parameters (NewParam)
// are not affected.
func (t *Tape) Reset() {
	t.n = 0
	t.gen++
	t.batchable = 0
}

// Len returns the number of nodes recorded since the last Reset.
func (t *Tape) Len() int { return t.n }

// node returns a fresh r×c node from the arena whose gradient flows iff one of
// the operands' does. Its value is undefined; its gradient (if any) is zeroed
// lazily by Backward.
func (t *Tape) node(r, c int, a, b *Node) *Node {
	if t.n == len(t.nodes) {
		t.nodes = append(t.nodes, &Node{tape: t})
	}
	n := t.nodes[t.n]
	t.n++
	n.gen = t.gen
	n.a, n.b, n.back, n.args, n.op = a, b, nil, n.args[:0], 0
	shape(&n.val, &n.valData, r, c)
	n.Value = &n.val
	n.Grad = nil
	if (a != nil && a.Grad != nil) || (b != nil && b.Grad != nil) {
		shape(&n.grad, &n.grData, r, c)
		n.Grad = &n.grad
	}
	return n
}

// check panics unless every operand is a parameter or a live node of t.
func (t *Tape) check(ns ...*Node) {
	for _, n := range ns {
		if n.tape != nil && (n.tape != t || n.gen != t.gen) {
			panic(ErrTape)
		}
	}
}

// Const returns a node whose value is a copy of m and through which no gradient
// flows.
func (t *Tape) Const(m mat.Matrix) *Node {
	r, c := m.Dims()
	n := t.node(r, c, nil, nil)
	n.Value.Copy(m)
	return n
}

// Input returns an r×c node with no gradient whose value the caller fills in,
// for example with an encoded batch of states. The value is zeroed.
func (t *Tape) Input(r, c int) *Node {
	n := t.node(r, c, nil, nil)
	clear(data(n.Value))
	return n
}

// Leaf returns an r×c node whose value the caller fills in and which receives a
// gradient, for inputs whose gradient is wanted (gradient checks, attributions).
// The value is zeroed.
func (t *Tape) Leaf(r, c int) *Node {
	n := t.node(r, c, nil, nil)
	clear(data(n.Value))
	shape(&n.grad, &n.grData, r, c)
	n.Grad = &n.grad
	return n
}

// StopGrad returns a node with the value of x through which no gradient flows
// back to x.
func (t *Tape) StopGrad(x *Node) *Node {
	t.check(x)
	r, c := x.Dims()
	n := t.node(r, c, nil, nil)
	copy(data(n.Value), data(x.Value))
	return n
}

// Backward sets the gradient of loss to 1 and accumulates ∂loss/∂n into the
// Grad of every node that loss was computed from, parameters included. Tape
// nodes' gradients are zeroed first; parameters' gradients accumulate across
// calls until ZeroGrad.
//
// Independent layers of the same weights (Affine, AffineReLU: the per-step
// passes of a recorded rollout) are back-propagated together, with one
// product per gradient over all their rows; their weight gradients then
// agree with the one-by-one pass to rounding (see batch.go).
//
// It panics if loss is not 1×1 or does not belong to t.
func (t *Tape) Backward(loss *Node) {
	t.BackwardSeed(loss, 1)
}

// BackwardSeed is Backward with ∂out/∂loss = seed: it accumulates seed·∂loss/∂n.
//
// It panics if loss is not 1×1 or does not belong to t.
func (t *Tape) BackwardSeed(loss *Node, seed float64) {
	t.check(loss)
	if r, c := loss.Dims(); r != 1 || c != 1 {
		panic(fmt.Errorf("%w: loss is %d×%d", ErrNotScalar, r, c))
	}
	if loss.Grad == nil {
		return // nothing to differentiate
	}
	last := -1
	for i := 0; i < t.n; i++ {
		n := t.nodes[i]
		if n.Grad != nil {
			clear(data(n.Grad))
		}
		if n == loss {
			last = i
		}
	}
	if last < 0 {
		panic(ErrTape)
	}
	loss.Grad.RawMatrix().Data[0] = seed
	if t.batchable > 1 && t.sched.plan(t, last) {
		t.sched.run()
		return
	}
	for i := last; i >= 0; i-- {
		if n := t.nodes[i]; n.Grad != nil && n.back != nil {
			n.back(n)
		}
	}
}

// shapeErr returns an ErrShape wrapped with a description.
func argErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrArg}, args...)...)
}

func shapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrShape}, args...)...)
}
