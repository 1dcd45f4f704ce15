package mcts_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/mcts"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
)

// ExampleAlgorithm trains a Q-network with tree search for both the targets
// and the actions (the paper's mcts_all, 4 rollouts) on the 8×8 hypergrid,
// and compares the exact distribution of softmax Q_θ with R/Z.
func ExampleAlgorithm() {
	alg := &mcts.Algorithm{Mode: mcts.All, Hidden: []int{64, 64}}
	tr, err := train.New(train.Config{Env: hypergrid.New(2, 8, hypergrid.Standard), Algorithm: alg, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for tr.Iter() < 800 {
		if _, err := tr.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	m, _ := tr.Evaluate()
	fmt.Printf("rollouts %d, ε %v, Σ|P(x) − R(x)/Z| < 0.1: %v\n", alg.Rollouts, alg.Eps, m.Exact.L1 < 0.1)
	// Output:
	// rollouts 4, ε 0.01, Σ|P(x) − R(x)/Z| < 0.1: true
}

// zeroQ is a Q-function that knows nothing: zero everywhere.
type zeroQ struct{ a int }

func (q zeroQ) Q(t *autograd.Tape, _ []int, n int) *autograd.Node { return t.Input(n, q.a) }
func (zeroQ) Params() []*autograd.Node                            { return nil }

// ExamplePlanner searches a line of 5 hypergrid cells from s₀ with a
// Q-function that is zero everywhere and the true rewards at the terminal
// nodes: with more rollouts than the 10 nodes of the whole tree, the soft
// value of the root is the exact log Z.
func ExamplePlanner() {
	env := hypergrid.New(1, 5, hypergrid.Standard)
	p := &mcts.Planner{Env: env, Q: zeroQ{env.Spec().NumActions}, Rollouts: 100, TrueReward: true, Record: true}
	var b gfn.Batch
	s := gfn.Sampler{Env: env}
	if err := s.Rollout(&b, p, 1, rand.New(rand.NewPCG(1, 1))); err != nil {
		fmt.Println(err)
		return
	}
	_, logZ := gfn.TargetDistribution(env)
	root := p.Values[:2] // Q̂(s₀,·) when the first action was drawn
	fmt.Printf("log Σ exp Q̂(s₀,·) = %.6f, log Z = %.6f\n", softrl.SoftValue(root, []bool{true, true}, 1), logZ)
	fmt.Println("exact:", math.Abs(softrl.SoftValue(root, []bool{true, true}, 1)-logZ) < 1e-12)
	// Output:
	// log Σ exp Q̂(s₀,·) = 0.004988, log Z = 0.004988
	// exact: true
}
