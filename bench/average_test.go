package bench

import (
	"fmt"
	"testing"

	"github.com/gogfn/gogfn/optim"
)

// BenchmarkAverageHypergrid measures what weight averaging adds to a
// hypergrid training step: "step" is Trainer.Step (TB, 16 trajectories,
// 256×256 policy), "step+average" the same followed by Average.Update (the
// uniform running mean of SWA and WAKD) over the policy network's
// parameters, "average" and "ema" the updates alone. Steady state allocates
// nothing.
func BenchmarkAverageHypergrid(b *testing.B) {
	for _, g := range grids {
		r := newTBRun(b, g.d, g.h)
		ps := r.alg.Trained().Params()
		n := 0
		for _, p := range ps {
			rows, cols := p.Dims()
			n += rows * cols
		}
		avg := &optim.Average{Params: ps}
		ema := &optim.EMA{Params: ps}
		avg.Update()
		ema.Update()
		step := func() {
			if _, err := r.tr.Step(); err != nil {
				b.Fatal(err)
			}
		}
		for _, c := range []struct {
			name string
			f    func()
		}{
			{"step", step},
			{"step+average", func() { step(); avg.Update() }},
			{"average", avg.Update},
			{"ema", ema.Update},
		} {
			b.Run(fmt.Sprintf("D=%d,H=%d,params=%d/%s", g.d, g.h, n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					c.f()
				}
			})
		}
	}
}
