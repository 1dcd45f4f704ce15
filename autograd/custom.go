package autograd

// BackwardFunc is the backward function of an operation made with Custom: it
// reads out.Grad (and any values it needs) and adds the gradient of each
// operand into that operand's Grad, skipping operands whose Grad is nil. It
// must add, never assign: gradients accumulate.
type BackwardFunc func(out *Node, operands []*Node)

// Custom records an operation defined outside this package, so that other
// packages can add fused operations (a rendering estimator, a distillation
// loss) without editing this one. It returns a new r×c node whose Value is
// zeroed for the caller to fill in at once, from the operands' values; during
// Backward, back is called with the node and its operands when the node's
// gradient is needed.
//
// The node gets a gradient when any operand has one. Pass a function value
// that does not capture variables (a top-level function): a closure made per
// call would allocate at every step. Per-call state the backward function
// needs goes in the node's own scratch storage, Ints and Floats, which is
// reused across Reset like the rest of the arena.
//
// It panics with ErrTape if an operand belongs to another tape or predates
// Reset, and with ErrArg if back is nil or r or c is negative.
func (t *Tape) Custom(r, c int, back BackwardFunc, operands ...*Node) *Node {
	if back == nil || r < 0 || c < 0 {
		panic(argErr("Custom of %d×%d with a nil backward function", r, c))
	}
	t.check(operands...)
	var g *Node
	for _, x := range operands {
		if x.Grad != nil {
			g = x
		}
	}
	out := t.node(r, c, g, nil)
	clear(data(out.Value))
	out.args = append(out.args[:0], operands...)
	out.custom = back
	out.back = customBack
	return out
}

func customBack(out *Node) { out.custom(out, out.args) }

// Ints returns a scratch slice of n integers owned by a node made by Custom,
// for state its backward function needs (bin indices, for example). The
// storage is reused across Reset, so steady-state steps allocate nothing;
// its contents are undefined until written. Call it at most once per node.
//
// It panics with ErrArg if n is negative.
func (n *Node) Ints(k int) []int {
	if k < 0 {
		panic(argErr("Ints(%d)", k))
	}
	if cap(n.ints) < k {
		n.ints = make([]int, k)
	}
	n.ints = n.ints[:k]
	return n.ints
}

// Floats returns a scratch slice of k float64 owned by a node made by Custom,
// as Ints does for integers.
//
// It panics with ErrArg if k is negative.
func (n *Node) Floats(k int) []float64 {
	if k < 0 {
		panic(argErr("Floats(%d)", k))
	}
	if cap(n.auxData) < k {
		n.auxData = make([]float64, k)
	}
	n.auxData = n.auxData[:k]
	return n.auxData
}
