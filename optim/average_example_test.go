package optim_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// SGD with noisy gradients of (x − 3)² keeps jumping around its optimum; the
// uniform average of its iterates from t₀ (WAKD) and the EMA sit much closer.
// Over 20 seeded runs, the mean distance to the optimum is printed for each.
// Swap evaluates the average in place and restores the iterate.
func ExampleAverage() {
	var last, avg, exp float64
	for seed := range 20 {
		rng := rand.New(rand.NewPCG(uint64(seed), 2))
		x := autograd.NewParam(mat.NewDense(1, 1, []float64{0}))
		ps := []*autograd.Node{x}
		opt := &optim.SGD{Params: ps, LR: 0.1}
		wakd := &optim.Average{Params: ps, Start: 100} // t₀ = 10% of 1000 steps
		ema := &optim.EMA{Params: ps, Tau: 0.99}
		for range 1000 {
			x.Grad.Set(0, 0, 2*(x.Scalar()-3)+3*rng.NormFloat64()) // a noisy gradient
			opt.Step()
			wakd.Update()
			ema.Update()
		}
		last += math.Abs(x.Scalar()-3) / 20
		wakd.Swap() // x now holds the average of θ_100..θ_1000
		avg += math.Abs(x.Scalar()-3) / 20
		wakd.Swap() // x is the last iterate again
		e := []*autograd.Node{autograd.NewParam(mat.NewDense(1, 1, nil))}
		ema.CopyTo(e)
		exp += math.Abs(e[0].Scalar()-3) / 20
	}
	fmt.Printf("mean |x − 3|: last iterate %.3f, WAKD %.3f, EMA %.3f\n", last, avg, exp)
	// Output:
	// mean |x − 3|: last iterate 0.394, WAKD 0.030, EMA 0.066
}
