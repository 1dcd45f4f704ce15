package onpolicy_test

import (
	"fmt"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
)

// ExampleAlgorithm trains SubTB(0.9) with a backward policy learned on the
// shared trunk, as the papers' baselines do. The objective needs a flow
// head, and the algorithm gives the policy one.
func ExampleAlgorithm() {
	alg := &onpolicy.Algorithm{
		Objective: &objective.SubTB{Lambda: 0.9},
		Policy:    policy.Config{Hidden: []int{64, 64}, PB: policy.TiedPB},
	}
	tr, err := train.New(train.Config{Env: hypergrid.New(2, 6, hypergrid.Standard), Algorithm: alg, Seed: 2})
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
	fmt.Printf("flow head: %v; exact L1 < 0.05: %v\n", alg.Trained().HasFlow(), m.Exact.L1 < 0.05)
	// Output:
	// flow head: true; exact L1 < 0.05: true
}
