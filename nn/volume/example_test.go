package volume_test

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn/volume"
	"gonum.org/v1/gonum/mat"
)

// One ray through a slab of density 4 on [0.5, 0.75] (piecewise constant:
// each bin holds its left knot's value). Four stratified samples land inside
// the slab, and the gradient of their mean depth says how the densities move
// them: more density in front of the slab, or in it, would pull them nearer,
// and more behind it would push them further.
func ExampleSample() {
	knots := mat.NewDense(1, 5, []float64{0, 0.25, 0.5, 0.75, 1})
	dens := autograd.NewParam(mat.NewDense(1, 5, []float64{0, 0, 4, 0, 0}))

	var tp autograd.Tape
	u := tp.Input(1, 4)
	volume.Stratified(u.Value, nil) // midpoints 1/8, 3/8, 5/8, 7/8
	z := volume.Sample(&tp, volume.Constant, tp.Const(knots), dens, u)
	tp.Backward(tp.Mean(z))

	fmt.Printf("samples  %.3f\n", z.Value.RawRowView(0))
	fmt.Printf("∂mean/∂s %.3f\n", dens.Grad.RawRowView(0))
	// Output:
	// samples  [0.521 0.568 0.626 0.701]
	// ∂mean/∂s [-0.042 -0.042 -0.005 0.021 0.000]
}

// The Monte Carlo estimate of a ray's colour with the radiance evaluated at
// two samples, next to the quadrature with the radiance at all knots.
func ExampleEstimate() {
	var tp autograd.Tape
	knots := tp.Const(mat.NewDense(1, 5, []float64{0, 0.25, 0.5, 0.75, 1}))
	dens := tp.Const(mat.NewDense(1, 5, []float64{0, 2, 6, 2, 0}))
	radiance := func(z *autograd.Node) *autograd.Node { // fading with depth
		_, k := z.Dims()
		c := tp.Input(k, 1)
		for i := 0; i < k; i++ {
			c.Value.Set(i, 0, 1-z.Value.At(0, i))
		}
		return c
	}
	u := tp.Input(1, 2)
	volume.Stratified(u.Value, nil)
	z := volume.Sample(&tp, volume.Linear, knots, dens, u)
	mc := volume.Estimate(&tp, volume.Linear, knots, dens, radiance(z), nil)
	quad := volume.Quadrature(&tp, knots, dens, radiance(knots), 1, nil)
	fmt.Printf("Monte Carlo, 2 samples: %.3f\n", mc.Scalar())
	fmt.Printf("quadrature, 5 points:   %.3f\n", quad.Scalar())
	// Output:
	// Monte Carlo, 2 samples: 0.578
	// quadrature, 5 points:   0.544
}
