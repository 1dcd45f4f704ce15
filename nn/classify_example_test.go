package nn_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
)

// A student whose logits equal the teacher's up to a constant per row has
// nothing left to learn; the gradient pulls a different student towards the
// teacher's softened probabilities.
func ExampleDistillation() {
	var tp autograd.Tape
	teacher := tp.Const(mat.NewDense(2, 3, []float64{4, 1, -2, 0, 3, 0}))
	same := tp.Const(mat.NewDense(2, 3, []float64{14, 11, 8, -5, -2, -5}))
	fmt.Printf("student = teacher + c: %.3f\n", nn.Distillation{}.Loss(&tp, same, teacher).Scalar())

	student := autograd.NewParam(mat.NewDense(2, 3, nil)) // uniform predictions
	loss := nn.Distillation{}.Loss(&tp, student, teacher)
	tp.Backward(loss)
	fmt.Printf("uniform student: loss %.3f, gradient %.3f\n", loss.Scalar(), mat.Formatted(student.Grad, mat.Squeeze()))
	fmt.Printf("cross-entropy of the uniform student: %.3f\n", nn.CrossEntropy(&tp, student, []int{0, 1}).Scalar())
	// Output:
	// student = teacher + c: 0.000
	// uniform student: loss 1.924, gradient ⎡-0.518   0.092  0.426⎤
	// ⎣ 0.179  -0.358  0.179⎦
	// cross-entropy of the uniform student: 1.099
}
