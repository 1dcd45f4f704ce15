package optim

import (
	"encoding"

	"github.com/gogfn/gogfn/autograd"
)

// SGD is stochastic gradient descent with optional momentum (Polyak's heavy
// ball, or Nesterov's accelerated form as in Sutskever et al. 2013) and L2
// weight decay. For each element w with gradient g and learning rate η
// (scheduled), as in PyTorch's torch.optim.SGD without dampening:
//
//	g ← g + λw             (λ = WeightDecay, coupled: it enters the momentum)
//	b ← μb + g             (μ = Momentum; b starts at 0)
//	w ← w − η·(g + μb)     with Nesterov, else w ← w − η·b
//
// With μ = 0 this is w ← w − ηg. The momentum buffers are allocated on the
// first Step, even when μ = 0, so that the saved state does not depend on μ;
// later Steps allocate nothing.
type SGD struct {
	Params      []*autograd.Node
	LR          float64  // learning rate of Params; 0 means 0.01
	Momentum    float64  // momentum μ in [0, 1); 0 means none
	Nesterov    bool     // Nesterov momentum; false means heavy ball
	WeightDecay float64  // L2 weight decay of Params; 0 means none
	Groups      []Group  // further parameters with their own LR and decay; nil means none
	Schedule    Schedule // learning-rate factor per step; nil means constant

	st state // step count; one momentum buffer per parameter
}

var (
	_ Optimizer                  = (*SGD)(nil)
	_ encoding.BinaryMarshaler   = (*SGD)(nil)
	_ encoding.BinaryUnmarshaler = (*SGD)(nil)
)

// Step applies one update to every parameter (Params, then each Group's) and
// zeroes their gradients.
//
// It panics if the parameters' number or shapes have changed since the first
// Step or the last UnmarshalBinary.
func (o *SGD) Step() {
	o.st.ensure(1, o.Params, o.Groups)
	scale := 1.0
	if o.Schedule != nil {
		scale = o.Schedule.Scale(o.st.t)
	}
	o.st.t++
	mu := o.Momentum
	k := 0
	for g := -1; g < len(o.Groups); g++ {
		ps, lr, wd := group(g, o.Params, or(o.LR, 0.01)*scale, o.WeightDecay, scale, o.Groups)
		for _, p := range ps {
			w, gr, b := raw(p.Value), raw(p.Grad), o.st.bufs[k]
			k++
			for j, gj := range gr {
				gj += wd * w[j]
				if mu != 0 {
					b[j] = mu*b[j] + gj
					if o.Nesterov {
						gj += mu * b[j]
					} else {
						gj = b[j]
					}
				}
				w[j] -= lr * gj
				gr[j] = 0
			}
		}
	}
}

// Steps returns the number of steps taken.
func (o *SGD) Steps() int { return o.st.t }

// MarshalBinary returns the optimizer's state (step count and momentum
// buffers) in a versioned, checksummed binary form. Hyperparameters are
// configuration, not state, and are not included.
func (o *SGD) MarshalBinary() ([]byte, error) { return o.st.marshal("SGD1"), nil }

// UnmarshalBinary restores state written by MarshalBinary, so that the next
// Step continues the run exactly. Set Params and Groups first: the state is
// checked against them. On error (wrapping ErrState) the optimizer is
// unchanged.
func (o *SGD) UnmarshalBinary(data []byte) error {
	return o.st.unmarshal("SGD1", data, 1, o.Params, o.Groups)
}
