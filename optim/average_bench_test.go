package optim_test

import (
	"testing"

	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

// stepper runs an averager's Update as an optimizer step, so that benchStep
// times it on the same parameters as BenchmarkAdamStep.
type stepper struct{ optim.Averager }

func (s stepper) Step() { s.Update() }

// benchAverager times one Update on the parameters of the reference MLP
// 64 → 256 → 256 → 5 (83,205 parameters, the size of a hypergrid policy),
// the step that follows each optimizer step.
func benchAverager(b *testing.B, mk func(m *nn.MLP) optim.Averager) {
	benchStep(b, func(m *nn.MLP) optim.Optimizer { return stepper{mk(m)} })
}

func BenchmarkAverageUpdate(b *testing.B) {
	benchAverager(b, func(m *nn.MLP) optim.Averager { return &optim.Average{Params: m.Params()} })
}

func BenchmarkEMAUpdate(b *testing.B) {
	benchAverager(b, func(m *nn.MLP) optim.Averager { return &optim.EMA{Params: m.Params()} })
}

// BenchmarkSWADUpdate includes the segment-end bookkeeping every 100
// updates, with a free Loss.
func BenchmarkSWADUpdate(b *testing.B) {
	benchAverager(b, func(m *nn.MLP) optim.Averager {
		return &optim.SWAD{Params: m.Params(), Loss: func() float64 { return 1 }}
	})
}

// BenchmarkSMAUpdate includes the swaps around the scoring every 100
// updates, with a free Score.
func BenchmarkSMAUpdate(b *testing.B) {
	benchAverager(b, func(m *nn.MLP) optim.Averager {
		return &optim.SMA{Params: m.Params(), Score: func() float64 { return 1 }}
	})
}
