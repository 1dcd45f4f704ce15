package optim_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

// benchStep times one optimizer step on the parameters of the reference MLP
// 64 → 256 → 256 → 5 (83,205 parameters) with non-zero gradients.
func benchStep(b *testing.B, mk func(m *nn.MLP) optim.Optimizer) {
	m := nn.NewMLP([]int{64, 256, 256, 5}, nn.ReLU, rand.New(rand.NewPCG(1, 1)))
	opt := mk(m)
	fill := func() {
		for _, p := range m.Params() {
			for i := range p.Grad.RawMatrix().Data {
				p.Grad.RawMatrix().Data[i] = 1e-3 * float64(i%7-3)
			}
		}
	}
	fill()
	opt.Step() // sizes the buffers
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		opt.Step()
	}
}

func BenchmarkAdamStep(b *testing.B) {
	benchStep(b, func(m *nn.MLP) optim.Optimizer { return &optim.Adam{Params: m.Params()} })
}

func BenchmarkAdamWStep(b *testing.B) {
	benchStep(b, func(m *nn.MLP) optim.Optimizer { return &optim.Adam{Params: m.Params(), WeightDecay: 1e-4} })
}

func BenchmarkSGDMomentumStep(b *testing.B) {
	benchStep(b, func(m *nn.MLP) optim.Optimizer { return &optim.SGD{Params: m.Params(), Momentum: 0.9} })
}
