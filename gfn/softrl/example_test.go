package softrl_test

import (
	"fmt"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
)

// ExampleDQN trains Munchausen DQN with the paper's hypergrid settings (a
// smaller network) on an 8×8 grid and compares the exact terminal
// distribution of its policy, softmax(Q/λ), with R(x)/Z.
func ExampleDQN() {
	alg := &softrl.DQN{
		Hidden: []int{64, 64},
		Alpha:  softrl.MunchausenAlpha, // Munchausen DQN; 0 is Soft DQN
	}
	tr, err := train.New(train.Config{Env: hypergrid.New(2, 8, hypergrid.Standard), Algorithm: alg, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for tr.Iter() < 1000 {
		if _, err := tr.Step(); err != nil {
			fmt.Println(err)
			return
		}
	}
	m, _ := tr.Evaluate() // the exact distribution of softmax(Q/λ), λ = 1/(1−α)
	fmt.Printf("λ = %.4f, Σ|P(x) − R(x)/Z| < 0.05: %v\n", alg.Lambda(), m.Exact.L1 < 0.05)
	// Output:
	// λ = 1.1765, Σ|P(x) − R(x)/Z| < 0.05: true
}
