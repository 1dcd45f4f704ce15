package autogradtest_test

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"gonum.org/v1/gonum/mat"
)

// MaxRelError accepts a correct gradient and exposes a wrong one: through
// StopGrad, Backward sees x ⊙ StopGrad(x) as linear in x while its value is
// quadratic, so the finite difference is twice the gradient.
func ExampleMaxRelError() {
	x := autograd.NewParam(mat.NewDense(1, 3, []float64{0.5, -2, 3}))
	right := func(tp *autograd.Tape) *autograd.Node { return tp.Sum(tp.Mul(x, x)) }
	wrong := func(tp *autograd.Tape) *autograd.Node { return tp.Sum(tp.Mul(x, tp.StopGrad(x))) }

	fmt.Println(autogradtest.MaxRelError(right, x) < autogradtest.Tol)
	fmt.Printf("%.2f\n", autogradtest.MaxRelError(wrong, x))
	// Output:
	// true
	// 0.50
}
