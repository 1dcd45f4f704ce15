package policy

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/scratch"
	"github.com/gogfn/gogfn/nn"
)

var _ gfn.Backward = (*BackwardNet)(nil)

// BackwardNet is a learned backward policy with a network of its own: an
// MLP from the encoded state to logits over the backward actions, turned
// into P_B(·|s′) by a log-softmax over the valid ones. Its last layer starts
// at zero, so that P_B starts exactly uniform. It implements gfn.Backward,
// with gradients into its parameters. A Policy with SeparatePB holds one;
// TLM trains one of its own. It keeps scratch buffers: it is not safe for
// concurrent use.
type BackwardNet struct {
	Env gfn.Reversible
	Net *nn.MLP // InputDim → … → NumBackward

	hot  gfn.OneHotEncoder
	idx  []int
	mask []bool
}

// NewBackwardNet returns a BackwardNet for env with hidden layers of the given
// widths (nil means {256, 256}) and activation, weights drawn from rng with
// init (nil means PyTorch's nn.Linear default) and a zero last layer.
//
// It returns an error if env is not Reversible or a width is not positive.
func NewBackwardNet(env gfn.Env, hidden []int, act nn.Activation, init nn.Init, rng *rand.Rand) (*BackwardNet, error) {
	rev, ok := env.(gfn.Reversible)
	if !ok {
		return nil, fmt.Errorf("policy: a learned backward policy needs a Reversible environment")
	}
	if hidden == nil {
		hidden = []int{256, 256}
	}
	for _, h := range hidden {
		if h < 1 {
			return nil, fmt.Errorf("policy: backward network width %d, want positive widths", h)
		}
	}
	spec := env.Spec()
	b := &BackwardNet{Env: rev, Net: nn.NewMLP(append(append([]int{spec.InputDim}, hidden...), spec.NumBackward), act, rng)}
	initLayers(init, rng, b.Net.Layers...)
	zeroLayer(b.Net.Layers[len(b.Net.Layers)-1])
	if h, ok := env.(gfn.OneHotEncoder); ok && spec.OneHot > 0 {
		b.hot = h
	}
	return b, nil
}

// Params returns the network's parameters.
func (b *BackwardNet) Params() []*autograd.Node { return b.Net.Params() }

// Copy returns a BackwardNet with the same architecture and a copy of the
// parameters' values, and scratch buffers of its own: a target network.
func (b *BackwardNet) Copy() *BackwardNet {
	c := &BackwardNet{Env: b.Env, hot: b.hot, Net: b.Net.Clone()}
	return c
}

// logits records the network's logits [n×NumBackward] for n states.
func (b *BackwardNet) logits(t *autograd.Tape, states []int, n int) *autograd.Node {
	spec := b.Env.Spec()
	d := spec.StateDim
	if b.hot != nil {
		k := spec.OneHot
		b.idx = scratch.Resize(b.idx, n*k)
		for i := 0; i < n; i++ {
			b.hot.EncodeIndices(b.idx[i*k:(i+1)*k], states[i*d:(i+1)*d])
		}
		return b.Net.ForwardEmbed(t, b.idx, k)
	}
	x := t.Input(n, spec.InputDim)
	xv := x.Value.RawMatrix().Data
	w := spec.InputDim
	for i := 0; i < n; i++ {
		b.Env.Encode(xv[i*w:(i+1)*w], states[i*d:(i+1)*d])
	}
	return b.Net.Forward(t, x)
}

// LogProbs records log P_B(·|s) [n×NumBackward] of the n states, −Inf at
// invalid actions; rows of states without parents hold a finite placeholder.
func (b *BackwardNet) LogProbs(t *autograd.Tape, states []int, n int) *autograd.Node {
	b.mask = backwardMasks(b.mask, b.Env, states, n)
	return t.LogSoftmax(b.logits(t, states, n), b.mask)
}

// backwardMasks fills dst [n×NumBackward] with the backward masks of the n
// states; a row without a valid action (s₀) gets its first entry, so that
// its log-softmax is defined.
func backwardMasks(dst []bool, env gfn.Reversible, states []int, n int) []bool {
	spec := env.Spec()
	nb, d := spec.NumBackward, spec.StateDim
	dst = scratch.Resize(dst, n*nb)
	for i := 0; i < n; i++ {
		row := dst[i*nb : (i+1)*nb]
		env.BackwardMask(row, states[i*d:(i+1)*d])
		if !slices.Contains(row, true) {
			row[0] = true
		}
	}
	return dst
}
