package optim

import (
	"encoding"
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
)

// Adam is the Adam optimizer (Kingma and Ba 2015, arXiv 1412.6980, Algorithm 1)
// with optional decoupled weight decay, which makes it AdamW (Loshchilov and
// Hutter 2019, arXiv 1711.05101): there is one type, and WeightDecay ≠ 0 is
// AdamW. (Coupled L2 regularisation, Adam's original form of weight decay, is
// a penalty term added to the loss.) At step t, for each element w with
// gradient g and learning rate η (scheduled):
//
//	w ← (1 − η·λ)·w                     (decoupled decay, λ = WeightDecay)
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
//	w ← w − η·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
//
// This is PyTorch's torch.optim.AdamW update. Moment buffers are allocated on
// the first Step; later Steps allocate nothing. On amd64 the update runs as
// AVX-512 or AVX2 assembly; every operation is rounded separately, with no
// fused multiply-add, so results are bit-identical on every CPU and
// architecture.
type Adam struct {
	Params       []*autograd.Node
	LR           float64  // learning rate of Params; 0 means 1e-3
	Beta1, Beta2 float64  // moment decay rates; 0 means 0.9 and 0.999
	Eps          float64  // denominator offset; 0 means 1e-8
	WeightDecay  float64  // decoupled weight decay of Params (AdamW); 0 means none
	Groups       []Group  // further parameters with their own LR and decay; nil means none
	Schedule     Schedule // learning-rate factor per step; nil means constant

	st state // step count; buffers m₀, v₀, m₁, v₁, … per parameter
}

var (
	_ Optimizer                  = (*Adam)(nil)
	_ encoding.BinaryMarshaler   = (*Adam)(nil)
	_ encoding.BinaryUnmarshaler = (*Adam)(nil)
)

// Step applies one Adam update to every parameter (Params, then each Group's)
// and zeroes their gradients.
//
// It panics if the parameters' number or shapes have changed since the first
// Step or the last UnmarshalBinary.
func (o *Adam) Step() {
	o.st.ensure(2, o.Params, o.Groups)
	scale := 1.0
	if o.Schedule != nil {
		scale = o.Schedule.Scale(o.st.t)
	}
	b1, b2, eps := or(o.Beta1, 0.9), or(o.Beta2, 0.999), or(o.Eps, 1e-8)
	o.st.t++
	c1 := 1 - math.Pow(b1, float64(o.st.t))
	c2 := 1 - math.Pow(b2, float64(o.st.t))
	ob1, ob2, ic2 := 1-b1, 1-b2, 1/c2
	k := 0
	for g := -1; g < len(o.Groups); g++ {
		ps, lr, wd := group(g, o.Params, or(o.LR, 1e-3)*scale, o.WeightDecay, scale, o.Groups)
		step, decay := lr/c1, 1-lr*wd
		for _, p := range ps {
			adamUpdate(raw(p.Value), raw(p.Grad), o.st.bufs[k], o.st.bufs[k+1], b1, ob1, b2, ob2, ic2, step, decay, eps)
			k += 2
		}
	}
}

// adamFunc is the signature of the Adam kernels: adamGo and, on amd64, the
// assembly kernels.
type adamFunc func(w, g, m, v []float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64)

// adamGo is the portable Adam kernel. For j < len(g) it sets
//
//	m[j] ← b1·m[j] + ob1·g[j]
//	v[j] ← b2·v[j] + ob2·g[j]·g[j]
//	w[j] ← w[j]·decay − step·m[j] / (√(v[j]·ic2) + eps)
//	g[j] ← 0
//
// rounding after every operation, in this order. The explicit float64
// conversions forbid the compiler to fuse a multiply and an add (the Go spec
// allows it, and arm64 or GOAMD64=v3 builds do it), so the result is the same
// on every platform and bit-identical to the assembly kernels, which use
// separate, correctly rounded vector instructions.
//
// It panics if w, m or v is shorter than g.
func adamGo(w, g, m, v []float64, b1, ob1, b2, ob2, ic2, step, decay, eps float64) {
	checkAdamLens(w, g, m, v)
	w, m, v = w[:len(g)], m[:len(g)], v[:len(g)]
	for j, gj := range g {
		mj := float64(b1*m[j]) + float64(ob1*gj)
		vj := float64(b2*v[j]) + float64(float64(ob2*gj)*gj)
		m[j], v[j] = mj, vj
		w[j] = float64(w[j]*decay) - float64(step*mj)/(math.Sqrt(float64(vj*ic2))+eps)
		g[j] = 0
	}
}

// checkAdamLens panics if w, m or v is shorter than g.
func checkAdamLens(w, g, m, v []float64) {
	if len(w) < len(g) || len(m) < len(g) || len(v) < len(g) {
		panic(fmt.Sprintf("optim: Adam kernel with %d gradients but %d weights, %d and %d moments", len(g), len(w), len(m), len(v)))
	}
}

// Steps returns the number of steps taken.
func (o *Adam) Steps() int { return o.st.t }

// MarshalBinary returns the optimizer's state (step count and moment
// buffers) in a versioned, checksummed binary form. Hyperparameters are
// configuration, not state, and are not included.
func (o *Adam) MarshalBinary() ([]byte, error) { return o.st.marshal("ADAM"), nil }

// UnmarshalBinary restores state written by MarshalBinary, so that the next
// Step continues the run exactly. Set Params and Groups first: the state is
// checked against them. On error (wrapping ErrState) the optimizer is
// unchanged.
func (o *Adam) UnmarshalBinary(data []byte) error {
	return o.st.unmarshal("ADAM", data, 2, o.Params, o.Groups)
}

// or returns v, or def when v is zero.
func or(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
