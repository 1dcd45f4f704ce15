package gfn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
)

// ExampleSoftDQN trains Munchausen DQN with the paper's hypergrid settings
// (a smaller network) on an 8×8 grid and compares the exact terminal
// distribution of its policy, softmax(Q/λ), with R(x)/Z.
func ExampleSoftDQN() {
	env := hypergrid.New(2, 8, hypergrid.Standard)
	rng := rand.New(rand.NewPCG(1, 1))
	s := &gfn.SoftDQN{
		Env:    env,
		Q:      gfn.NewQNet(env, []int{64, 64}, rng),
		Target: gfn.NewQNet(env, []int{64, 64}, rng),
		Rng:    rng,
		Alpha:  0.15, // Munchausen DQN; 0 is Soft DQN
	}
	for i := 0; i < 1000; i++ {
		if _, err := s.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	// The QNet is a gfn.Evaluator: log P_F = log softmax(Q/λ), λ = 1/(1−α).
	l1 := gfn.Compare(gfn.ExactDistribution(env, s.Q.(gfn.Evaluator)), sdqnTarget(env)).L1
	fmt.Printf("λ = %.4f, Σ|P(x) − R(x)/Z| < 0.05: %v\n", s.Lambda(), l1 < 0.05)
	// Output:
	// λ = 1.1765, Σ|P(x) − R(x)/Z| < 0.05: true
}
