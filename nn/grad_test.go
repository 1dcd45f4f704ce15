package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"gonum.org/v1/gonum/mat"
)

// input returns a seeded [r×c] input in [−1, 1) on tp.
func input(tp *autograd.Tape, r, c int, seed uint64) *autograd.Node {
	x := tp.Input(r, c)
	rng := rand.New(rand.NewPCG(seed, 9))
	for i := range x.Value.RawMatrix().Data {
		x.Value.RawMatrix().Data[i] = 2*rng.Float64() - 1
	}
	return x
}

// weightedSum returns Σ w_ij·y_ij with fixed weights: a scalar whose gradient
// exercises every output element differently.
func weightedSum(tp *autograd.Tape, y *autograd.Node) *autograd.Node {
	r, c := y.Dims()
	w := input(tp, r, c, 77)
	return tp.Sum(tp.Mul(y, w))
}

func TestLinearGrad(t *testing.T) {
	l := NewLinear(4, 3, GlorotNormal, rand.New(rand.NewPCG(1, 1)))
	l.B.Value.Set(0, 1, 0.3)
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		return weightedSum(tp, l.Forward(tp, input(tp, 5, 4, 1)))
	}, l.Params()...)
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		return weightedSum(tp, l.ForwardEmbed(tp, []int{0, 2, 3, 3, 1, 0}, 2))
	}, l.Params()...)
}

func TestMLPGrad(t *testing.T) {
	for _, act := range []Activation{ReLU, Tanh, LeakyReLU, Sigmoid} {
		m := NewMLP([]int{3, 5, 4, 2}, act, rand.New(rand.NewPCG(2, uint64(act))))
		// Small non-zero biases keep ReLU pre-activations away from 0.
		for _, l := range m.Layers {
			for j := range l.B.Value.RawMatrix().Data {
				l.B.Value.RawMatrix().Data[j] = 0.05 * float64(j+1)
			}
		}
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			return weightedSum(tp, m.Forward(tp, input(tp, 6, 3, 3)))
		}, m.Params()...)
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			return weightedSum(tp, m.ForwardEmbed(tp, []int{2, 0, 1}, 1))
		}, m.Params()...)
	}
}

func TestHeadsGrad(t *testing.T) {
	h := NewHeads([]int{3, 5, 4}, []int{2, 1, 3}, Tanh, rand.New(rand.NewPCG(4, 4)))
	var outs []*autograd.Node
	loss := func(tp *autograd.Tape, outs []*autograd.Node) *autograd.Node {
		s := weightedSum(tp, outs[0])
		for _, o := range outs[1:] {
			s = tp.Add(s, weightedSum(tp, o))
		}
		return s
	}
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		outs = h.Forward(outs, tp, input(tp, 4, 3, 5))
		return loss(tp, outs)
	}, h.Params()...)
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		outs = h.ForwardEmbed(outs, tp, []int{0, 1, 2, 2, 1, 0}, 2)
		return loss(tp, outs)
	}, h.Params()...)
}

// TestFusedLayersMatchComposition checks that Heads with ReLU, whose layers
// are fused ops (Affine, AffineReLU, EmbedReLU), give, to the bit, the
// values and parameter gradients of the same network written with separate
// operations.
func TestFusedLayersMatchComposition(t *testing.T) {
	h := NewHeads([]int{6, 9, 8}, []int{3, 1}, ReLU, rand.New(rand.NewPCG(6, 6)))
	for _, l := range append(h.Trunk.Layers, h.Heads...) {
		for j := range l.B.Value.RawMatrix().Data {
			l.B.Value.RawMatrix().Data[j] = 0.05 * float64(j%3-1)
		}
	}
	idx := []int{0, 5, 2, 2, 4, 1, 3, 0, 5, 5}
	comp := func(tp *autograd.Tape, embed bool) []*autograd.Node {
		l := h.Trunk.Layers
		var z *autograd.Node
		if embed {
			z = tp.Embed(l[0].W, idx, 2)
		} else {
			z = tp.MatMul(input(tp, 5, 6, 8), l[0].W)
		}
		z = tp.ReLU(tp.Add(z, l[0].B))
		z = tp.ReLU(tp.Add(tp.MatMul(z, l[1].W), l[1].B))
		return []*autograd.Node{tp.Add(tp.MatMul(z, h.Heads[0].W), h.Heads[0].B), tp.Add(tp.MatMul(z, h.Heads[1].W), h.Heads[1].B)}
	}
	fused := func(tp *autograd.Tape, embed bool) []*autograd.Node {
		if embed {
			return h.ForwardEmbed(nil, tp, idx, 2)
		}
		return h.Forward(nil, tp, input(tp, 5, 6, 8))
	}
	run := func(f func(*autograd.Tape, bool) []*autograd.Node, embed bool) []*mat.Dense {
		ZeroGrad(h)
		var tp autograd.Tape
		outs := f(&tp, embed)
		tp.Backward(tp.Add(weightedSum(&tp, outs[0]), weightedSum(&tp, outs[1])))
		res := []*mat.Dense{mat.DenseCopyOf(outs[0].Value), mat.DenseCopyOf(outs[1].Value)}
		for _, p := range h.Params() {
			res = append(res, mat.DenseCopyOf(p.Grad))
		}
		return res
	}
	for _, embed := range []bool{false, true} {
		a, b := run(fused, embed), run(comp, embed)
		for i := range a {
			if !mat.Equal(a[i], b[i]) {
				t.Errorf("embed %v: result %d differs from the composition", embed, i)
			}
		}
	}
}
