package bench

import (
	"flag"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
)

// BenchmarkSoftDQNStep measures one Soft DQN / Munchausen DQN iteration with
// the hypergrid settings of Tiapkin et al. 2024 on D=2, H=20 (standard
// reward): a rollout of 16 trajectories with the Boltzmann policy, their
// insertion into a 100,000-transition prioritized buffer with their TD errors,
// a batch of 256 from it, the Huber TD loss, backward, Adam and the Polyak
// target update, with an MLP 40 → 256 → 256 → 3. The trainer is first run
// past its 16 warm-up iterations, so every timed iteration learns.
func BenchmarkSoftDQNStep(b *testing.B) {
	for _, c := range []struct {
		name  string
		alpha float64
	}{{"softdqn", 0}, {"mdqn", 0.15}} {
		b.Run(c.name, func(b *testing.B) { benchSoftDQN(b, c.alpha) })
	}
}

func benchSoftDQN(b *testing.B, alpha float64) {
	env := hypergrid.New(2, 20, hypergrid.Standard)
	s, err := train.New(train.Config{Env: env, Algorithm: &softrl.DQN{Alpha: alpha}, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		if _, err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "it/s")
}

var softDQNConvergence = flag.Bool("convergence-softdqn", false,
	"run the Soft DQN / M-DQN convergence check (D=2, H=20, 10,000 iterations, seeds 1 and 2; about 3 minutes)")

// TestSoftDQNConvergence is the convergence check, run on demand:
//
//	go test ./bench -run SoftDQNConvergence -convergence-softdqn -v
//
// Soft DQN and Munchausen DQN, with the hypergrid settings of Tiapkin et al.
// (MLP 256×256, 16 trajectories per iteration, PER, batch 256, τ = 0.25), train
// for 10,000 iterations on the standard 20×20 hypergrid with seeds 1 and 2,
// evaluated every 500; the median exact L1 (sum over the 400 cells) of the
// last five evaluations must be below 0.1.
func TestSoftDQNConvergence(t *testing.T) {
	if !*softDQNConvergence {
		t.Skip("run with -convergence-softdqn")
	}
	const iters = 10_000
	for _, alpha := range []float64{0, softrl.MunchausenAlpha} {
		for _, seed := range []uint64{1, 2} {
			t.Run(fmt.Sprintf("alpha=%v/seed=%d", alpha, seed), func(t *testing.T) {
				env := hypergrid.New(2, 20, hypergrid.Standard)
				s, err := train.New(train.Config{Env: env, Algorithm: &softrl.DQN{Alpha: alpha, BetaIterations: iters}, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				var l1 []float64
				start := time.Now()
				for i := 1; i <= iters; i++ {
					if _, err := s.Step(); err != nil {
						t.Fatal(err)
					}
					if i%500 == 0 {
						m, err := s.Evaluate()
						if err != nil {
							t.Fatal(err)
						}
						l1 = append(l1, m.Exact.L1)
						t.Logf("it %5d exact L1 %.4f (mean %.2e) empirical L1 %.2e",
							i, m.Exact.L1, m.Exact.L1Mean, m.Empirical.L1Mean)
					}
				}
				last := slices.Clone(l1[len(l1)-5:])
				slices.Sort(last)
				t.Logf("median exact L1 of the last five evaluations %.4f (%.0f it/s)", last[2], iters/time.Since(start).Seconds())
				if last[2] >= 0.1 {
					t.Errorf("median exact L1 %.4f ≥ 0.1", last[2])
				}
			})
		}
	}
}
