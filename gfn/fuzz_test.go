package gfn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/internal/testenv"
)

// FuzzBatch feeds Batch.UnmarshalBinary and Validate real batches of a
// hypergrid (with an exit action) and of the Fill DAG (without), mutated:
// whatever they accept must be a batch of the environment, which Transitions
// and the empirical window then take without panicking.
//
//	go test -run '^$' -fuzz FuzzBatch -fuzztime 60s ./gfn
func FuzzBatch(f *testing.F) {
	envs := []gfn.Enumerable{hypergrid.New(2, 4, hypergrid.Standard), testenv.Fill{N: 3}}
	for i, env := range envs {
		p, err := policy.New(env, policy.Config{Hidden: []int{4}}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			f.Fatal(err)
		}
		s := &policy.Sampler{Policy: p, Rand: rand.New(rand.NewPCG(2, 2)), Epsilon: 0.5, StateRewards: i == 0}
		var b gfn.Batch
		if err := s.Sample(&b, 3); err != nil {
			f.Fatal(err)
		}
		data, _ := b.MarshalBinary()
		f.Add(uint8(i), data)
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		env := envs[int(which)%len(envs)]
		var b gfn.Batch
		if err := b.UnmarshalBinary(data); err != nil {
			return
		}
		if err := b.Validate(env); err != nil {
			return
		}
		var tr gfn.Transitions
		tr.FromBatch(env, &b)
		e := gfn.NewEmpirical(env.NumStates(), 10)
		if err := e.AddBatch(env, &b); err != nil {
			t.Fatalf("a validated batch has a terminal outside the environment: %v", err)
		}
	})
}
