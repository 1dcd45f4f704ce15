package optim_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

// benchAverager times one Update on the parameters of the reference MLP
// 64 → 256 → 256 → 5 (83,205 parameters, the size of a hypergrid policy), as
// BenchmarkAdamStep does for the optimizer step it follows.
func benchAverager(b *testing.B, mk func(m *nn.MLP) optim.Averager) {
	m := nn.NewMLP([]int{64, 256, 256, 5}, nn.ReLU, rand.New(rand.NewPCG(1, 1)))
	a := mk(m)
	for range 3 {
		a.Update() // sizes the buffers and starts the average
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a.Update()
	}
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
