package train_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/train"
)

// Example trains trajectory balance on the 8×8 hypergrid of the papers,
// measures the exact distance of the sampler to R/Z, and draws objects from
// the trained model.
func Example() {
	tr, err := train.New(train.Config{
		Env:       hypergrid.New(2, 8, hypergrid.Standard),
		Algorithm: &onpolicy.Algorithm{Objective: objective.NewTB(), Epsilon: 0.05},
		Seed:      1,
	})
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
	m, _ := tr.Evaluate()
	fmt.Printf("after %d trajectories: exact L1 < 0.05: %v, |log Z − learned| < 0.05: %v, modes %d of %d\n",
		m.Trajectories, m.Exact.L1 < 0.05, m.LogZErr < 0.05, m.ModesFound, m.NumModes)

	var b gfn.Batch
	if err := tr.Sample(&b, 3, rand.New(rand.NewPCG(7, 7))); err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < b.N; i++ {
		fmt.Println(b.Terminal(i))
	}
	// Output:
	// after 16000 trajectories: exact L1 < 0.05: true, |log Z − learned| < 0.05: true, modes 4 of 4
	// [1 0]
	// [0 1]
	// [6 1]
}
