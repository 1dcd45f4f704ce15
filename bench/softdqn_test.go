package bench

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
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
	rng := rand.New(rand.NewPCG(1, 1))
	s := &gfn.SoftDQN{Env: env, Rng: rng, Alpha: alpha,
		Q:      gfn.NewQNet(env, []int{256, 256}, rng),
		Target: gfn.NewQNet(env, []int{256, 256}, rng)}
	for i := 0; i < 40; i++ {
		if _, err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "it/s")
}
