package volume

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"gonum.org/v1/gonum/mat"
)

// param returns a parameter [r×c] filled from vals, or by gen when vals is nil.
func param(r, c int, vals []float64) *autograd.Node {
	return autograd.NewParam(mat.NewDense(r, c, append([]float64(nil), vals...)))
}

// randParam returns a parameter [r×c] with elements lo + (hi−lo)·U.
func randParam(rng *rand.Rand, r, c int, lo, hi float64) *autograd.Node {
	v := make([]float64, r*c)
	for i := range v {
		v[i] = lo + (hi-lo)*rng.Float64()
	}
	return param(r, c, v)
}

// constant returns a tape input [r×c] holding vals.
func constant(tp *autograd.Tape, r, c int, vals []float64) *autograd.Node {
	n := tp.Input(r, c)
	copy(n.Value.RawMatrix().Data, vals)
	return n
}

// weighted returns Σ w_ij·y_ij with fixed weights in [−1, 1): a scalar whose
// gradient reaches every element of y differently.
func weighted(tp *autograd.Tape, y *autograd.Node) *autograd.Node {
	r, c := y.Dims()
	rng := rand.New(rand.NewPCG(77, 7))
	w := tp.Input(r, c)
	for i := range w.Value.RawMatrix().Data {
		w.Value.RawMatrix().Data[i] = 2*rng.Float64() - 1
	}
	return tp.Sum(tp.Mul(y, w))
}

// sortedKnots returns a parameter [b×m] of knots on [0, 1] in increasing
// order, at least gap apart, so that finite differences keep them ordered.
func sortedKnots(rng *rand.Rand, b, m int, gap float64) *autograd.Node {
	v := make([]float64, b*m)
	for r := 0; r < b; r++ {
		x := 0.1 * rng.Float64()
		for j := 0; j < m; j++ {
			v[r*m+j] = x
			x += gap + rng.Float64()*0.3
		}
	}
	return param(b, m, v)
}

// uniforms returns a tape input [b×k] holding vals, or random uniforms.
func uniforms(tp *autograd.Tape, b, k int, vals []float64) *autograd.Node {
	u := tp.Input(b, k)
	if vals != nil {
		copy(u.Value.RawMatrix().Data, vals)
		return u
	}
	Uniform(u.Value, rand.New(rand.NewPCG(5, 5)))
	return u
}

func TestSampleGrad(t *testing.T) {
	for _, p := range []Interp{Linear, Constant} {
		t.Run(p.String(), func(t *testing.T) { testSampleGrad(t, p) })
	}
}

func testSampleGrad(t *testing.T, p Interp) {
	rng := rand.New(rand.NewPCG(1, uint64(p)))
	const b, m, k = 3, 6, 5
	knots, raws := sortedKnots(rng, b, m, 0.05), randParam(rng, b, m, -1, 2)
	tiny, wall := randParam(rng, b, m, -26, -24), randParam(rng, b, m, 2.5, 3.5)
	softplus := func(tp *autograd.Tape) *autograd.Node { return tp.Softplus(raws) }
	given := func(tp *autograd.Tape) *autograd.Node { return knots }
	for _, c := range []struct {
		name   string
		knots  func(*autograd.Tape) *autograd.Node
		dens   func(*autograd.Tape) *autograd.Node
		u      []float64 // nil: random
		params []*autograd.Node
	}{
		{"generic", given, softplus, nil, []*autograd.Node{knots, raws}},
		// Bins of zero density: a mask zeroes some knot values exactly.
		{"zero-density bins", given, func(tp *autograd.Tape) *autograd.Node {
			mask := []float64{1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1}
			return tp.Mul(tp.Softplus(raws), constant(tp, b, m, mask))
		}, nil, []*autograd.Node{knots, raws}},
		// A ray with almost no opacity: I_f ≈ 10⁻¹¹, y ≈ u·I_f.
		{"tiny opacity", given, func(tp *autograd.Tape) *autograd.Node { return tp.Exp(tiny) },
			nil, []*autograd.Node{knots, tiny}},
		// An opaque ray (I_f ≈ 25) with u near 1.
		{"opaque", given, func(tp *autograd.Tape) *autograd.Node { return tp.Scale(10, tp.Exp(wall)) },
			[]float64{0.999999, 0.5, 1e-9, 0.9999999999, 0.3, 1 - 1e-12, 0.7, 0.99, 0.1, 0.9, 0.2, 0.95, 0.999, 1e-6, 0.6},
			[]*autograd.Node{knots, wall}},
		// u at 0 and 1: the samples sit at t₀ and tₘ₋₁ whatever the density.
		{"u at 0 and 1", given, softplus,
			[]float64{0, 1, 0.5, 0, 1, 0.25, 1, 0, 0.75, 0, 1, 0.1, 0, 1, 0.9}, []*autograd.Node{knots, raws}},
		// Knots that coincide: bins of zero width (constant knots, since finite
		// differences would move them past each other).
		{"coinciding knots", func(tp *autograd.Tape) *autograd.Node {
			co := []float64{0, 0.2, 0.2, 0.5, 0.5, 0.9, 0.1, 0.1, 0.1, 0.4, 0.7, 0.7, 0, 0, 0.3, 0.6, 0.8, 1}
			return constant(tp, b, m, co)
		}, softplus, nil, []*autograd.Node{raws}},
	} {
		t.Run(c.name, func(t *testing.T) {
			autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
				return weighted(tp, Sample(tp, p, c.knots(tp), c.dens(tp), uniforms(tp, b, k, c.u)))
			}, c.params...)
		})
	}
}

func TestDepthGrad(t *testing.T) {
	ops := map[string]func(*autograd.Tape, Interp, *autograd.Node, *autograd.Node) *autograd.Node{
		"Depth": Depth, "Opacity": Opacity, "Transmittance": Transmittance,
	}
	for name, op := range ops {
		for _, p := range []Interp{Linear, Constant} {
			t.Run(name+"/"+p.String(), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(2, uint64(p)))
				knots, raws := sortedKnots(rng, 3, 5, 0.05), randParam(rng, 3, 5, -1, 2)
				autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
					return weighted(tp, op(tp, p, knots, tp.Softplus(raws)))
				}, knots, raws)
				mask := []float64{0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0}
				co := []float64{0, 0, 0.2, 0.2, 0.5, 0.1, 0.3, 0.3, 0.3, 0.9, 0, 0.5, 0.5, 1, 1}
				autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
					s := tp.Mul(tp.Softplus(raws), constant(tp, 3, 5, mask))
					return weighted(tp, op(tp, p, constant(tp, 3, 5, co), s))
				}, raws)
			})
		}
	}
}

func TestEstimateGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const b, m, k, d = 3, 5, 4, 2
	knots, raws := sortedKnots(rng, b, m, 0.05), randParam(rng, b, m, -1, 1)
	c, bg := randParam(rng, b*k, d, -1, 1), randParam(rng, 1, d, 0, 1)
	for _, p := range []Interp{Linear, Constant} {
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			return weighted(tp, Estimate(tp, p, knots, tp.Softplus(raws), c, bg))
		}, knots, raws, c, bg)
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			return weighted(tp, Estimate(tp, p, knots, tp.Softplus(raws), c, nil))
		}, knots, raws, c)
	}
}

func TestQuadratureGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const b, n, d = 3, 5, 3
	knots, raws := sortedKnots(rng, b, n, 0.05), randParam(rng, b*n, 1, -1, 2)
	c, bg := randParam(rng, b*n, d, 0, 1), randParam(rng, 1, d, 0, 1)
	mask := []float64{1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0}
	for _, far := range []float64{3, math.Inf(1)} {
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			return weighted(tp, Quadrature(tp, knots, tp.Softplus(raws), c, far, bg))
		}, knots, raws, c, bg)
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			s := tp.Mul(tp.Softplus(raws), constant(tp, b*n, 1, mask))
			return weighted(tp, Quadrature(tp, knots, s, c, far, nil))
		}, knots, raws, c)
	}
}

func TestEncodeGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	z, o, d := randParam(rng, 3, 4, 0, 2), randParam(rng, 3, 2, -1, 1), randParam(rng, 3, 2, -1, 1)
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		return weighted(tp, PosEnc(tp, Points(tp, z, o, d), 3))
	}, z, o, d)
}

// TestRVSPipelineGrad checks the two uses of the paper end to end: the Monte
// Carlo estimator with radiance evaluated at the samples, and the
// hierarchical scheme's quadrature over samples drawn from a proposal.
func TestRVSPipelineGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	const b, m, k = 2, 6, 4
	knots := tapeKnots(b, m)
	raws := randParam(rng, b, m, -1, 2)
	w := randParam(rng, 6, 3, -1, 1) // radiance: PosEnc (L = 1) of 2-D points, 6 wide → 3 channels
	o, d := []float64{0, -2, 0.5, -2}, []float64{0, 1, -0.2, 1}
	radiance := func(tp *autograd.Tape, z *autograd.Node) *autograd.Node {
		x := Points(tp, z, constant(tp, b, 2, o), constant(tp, b, 2, d))
		return tp.Sigmoid(tp.MatMul(PosEnc(tp, x, 1), w))
	}
	for _, p := range []Interp{Linear, Constant} {
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			tk, s := knots(tp), tp.Softplus(raws)
			z := Sample(tp, p, tk, s, uniforms(tp, b, k, nil))
			return weighted(tp, Estimate(tp, p, tk, s, radiance(tp, z), nil))
		}, raws, w)
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			tk, s := knots(tp), tp.Softplus(raws)
			u := tp.Input(b, k)
			Stratified(u.Value, rand.New(rand.NewPCG(1, 1)))
			z := Sample(tp, p, tk, s, u)
			fine := tp.Softplus(tp.SliceCols(tp.MatMul(PosEnc(tp, Points(tp, z, constant(tp, b, 2, o), constant(tp, b, 2, d)), 1), w), 0, 1))
			return weighted(tp, Quadrature(tp, z, fine, radiance(tp, z), 4, nil))
		}, raws, w)
	}
}

// tapeKnots returns a function that puts b rows of m evenly spaced knots on
// [0, 4] on a tape.
func tapeKnots(b, m int) func(*autograd.Tape) *autograd.Node {
	v := make([]float64, b*m)
	for r := 0; r < b; r++ {
		for j := 0; j < m; j++ {
			v[r*m+j] = 4 * float64(j) / float64(m-1)
		}
	}
	return func(tp *autograd.Tape) *autograd.Node { return constant(tp, b, m, v) }
}
