package autograd_test

import (
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// ExampleTape computes y = relu(x·W + b) for a batch of two inputs, back-
// propagates the sum of y and prints the parameters' gradients. The first
// hidden unit of the second input is negative, so it passes no gradient.
func ExampleTape() {
	W := autograd.NewParam(mat.NewDense(3, 2, []float64{
		0.5, -1,
		0.25, 1,
		-0.5, 0.5,
	}))
	b := autograd.NewParam(mat.NewDense(1, 2, []float64{0.1, -0.2}))

	var tp autograd.Tape
	x := tp.Input(2, 3) // [batch×features]
	copy(x.Value.RawMatrix().Data, []float64{
		1, 2, 0,
		-1, 0, 3,
	})
	y := tp.ReLU(tp.Add(tp.MatMul(x, W), b)) // b [1×2] is added to every row
	loss := tp.Sum(y)
	tp.Backward(loss)

	fmt.Printf("y =\n%.2f\n", mat.Formatted(y.Value))
	fmt.Printf("loss = %.2f\n", loss.Scalar())
	fmt.Printf("∂loss/∂W =\n%.2f\n", mat.Formatted(W.Grad))
	fmt.Printf("∂loss/∂b = %.2f\n", mat.Formatted(b.Grad))
	// Output:
	// y =
	// ⎡1.10  0.80⎤
	// ⎣0.00  2.30⎦
	// loss = 4.20
	// ∂loss/∂W =
	// ⎡1.00  0.00⎤
	// ⎢2.00  2.00⎥
	// ⎣0.00  3.00⎦
	// ∂loss/∂b = [1.00  2.00]
}

// ExampleTape_LogSoftmax is the policy loss of a GFlowNet step: the negative
// mean log-probability of the actions taken, under a masked log-softmax.
// Action 1 is illegal in the second state: its probability is 0 and it receives
// no gradient.
func ExampleTape_LogSoftmax() {
	logits := autograd.NewParam(mat.NewDense(2, 3, []float64{
		0, 1, 2,
		1, 5, 1,
	}))
	valid := []bool{
		true, true, true,
		true, false, true,
	}
	actions := []int{2, 0}

	var tp autograd.Tape
	logp := tp.LogSoftmax(logits, valid)
	loss := tp.Neg(tp.Mean(tp.Pick(logp, actions)))
	tp.Backward(loss)

	for i := range 2 {
		fmt.Printf("P(·|s%d) = %.3f\n", i, mat.Formatted(tp.Exp(tp.SliceRows(logp, i, i+1)).Value))
	}
	fmt.Printf("loss = %.4f = (−log 0.665 − log 0.5)/2\n", loss.Scalar())
	fmt.Printf("∂loss/∂logits =\n%.3f\n", mat.Formatted(logits.Grad))
	fmt.Println(math.IsInf(logp.Value.At(1, 1), -1))
	// Output:
	// P(·|s0) = [0.090  0.245  0.665]
	// P(·|s1) = [0.500  0.000  0.500]
	// loss = 0.5504 = (−log 0.665 − log 0.5)/2
	// ∂loss/∂logits =
	// ⎡ 0.045   0.122  -0.167⎤
	// ⎣-0.250   0.000   0.250⎦
	// true
}
