package softrl_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/traintest"
)

// FuzzReplay feeds Replay.UnmarshalBinary and Validate the buffer of a real
// run, mutated: whatever they accept, sampling and updating priorities must
// not panic.
//
//	go test -run '^$' -fuzz FuzzReplay -fuzztime 60s ./gfn/softrl
func FuzzReplay(f *testing.F) {
	env := hypergrid.New(2, 3, hypergrid.Standard)
	for _, uniform := range []bool{false, true} {
		d := &softrl.DQN{Hidden: []int{4}, Trajectories: 3, BatchSize: 4, Capacity: 12, LearningStarts: 1, UniformReplay: uniform}
		traintest.Run(f, newTrainer(f, env, d, 1), 6)
		data, err := d.Replay().MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uniform, data)
	}
	f.Fuzz(func(t *testing.T, uniform bool, data []byte) {
		r := softrl.NewPrioritizedReplay(12, 2, 3, 0.5)
		if uniform {
			r = softrl.NewReplay(12, 2, 3)
		}
		if err := r.UnmarshalBinary(data); err != nil {
			return
		}
		if err := r.Validate(env); err != nil {
			return
		}
		if r.Len() == 0 {
			return
		}
		var b gfn.Transitions
		if err := r.Sample(&b, 5, 0.5, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		r.Update(b.Slot, make([]float64, b.N))
	})
}
