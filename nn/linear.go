package nn

import (
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// Linear is an affine layer, x·W + b: [B×In] → [B×Out].
type Linear struct {
	W *autograd.Node // [In×Out] weights
	B *autograd.Node // [1×Out] bias
}

// NewLinear returns a Linear layer with weights drawn by init (He or Glorot
// uniform when init is nil: He) and a zero bias.
// It panics if in or out is not positive.
func NewLinear(in, out int, init Init, rng *rand.Rand) *Linear {
	if in <= 0 || out <= 0 {
		panic("nn: Linear with non-positive size")
	}
	if init == nil {
		init = HeUniform
	}
	w := mat.NewDense(in, out, nil)
	init(w, rng)
	return &Linear{W: autograd.NewParam(w), B: autograd.NewParam(mat.NewDense(1, out, nil))}
}

// Forward returns x·W + b (autograd.Tape.Affine).
// It panics if x does not have In columns.
func (l *Linear) Forward(t *autograd.Tape, x *autograd.Node) *autograd.Node {
	return t.Affine(x, l.W, l.B)
}

// forwardAct returns act(x·W + b), in one node for ReLU.
func (l *Linear) forwardAct(t *autograd.Tape, x *autograd.Node, act Activation) *autograd.Node {
	if act == ReLU {
		return t.AffineReLU(x, l.W, l.B)
	}
	return act.Apply(t, l.Forward(t, x))
}

// forwardEmbedAct is ForwardEmbed followed by act, in one node for ReLU.
func (l *Linear) forwardEmbedAct(t *autograd.Tape, idx []int, k int, act Activation) *autograd.Node {
	if act == ReLU {
		return t.EmbedReLU(l.W, l.B, idx, k)
	}
	return act.Apply(t, l.ForwardEmbed(t, idx, k))
}

// ForwardEmbed returns the layer applied to a k-hot input given by the indices
// of its ones, k per row (see autograd.Tape.Embed): the same value as Forward on
// the dense k-hot matrix, without the product.
func (l *Linear) ForwardEmbed(t *autograd.Tape, idx []int, k int) *autograd.Node {
	return t.Add(t.Embed(l.W, idx, k), l.B)
}

// Params returns W and b.
func (l *Linear) Params() []*autograd.Node { return []*autograd.Node{l.W, l.B} }

// In returns the input width.
func (l *Linear) In() int { r, _ := l.W.Dims(); return r }

// Out returns the output width.
func (l *Linear) Out() int { _, c := l.W.Dims(); return c }

// Clone returns a deep copy of l with the same values and zero gradients.
func (l *Linear) Clone() *Linear {
	return &Linear{W: autograd.NewParam(mat.DenseCopyOf(l.W.Value)), B: autograd.NewParam(mat.DenseCopyOf(l.B.Value))}
}
