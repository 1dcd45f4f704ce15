package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"
)

// mlpSizes is the MLP of the issue: 64 → 256 → 256 → 5 with ReLU.
var mlpSizes = []int{64, 256, 256, 5}

var batches = []int{16, 64, 256, 1024}

// mlpData returns a seeded input batch [B×64] and regression target [B×5].
func mlpData(batch int) (x, y *mat.Dense) {
	rng := rand.New(rand.NewPCG(7, 7))
	x = mat.NewDense(batch, mlpSizes[0], nil)
	y = mat.NewDense(batch, mlpSizes[len(mlpSizes)-1], nil)
	for _, m := range []*mat.Dense{x, y} {
		d := m.RawMatrix().Data
		for i := range d {
			d[i] = rng.NormFloat64()
		}
	}
	return x, y
}

// mlpStep is one training step through the toolkit: forward, mean squared
// error, backward, Adam.
type mlpStep struct {
	tape autograd.Tape
	net  *nn.MLP
	opt  *optim.Adam
	x, y *mat.Dense
}

func newMLPStep(batch int) *mlpStep {
	net := nn.NewMLP(mlpSizes, nn.ReLU, rand.New(rand.NewPCG(1, 1)))
	x, y := mlpData(batch)
	return &mlpStep{net: net, opt: &optim.Adam{Params: net.Params(), LR: 1e-3}, x: x, y: y}
}

func (s *mlpStep) step() float64 {
	t := &s.tape
	t.Reset()
	x, y := t.Const(s.x), t.Const(s.y)
	loss := t.Mean(t.SquaredError(s.net.Forward(t, x), y))
	t.Backward(loss)
	s.opt.Step()
	return loss.Scalar()
}

func BenchmarkMLPStep(b *testing.B) {
	for _, batch := range batches {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := newMLPStep(batch)
			s.step() // size the arena and the optimizer state
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for i := 0; i < b.N; i++ {
				s.step()
			}
			reportCPU(b, cpu0)
		})
	}
}

// gonumStep is the same step written by hand on gonum's BLAS: Dgemm for the
// products, a hand-derived backward, the same Adam update, preallocated buffers.
type gonumStep struct {
	impl  gonum.Implementation
	batch int
	x, y  []float64
	w, bs [][]float64 // weights [in×out] and biases [out] per layer
	gw    [][]float64 // weight gradients
	gb    [][]float64 // bias gradients
	h     [][]float64 // h[0] = x, h[l+1] = activation output of layer l (pre-activation for the last)
	g     [][]float64 // gradient with respect to h[l+1]
	adam  adamState
}

type adamState struct {
	t    int
	m, v [][]float64
}

func newGonumStep(batch int) *gonumStep {
	// Same initial weights as the toolkit's MLP: copy them out of one.
	net := nn.NewMLP(mlpSizes, nn.ReLU, rand.New(rand.NewPCG(1, 1)))
	x, y := mlpData(batch)
	s := &gonumStep{batch: batch, x: x.RawMatrix().Data, y: y.RawMatrix().Data}
	s.h = append(s.h, s.x)
	for l, layer := range net.Layers {
		in, out := mlpSizes[l], mlpSizes[l+1]
		s.w = append(s.w, append([]float64(nil), layer.W.Value.RawMatrix().Data...))
		s.bs = append(s.bs, append([]float64(nil), layer.B.Value.RawMatrix().Data...))
		s.gw = append(s.gw, make([]float64, in*out))
		s.gb = append(s.gb, make([]float64, out))
		s.h = append(s.h, make([]float64, batch*out))
		s.g = append(s.g, make([]float64, batch*out))
	}
	for _, p := range append(append([][]float64{}, s.w...), s.bs...) {
		s.adam.m = append(s.adam.m, make([]float64, len(p)))
		s.adam.v = append(s.adam.v, make([]float64, len(p)))
	}
	return s
}

func (s *gonumStep) step() float64 {
	B, L := s.batch, len(s.w)
	// Forward: h[l+1] = act(h[l]·W + b).
	for l := 0; l < L; l++ {
		in, out := mlpSizes[l], mlpSizes[l+1]
		z := s.h[l+1]
		for i := 0; i < B; i++ {
			copy(z[i*out:i*out+out], s.bs[l])
		}
		s.impl.Dgemm(blas.NoTrans, blas.NoTrans, B, out, in, 1, s.h[l], in, s.w[l], out, 1, z, out)
		if l < L-1 {
			for i, v := range z {
				z[i] = max(v, 0)
			}
		}
	}
	// Loss: mean squared error, and its gradient.
	pred, gout := s.h[L], s.g[L-1]
	var loss float64
	scale := 2 / float64(len(pred))
	for i, p := range pred {
		r := p - s.y[i]
		loss += r * r
		gout[i] = scale * r
	}
	loss /= float64(len(pred))
	// Backward.
	for l := L - 1; l >= 0; l-- {
		in, out := mlpSizes[l], mlpSizes[l+1]
		g := s.g[l]
		if l < L-1 { // through the ReLU
			for i, hv := range s.h[l+1] {
				if hv <= 0 {
					g[i] = 0
				}
			}
		}
		s.impl.Dgemm(blas.Trans, blas.NoTrans, in, out, B, 1, s.h[l], in, g, out, 0, s.gw[l], out)
		gb := s.gb[l]
		clear(gb)
		for i := 0; i < B; i++ {
			for j, v := range g[i*out : i*out+out] {
				gb[j] += v
			}
		}
		if l > 0 {
			s.impl.Dgemm(blas.NoTrans, blas.Trans, B, in, out, 1, g, out, s.w[l], out, 0, s.g[l-1], in)
		}
	}
	// Adam, as optim.Adam computes it.
	s.adam.t++
	const lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
	c1 := 1 - math.Pow(b1, float64(s.adam.t))
	c2 := 1 - math.Pow(b2, float64(s.adam.t))
	for i := 0; i < 2*L; i++ {
		var w, g []float64
		if i < L {
			w, g = s.w[i], s.gw[i]
		} else {
			w, g = s.bs[i-L], s.gb[i-L]
		}
		m, v := s.adam.m[i], s.adam.v[i]
		for j, gj := range g {
			m[j] = b1*m[j] + (1-b1)*gj
			v[j] = b2*v[j] + (1-b2)*gj*gj
			w[j] -= lr / c1 * m[j] / (math.Sqrt(v[j]/c2) + eps)
		}
	}
	return loss
}

func BenchmarkGonumBaseline(b *testing.B) {
	for _, batch := range batches {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := newGonumStep(batch)
			s.step()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.step()
			}
		})
	}
}

// TestBaselineMatchesToolkit checks that the two benchmarks do the same work:
// from the same weights, ten steps give the same losses.
func TestBaselineMatchesToolkit(t *testing.T) {
	for _, batch := range []int{16, 64} {
		a, g := newMLPStep(batch), newGonumStep(batch)
		for i := 0; i < 10; i++ {
			la, lg := a.step(), g.step()
			if math.Abs(la-lg) > 1e-9*math.Max(1, math.Abs(lg)) {
				t.Fatalf("batch %d step %d: toolkit loss %.15g, gonum baseline %.15g", batch, i, la, lg)
			}
		}
	}
}
