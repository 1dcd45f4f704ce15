package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/nn/volume"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// rvsStep is one training step of the Monte Carlo estimator of
// reparameterized volume sampling on 1,024 straight rays of a 2-D scene:
// densities (free parameters, through softplus) at 64 stratified knots per
// ray, k stratified samples, a radiance MLP on the positional encoding of the
// sample points (L = 4, 18 → 32 → 3), squared error to a target colour, Adam.
type rvsStep struct {
	tape      autograd.Tape
	rng       *rand.Rand
	k         int
	raw       *autograd.Node // [1024×64] densities before softplus
	net       *nn.MLP
	opt       *optim.Adam
	o, d, tgt *mat.Dense
}

func newRVSStep(k int) *rvsStep {
	const rays, knots = 1024, 64
	rng := rand.New(rand.NewPCG(3, 3))
	s := &rvsStep{rng: rng, k: k, raw: autograd.NewParam(mat.NewDense(rays, knots, nil)),
		net: nn.NewMLP([]int{18, 32, 3}, nn.ReLU, rng),
		o:   mat.NewDense(rays, 2, nil), d: mat.NewDense(rays, 2, nil), tgt: mat.NewDense(rays, 3, nil)}
	for i, raw := 0, s.raw.Value.RawMatrix().Data; i < len(raw); i++ {
		raw[i] = 4*rng.Float64() - 2
	}
	for r := 0; r < rays; r++ {
		s.o.Set(r, 0, -2)
		s.o.Set(r, 1, 2*rng.Float64()-1)
		s.d.Set(r, 0, 1)
		s.tgt.Set(r, r%3, 1)
	}
	s.opt = &optim.Adam{Params: append(s.net.Params(), s.raw)}
	return s
}

func (s *rvsStep) step() {
	tp := &s.tape
	tp.Reset()
	rays, knots := s.raw.Dims()
	t, u := tp.Input(rays, knots), tp.Input(rays, s.k)
	volume.Stratified(t.Value, s.rng)
	for i, v := range t.Value.RawMatrix().Data {
		t.Value.RawMatrix().Data[i] = 4 * v // depths on [0, 4], across the unit disc
	}
	volume.Stratified(u.Value, s.rng)
	sigma := tp.Softplus(s.raw)
	z := volume.Sample(tp, volume.Linear, t, sigma, u)
	x := volume.Points(tp, z, tp.Const(s.o), tp.Const(s.d))
	c := tp.Sigmoid(s.net.Forward(tp, volume.PosEnc(tp, x, 4)))
	tp.Backward(tp.Mean(tp.SquaredError(volume.Estimate(tp, volume.Linear, t, sigma, c, nil), tp.Const(s.tgt))))
	s.opt.Step()
}

// BenchmarkRVSStep/k=K is one training step of the Monte Carlo estimator on
// 1,024 rays with 64 knots and K radiance samples per ray.
func BenchmarkRVSStep(b *testing.B) {
	for _, k := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("k=%d", k), func(b *testing.B) {
			s := newRVSStep(k)
			s.step()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.step()
			}
		})
	}
}
