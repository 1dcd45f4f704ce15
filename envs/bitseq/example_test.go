package bitseq_test

import (
	"fmt"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn"
)

func Example() {
	env, err := bitseq.New(bitseq.Config{}) // n = 120, k = 8, modes from seed 42
	if err != nil {
		panic(err)
	}
	sp := env.Spec()
	fmt.Println("slots:", env.NumSlots(), "actions:", sp.NumActions)

	// Fill the 15 slots of s₀ with mode 0's words, in reverse order.
	mode := make(gfn.State, sp.StateDim)
	env.Mode(mode, 0)
	s, next := make(gfn.State, sp.StateDim), make(gfn.State, sp.StateDim)
	env.Start(s)
	for i := sp.StateDim - 1; i >= 0; i-- {
		env.Step(next, s, env.Action(i, mode[i]))
		s, next = next, s
		if i == 12 { // after three steps
			fmt.Println(env.Bits(s))
		}
	}
	fmt.Println(env.Bits(s), env.LogReward(s))

	// Flip three bits: log R = −2·3.
	s[0] ^= 0b1011
	fmt.Println(env.Bits(s), env.LogReward(s))

	tests := env.TestSet()
	tr := env.Tracker(bitseq.ModeThreshold)
	tr.Add(tests.X[25]) // mode 0 with 25 bits flipped
	fmt.Println("test set:", tests.Len(), "modes found:", tr.Found(), "of", env.NumModes())
	// Output:
	// slots: 15 actions: 3840
	// ................................................................................................001111001111111100001111
	// 000011110011110011110000001111000011110011111111111100001111000011110000001111000000111111110000001111001111111100001111 0
	// 000001000011110011110000001111000011110011111111111100001111000011110000001111000000111111110000001111001111111100001111 -6
	// test set: 7200 modes found: 1 of 60
}
