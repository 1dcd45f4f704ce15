package onpolicy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/internal/testenv"
)

// TestWorkersGradient checks that an iteration split among workers leaves
// exactly the loss and gradient that one tape computes on the joined batch.
func TestWorkersGradient(t *testing.T) {
	env := testenv.Line{N: 5} // a small exit env
	for _, c := range []struct {
		name string
		obj  func() gfn.Objective
		pc   policy.Config
	}{
		{"TB", func() gfn.Objective { return objective.NewTB() }, policy.Config{Hidden: []int{8}}},
		{"TB/tied", func() gfn.Objective { return objective.NewTB() }, policy.Config{Hidden: []int{8}, PB: policy.TiedPB}},
		{"DB", func() gfn.Objective { return &objective.DB{} }, policy.Config{Hidden: []int{8}}},
		{"ModifiedDB", func() gfn.Objective { return &objective.ModifiedDB{} }, policy.Config{Hidden: []int{8}}},
		{"SubTB", func() gfn.Objective { return &objective.SubTB{} }, policy.Config{Hidden: []int{8, 8}, PB: policy.SeparatePB}},
	} {
		for _, workers := range []int{2, 3} {
			a := &Algorithm{Objective: c.obj(), Policy: c.pc, Trajectories: 7, Workers: workers}
			rng := rand.New(rand.NewPCG(5, 5))
			if err := a.Init(env, rng); err != nil {
				t.Fatal(err)
			}
			if len(a.workers) != workers {
				t.Fatalf("%s: %d workers, want %d", c.name, len(a.workers), workers)
			}
			// Move log Z away from 0 so that TB's gradient is not symmetric.
			for _, p := range a.Objective.Params() {
				p.Value.Set(0, 0, 0.7)
			}
			var b gfn.Batch
			loss, err := a.stepWorkers(&b, rng)
			if err != nil {
				t.Fatal(err)
			}
			got := grads(a.params)
			if b.N != 7 {
				t.Fatalf("%s: joined batch has %d trajectories", c.name, b.N)
			}
			autograd.ZeroGrad(a.params...)
			var tape autograd.Tape
			var sc gfn.Scores
			want := a.Objective.Loss(&tape, &b, a.pol.Score(&sc, &tape, &b))
			tape.Backward(want)
			if d := math.Abs(loss - want.Scalar()); d > 1e-12*math.Max(1, math.Abs(loss)) || loss == 0 {
				t.Errorf("%s, %d workers: loss %v, joined batch %v", c.name, workers, loss, want.Scalar())
			}
			for j, g := range grads(a.params) {
				for i, v := range g {
					if d := math.Abs(got[j][i] - v); d > 1e-10*math.Max(1, math.Abs(v)) {
						t.Fatalf("%s, %d workers: ∂param %d[%d] = %v, joined batch %v", c.name, workers, j, i, got[j][i], v)
					}
				}
			}
			for _, w := range a.workers {
				for _, p := range w.params {
					if n := p.Grad.RawMatrix().Data; n[0] != 0 || n[len(n)-1] != 0 {
						t.Fatalf("%s: a worker's gradient was not cleared", c.name)
					}
				}
			}
		}
	}
}

func grads(ps []*autograd.Node) [][]float64 {
	var g [][]float64
	for _, p := range ps {
		g = append(g, append([]float64(nil), p.Grad.RawMatrix().Data...))
	}
	return g
}
