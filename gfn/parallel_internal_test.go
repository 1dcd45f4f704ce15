package gfn

import (
	"math"
	"testing"

	"github.com/gogfn/gogfn/autograd"
)

// TestWorkersGradient checks that an iteration split among workers leaves
// exactly the loss and gradient that one tape computes on the joined batch.
func TestWorkersGradient(t *testing.T) {
	env := newLine(5) // a small exit env, see below
	for _, c := range []struct {
		name string
		obj  func() Splittable
		pc   PolicyConfig
	}{
		{"TB", func() Splittable { return NewTB() }, PolicyConfig{Hidden: []int{8}}},
		{"TB/tied", func() Splittable { return NewTB() }, PolicyConfig{Hidden: []int{8}, Backward: TiedPB}},
		{"DB", func() Splittable { return &DB{} }, PolicyConfig{Hidden: []int{8}, Flow: true}},
		{"ModifiedDB", func() Splittable { return &ModifiedDB{} }, PolicyConfig{Hidden: []int{8}}},
		{"SubTB", func() Splittable { return &SubTB{} }, PolicyConfig{Hidden: []int{8, 8}, Flow: true, Backward: SeparatePB}},
	} {
		for _, workers := range []int{2, 3} {
			tr, err := NewTrainer(TrainerConfig{Env: env, Objective: c.obj(), Policy: c.pc, BatchSize: 7, Workers: workers, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.workers) != workers {
				t.Fatalf("%s: %d workers, want %d", c.name, len(tr.workers), workers)
			}
			// Move log Z away from 0 so that TB's gradient is not symmetric.
			for _, p := range tr.Objective.Params() {
				p.Value.Set(0, 0, 0.7)
			}
			loss := tr.stepWorkers()
			got := grads(tr.params)
			if tr.batch.N != 7 {
				t.Fatalf("%s: joined batch has %d trajectories", c.name, tr.batch.N)
			}
			autograd.ZeroGrad(tr.params...)
			var tape autograd.Tape
			var sc Scores
			want := tr.Objective.Loss(&tape, &tr.batch, tr.Policy.Score(&sc, &tape, &tr.batch))
			tape.Backward(want)
			if d := math.Abs(loss - want.Scalar()); d > 1e-12*math.Max(1, math.Abs(loss)) || loss == 0 {
				t.Errorf("%s, %d workers: loss %v, joined batch %v", c.name, workers, loss, want.Scalar())
			}
			for j, g := range grads(tr.params) {
				for i, v := range g {
					if d := math.Abs(got[j][i] - v); d > 1e-10*math.Max(1, math.Abs(v)) {
						t.Fatalf("%s, %d workers: ∂param %d[%d] = %v, joined batch %v", c.name, workers, j, i, got[j][i], v)
					}
				}
			}
			for _, w := range tr.workers {
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

// line is a chain 0 → 1 → … → n−1 where every state may exit: the smallest
// environment with exit and non-exit edges, Reversible for the learned P_B.
type line struct{ n int }

func newLine(n int) line { return line{n} }

func (e line) Spec() Spec {
	return Spec{StateDim: 1, NumActions: 2, NumBackward: 1, InputDim: e.n, MaxLen: e.n, Exit: true}
}
func (e line) Start(dst State) { dst[0] = 0 }
func (e line) Mask(dst []bool, s State) {
	dst[0], dst[1] = s[0] < e.n-1, true
}
func (e line) Step(dst, s State, a int)      { dst[0] = s[0] + 1 }
func (e line) LogReward(x State) float64     { return math.Log(1 + float64(x[0]*x[0])) }
func (e line) Encode(dst []float64, s State) { clear(dst); dst[s[0]] = 1 }
func (e line) BackwardMask(dst []bool, s State) {
	dst[0] = s[0] > 0
}
func (e line) BackwardStep(dst, s State, b int)  { dst[0] = s[0] - 1 }
func (e line) BackwardAction(s State, a int) int { return 0 }
