package volume

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// renderStep is one forward and backward pass of a batch of rays through the
// Monte Carlo estimator (or, with quad set, the quadrature at the knots):
// densities (a parameter) at m stratified knots per ray, k fresh stratified
// samples, a radiance c(x) = sigmoid(x·W) of the 2-D sample points, squared
// error to a target colour.
type renderStep struct {
	tape        autograd.Tape
	rng         *rand.Rand
	b, m, k     int
	quad        bool
	dens, w     *autograd.Node
	knots, o, d *mat.Dense
	target      *mat.Dense
}

func newRenderStep(b, m, k int, quad bool) *renderStep {
	rng := rand.New(rand.NewPCG(1, 2))
	s := &renderStep{rng: rng, b: b, m: m, k: k, quad: quad,
		dens: randParam(rng, b, m, 0, 5), w: randParam(rng, 2, 3, -1, 1),
		knots: mat.NewDense(b, m, nil), o: mat.NewDense(b, 2, nil), d: mat.NewDense(b, 2, nil),
		target: mat.NewDense(b, 3, nil)}
	Stratified(s.knots, rng) // on [0, 4]
	s.knots.Scale(4, s.knots)
	for r := 0; r < b; r++ {
		s.o.Set(r, 0, -2)
		s.o.Set(r, 1, 2*rng.Float64()-1)
		s.d.Set(r, 0, 1)
		for c := 0; c < 3; c++ {
			s.target.Set(r, c, rng.Float64())
		}
	}
	return s
}

func (s *renderStep) step() float64 {
	tp := &s.tape
	tp.Reset()
	tk, o, d, target := tp.Input(s.b, s.m), tp.Input(s.b, 2), tp.Input(s.b, 2), tp.Input(s.b, 3)
	tk.Value.Copy(s.knots)
	o.Value.Copy(s.o)
	d.Value.Copy(s.d)
	target.Value.Copy(s.target)
	sigma := s.dens
	var c *autograd.Node
	if s.quad {
		rad := tp.Sigmoid(tp.MatMul(Points(tp, tk, o, d), s.w))
		c = Quadrature(tp, tk, sigma, rad, 4, nil)
	} else {
		u := tp.Input(s.b, s.k)
		Stratified(u.Value, s.rng)
		z := Sample(tp, Linear, tk, sigma, u)
		c = Estimate(tp, Linear, tk, sigma, tp.Sigmoid(tp.MatMul(Points(tp, z, o, d), s.w)), nil)
	}
	loss := tp.Mean(tp.SquaredError(c, target))
	tp.Backward(loss)
	autograd.ZeroGrad(s.dens, s.w)
	return loss.Scalar()
}

func TestRenderStepNoAllocs(t *testing.T) {
	for _, quad := range []bool{false, true} {
		s := newRenderStep(32, 16, 4, quad)
		s.step()
		if n := testing.AllocsPerRun(20, func() { s.step() }); n != 0 {
			t.Errorf("quadrature %v: %v allocations per step, want 0", quad, n)
		}
	}
}

// BenchmarkRender measures a forward and backward pass of 1,024 rays with 64
// knots: the Monte Carlo estimator with k samples (sampling, opacity,
// estimate), and the quadrature at the 64 knots as the baseline.
func BenchmarkRender(b *testing.B) {
	for _, k := range []int{8, 64} {
		b.Run(fmt.Sprintf("rvs/rays=1024,knots=64,k=%d", k), func(b *testing.B) {
			benchRender(b, newRenderStep(1024, 64, k, false))
		})
	}
	b.Run("quadrature/rays=1024,knots=64", func(b *testing.B) {
		benchRender(b, newRenderStep(1024, 64, 0, true))
	})
}

func benchRender(b *testing.B, s *renderStep) {
	s.step()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.step()
	}
}
