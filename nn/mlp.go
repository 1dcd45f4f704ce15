package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
)

// Activation names the non-linearity between the layers of an MLP.
type Activation int

// The activations an MLP can use. The zero value is ReLU.
const (
	ReLU Activation = iota
	Tanh
	LeakyReLU // slope 0.01
	Sigmoid
)

// String returns "relu", "tanh", "leakyrelu" or "sigmoid".
func (a Activation) String() string {
	switch a {
	case ReLU:
		return "relu"
	case Tanh:
		return "tanh"
	case LeakyReLU:
		return "leakyrelu"
	case Sigmoid:
		return "sigmoid"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Valid reports whether a is one of the activations above.
func (a Activation) Valid() bool { return a >= ReLU && a <= Sigmoid }

// Apply returns the activation of x.
func (a Activation) Apply(t *autograd.Tape, x *autograd.Node) *autograd.Node {
	switch a {
	case Tanh:
		return t.Tanh(x)
	case LeakyReLU:
		return t.LeakyReLU(x, 0.01)
	case Sigmoid:
		return t.Sigmoid(x)
	default:
		return t.ReLU(x)
	}
}

// MLP is a multi-layer perceptron: Linear layers with an activation between them
// and none after the last.
type MLP struct {
	Layers []*Linear
	Act    Activation
}

// NewMLP returns an MLP with the given widths, input first and output last
// (NewMLP([]int{64, 256, 256, 5}, ReLU, rng) has three layers). Weights use He
// initialisation for ReLU-family activations and Glorot otherwise.
// It panics if there are fewer than two sizes or a size is not positive.
func NewMLP(sizes []int, act Activation, rng *rand.Rand) *MLP {
	if len(sizes) < 2 {
		panic("nn: MLP needs at least an input and an output size")
	}
	init := initFor(act)
	m := &MLP{Act: act}
	for i := 0; i+1 < len(sizes); i++ {
		m.Layers = append(m.Layers, NewLinear(sizes[i], sizes[i+1], init, rng))
	}
	return m
}

// Forward returns the MLP applied to x [B×In] → [B×Out]. With ReLU, each
// hidden layer is one node (autograd.Tape.AffineReLU) and the last one an
// Affine, which give the numbers of the separate operations.
func (m *MLP) Forward(t *autograd.Tape, x *autograd.Node) *autograd.Node {
	return m.forward(t, x, false)
}

// forward is Forward, with the activation after the last layer too if act.
func (m *MLP) forward(t *autograd.Tape, x *autograd.Node, act bool) *autograd.Node {
	last := len(m.Layers) - 1
	for _, l := range m.Layers[:last] {
		x = l.forwardAct(t, x, m.Act)
	}
	if act {
		return m.Layers[last].forwardAct(t, x, m.Act)
	}
	return m.Layers[last].Forward(t, x)
}

// ForwardEmbed is Forward for a k-hot input given by the indices of its ones,
// k per row: the first layer gathers rows of its weights instead of multiplying
// (with ReLU, in one node: autograd.Tape.EmbedReLU).
func (m *MLP) ForwardEmbed(t *autograd.Tape, idx []int, k int) *autograd.Node {
	return m.forwardEmbed(t, idx, k, false)
}

// forwardEmbed is ForwardEmbed, with the activation after the last layer
// too if act.
func (m *MLP) forwardEmbed(t *autograd.Tape, idx []int, k int, act bool) *autograd.Node {
	first := m.Layers[0]
	if len(m.Layers) == 1 {
		if act {
			return first.forwardEmbedAct(t, idx, k, m.Act)
		}
		return first.ForwardEmbed(t, idx, k)
	}
	x := first.forwardEmbedAct(t, idx, k, m.Act)
	rest := MLP{Layers: m.Layers[1:], Act: m.Act}
	return rest.forward(t, x, act)
}

// Params returns the parameters of every layer, in order.
func (m *MLP) Params() []*autograd.Node {
	var ps []*autograd.Node
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Clone returns a deep copy of m with the same values and zero gradients, for
// example a target network.
func (m *MLP) Clone() *MLP {
	c := &MLP{Layers: make([]*Linear, len(m.Layers)), Act: m.Act}
	for i, l := range m.Layers {
		c.Layers[i] = l.Clone()
	}
	return c
}

// initFor returns the uniform initialiser NewMLP uses for act: He for the ReLU
// family, Glorot for tanh and sigmoid.
func initFor(act Activation) Init {
	if act == Tanh || act == Sigmoid {
		return GlorotUniform
	}
	return HeUniform
}
