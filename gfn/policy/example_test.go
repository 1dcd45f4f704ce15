package policy_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
)

// ExampleSampler rolls out trajectories from an untrained policy on a 4×4
// hypergrid, recording the forward passes for a loss, and reads the scores
// of the longest trajectory's transitions.
func ExampleSampler() {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	rng := rand.New(rand.NewPCG(1, 1))
	p, err := policy.New(env, policy.Config{Hidden: []int{16}, Flow: true}, rng)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := &policy.Sampler{Policy: p, Rand: rng, Epsilon: 0.1}
	var tape autograd.Tape
	var b gfn.Batch
	sc, err := s.Rollout(&b, &tape, 4)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("trajectories:", b.N, "transitions:", b.M())
	i := 0 // the longest trajectory
	for k := range b.N {
		if b.Len[k] > b.Len[i] {
			i = k
		}
	}
	for j := b.Offset[i]; j < b.Offset[i+1]; j++ {
		fmt.Printf("%v -%d-> %v: log P_F %.3f, log P_B %.3f\n", b.Source(j), b.Actions[j], b.Target(j),
			sc.LogPF.Value.At(j, 0), sc.LogPB.Value.At(j, 0))
	}
	// Output:
	// trajectories: 4 transitions: 5
	// [0 0] -1-> [0 1]: log P_F -1.006, log P_B 0.000
	// [0 1] -2-> [0 1]: log P_F -1.123, log P_B 0.000
}
