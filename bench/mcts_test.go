package bench

import (
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/mcts"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/optim"
)

// mctsWarmup is the number of mcts_all iterations that train the model every
// MCTS benchmark starts from, so that all of them roll out trajectories of
// the same (trained) lengths.
const mctsWarmup = 1000

// mctsStart holds the parameters of that model, trained once.
var mctsStart [][]float64

// BenchmarkMCTSIteration measures one training iteration of tree search for
// GFlowNets (Morozov et al. 2024) in the setting: hypergrid D=4,
// H=20 (standard reward), 16 trajectories, 4 rollouts, MLP 80 → 256 → 256 →
// 5, starting from the same model trained for mctsWarmup iterations of
// mcts_all. The sub-benchmarks are the four modes; "off" is the paper's plain
// Soft DQN iteration without search (on-policy, full trajectories, no
// replay), the unit of the search's cost, and "dqn" the toolkit's Soft DQN
// with replay (a batch of 256 from a 100,000-transition buffer) from the same
// model, for reference. Steady state must allocate nothing.
func BenchmarkMCTSIteration(b *testing.B) {
	for _, m := range []mcts.Mode{mcts.All, mcts.Train, mcts.Inference, mcts.Off} {
		b.Run(m.String(), func(b *testing.B) { benchMCTS(b, &mcts.Algorithm{Mode: m}) })
	}
	b.Run("dqn", func(b *testing.B) { benchMCTS(b, &softrl.DQN{LearningStarts: -1}) })
}

func benchMCTS(b *testing.B, alg train.Algorithm) {
	env := hypergrid.New(4, 20, hypergrid.Standard)
	if mctsStart == nil {
		tr, err := train.New(train.Config{Env: env, Algorithm: &mcts.Algorithm{}, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for range mctsWarmup {
			if _, err := tr.Step(); err != nil {
				b.Fatal(err)
			}
		}
		for _, p := range tr.Algorithm().(*mcts.Algorithm).Q.Params() {
			mctsStart = append(mctsStart, slices.Clone(p.Value.RawMatrix().Data))
		}
	}
	tr, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	var q, target []*autograd.Node
	switch a := alg.(type) {
	case *mcts.Algorithm:
		q, target = a.Q.Params(), a.Target.Params()
	case *softrl.DQN:
		q, target = a.Q.Params(), a.Target.Params()
	}
	for i, p := range q {
		copy(p.Value.RawMatrix().Data, mctsStart[i])
	}
	optim.HardUpdate(target, q)
	var steps int
	run := func(n int) {
		for range n {
			info, err := tr.Step()
			if err != nil {
				b.Fatal(err)
			}
			steps += int(info.MeanLen*16 + 0.5)
		}
	}
	run(20)
	steps = 0
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "it/s")
	b.ReportMetric(float64(steps)/float64(b.N)/16, "steps/traj")
}
