package bench

import (
	"runtime"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/tlm"
	"github.com/gogfn/gogfn/gfn/train"
)

// BenchmarkTLMHypergrid measures what TLM adds to a TB iteration on the
// hypergrid D = 4, H = 20 (standard reward, 16 trajectories, MLP 256×256,
// ε = 0 as in the papers' code): "tb" is the iteration with the uniform P_B,
// "tb+tlm" with a tied P_B head trained by TLM (the hypergrid schedule: the
// fresh batch, the trunk shared with P_F, τ = 0.25), both through
// train.Trainer.Step after the warm-up of the other training benchmarks (warmup iterations). See BenchmarkBitseq
// for the bit-sequence figures.
func BenchmarkTLMHypergrid(b *testing.B) {
	for _, name := range []string{"tb", "tb+tlm"} {
		b.Run(name, func(b *testing.B) {
			var alg train.Algorithm = &onpolicy.Algorithm{Objective: objective.NewTB()}
			if name == "tb+tlm" {
				alg = &tlm.Algorithm{Forward: alg}
			}
			tr, err := train.New(train.Config{Env: hypergrid.New(4, 20, hypergrid.Standard), Algorithm: alg, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			for range warmup {
				if _, err := tr.Step(); err != nil {
					b.Fatal(err)
				}
			}
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for range b.N {
				if _, err := tr.Step(); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
	}
}
