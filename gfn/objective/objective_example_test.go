package objective_test

import (
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"gonum.org/v1/gonum/mat"
)

// ExampleTB computes the trajectory balance loss of two hand-made trajectories
// of an environment with an exit action, and its gradient with respect to
// log Z.
func ExampleTB() {
	// Trajectory 0: s₀ → s₁ → exit, with R(s₁) = 2; trajectory 1: s₀ → exit,
	// with R(s₀) = 1. States are one integer: its depth.
	b := &gfn.Batch{
		StateDim:  1,
		N:         2,
		Len:       []int{2, 1},
		Offset:    []int{0, 2, 3},
		LogReward: []float64{math.Log(2), math.Log(1)},
		Actions:   []int{0, 1, 1}, // 1 is exit
		Back:      []int{0, -1, -1},
		Exit:      []bool{false, true, true},
		Traj:      []int{0, 0, 1},
		States:    []int{0, 1, 1, 0, 0},
	}
	var t autograd.Tape
	col := func(v ...float64) *autograd.Node { return t.Const(mat.NewDense(len(v), 1, v)) }
	s := &gfn.Scores{
		LogPF: col(math.Log(0.5), math.Log(0.8), math.Log(0.5)),
		LogPB: col(0, 0, 0), // s₁ has one parent, and P_B = 1 on exit edges
	}
	tb := objective.NewTB()
	tb.LogZ.Value.Set(0, 0, math.Log(3))
	loss := tb.Loss(&t, b, s)
	t.Backward(loss)
	// Residuals: log 3 + log 0.5 + log 0.8 − log 2 = log 0.6 and
	// log 3 + log 0.5 − log 1 = log 1.5.
	fmt.Printf("loss = %.4f\n", loss.Scalar())
	fmt.Printf("∂loss/∂log Z = %.4f\n", tb.LogZ.Grad.At(0, 0))
	// Output:
	// loss = 0.2127
	// ∂loss/∂log Z = -0.1054
}
