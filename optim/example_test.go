package optim_test

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// Adam minimises (x − 3)², starting from x = 0.
func ExampleAdam() {
	x := autograd.NewParam(mat.NewDense(1, 1, []float64{0}))
	opt := &optim.Adam{Params: []*autograd.Node{x}, LR: 0.1}
	var tp autograd.Tape
	for step := 0; step <= 200; step++ {
		tp.Reset()
		loss := tp.Square(tp.AddScalar(x, -3))
		if step%50 == 0 {
			fmt.Printf("step %3d: x = %.3f, loss = %.3f\n", step, x.Scalar(), loss.Scalar())
		}
		tp.Backward(loss)
		opt.Step()
	}
	// Output:
	// step   0: x = 0.000, loss = 9.000
	// step  50: x = 3.169, loss = 0.029
	// step 100: x = 2.981, loss = 0.000
	// step 150: x = 3.000, loss = 0.000
	// step 200: x = 3.000, loss = 0.000
}

// Groups give log Z its own learning rate; the schedule halves both every
// 100 steps.
func ExampleGroup() {
	w := autograd.NewParam(mat.NewDense(1, 1, []float64{0}))
	logZ := autograd.NewParam(mat.NewDense(1, 1, []float64{0}))
	opt := &optim.SGD{
		Params:   []*autograd.Node{w},
		LR:       1e-3,
		Groups:   []optim.Group{{Params: []*autograd.Node{logZ}, LR: 0.1}},
		Schedule: optim.StepDecay{Gamma: 0.5, Every: 100},
	}
	var tp autograd.Tape
	for step := 0; step < 300; step++ {
		tp.Reset()
		// Both want to reach 2: f = (w − 2)² + (log Z − 2)².
		tp.Backward(tp.Add(tp.Square(tp.AddScalar(w, -2)), tp.Square(tp.AddScalar(logZ, -2))))
		opt.Step()
	}
	// log Z, at the larger rate, has converged; w is still on its way.
	fmt.Printf("w = %.3f, log Z = %.3f\n", w.Scalar(), logZ.Scalar())
	// Output:
	// w = 0.591, log Z = 2.000
}
