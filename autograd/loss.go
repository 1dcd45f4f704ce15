package autograd

import (
	"fmt"
	"math"
)

// SquaredError returns (pred − target)² element-wise, with target broadcast to
// pred's shape as in Sub. Reduce it with Mean or Sum.
// It panics if target cannot be broadcast to pred's shape.
func (t *Tape) SquaredError(pred, target *Node) *Node {
	return t.Square(t.Sub(pred, target))
}

// Huber returns the Huber loss of the residual pred − target element-wise:
// ½r² where |r| ≤ δ and δ(|r| − ½δ) elsewhere, with target broadcast to pred's
// shape as in Sub. Reduce it with Mean or Sum.
// It panics with ErrArg if delta ≤ 0 or is NaN, and with ErrShape if target
// cannot be broadcast to pred's shape.
func (t *Tape) Huber(pred, target *Node, delta float64) *Node {
	if !(delta > 0) {
		panic(fmt.Errorf("%w: Huber delta %v must be positive", ErrArg, delta))
	}
	return t.huber(t.Sub(pred, target), delta)
}

func (t *Tape) huber(r *Node, delta float64) *Node {
	out, rv, ov := t.unary(r)
	for i, v := range rv {
		if a := math.Abs(v); a <= delta {
			ov[i] = 0.5 * v * v
		} else {
			ov[i] = delta * (a - 0.5*delta)
		}
	}
	out.s0 = delta
	out.back = huberBack
	return out
}

// huberBack: ∂/∂r = r clamped to [−δ, δ].
func huberBack(out *Node) {
	gs := data(out.Grad)
	rg, rv := data(out.a.Grad)[:len(gs)], data(out.a.Value)[:len(gs)]
	delta := out.s0
	for i, g := range gs {
		rg[i] += g * min(max(rv[i], -delta), delta)
	}
}
