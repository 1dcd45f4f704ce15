package gfn_test

import (
	"github.com/gogfn/gogfn/gfn"
)

// fill builds a sequence of n bits by writing a bit into any empty slot. A
// slot holds 0 (empty), 1 (bit 0) or 2 (bit 1). Forward action 2·i+v writes
// bit v at slot i; backward action i empties slot i. It has no exit action:
// the full sequences (2^n of them) are the terminal objects, reached by n!
// orders each. log R = number of ones / 2. Index = the base-3 number of the
// slots, a topological order.
type fill struct{ n int }

var (
	_ gfn.Reversible = fill{}
	_ gfn.Enumerable = fill{}
)

func (e fill) Spec() gfn.Spec {
	return gfn.Spec{StateDim: e.n, NumActions: 2 * e.n, NumBackward: e.n, InputDim: 3 * e.n, MaxLen: e.n}
}
func (e fill) Start(dst gfn.State) { clear(dst) }
func (e fill) Mask(dst []bool, s gfn.State) {
	for i, v := range s {
		dst[2*i], dst[2*i+1] = v == 0, v == 0
	}
}
func (e fill) Step(dst, s gfn.State, a int) { copy(dst, s); dst[a/2] = 1 + a%2 }
func (e fill) LogReward(x gfn.State) float64 {
	var r float64
	for _, v := range x {
		if v == 2 {
			r += 0.5
		}
	}
	return r
}
func (e fill) Encode(dst []float64, s gfn.State) {
	clear(dst)
	for i, v := range s {
		dst[3*i+v] = 1
	}
}
func (e fill) BackwardMask(dst []bool, s gfn.State) {
	for i, v := range s {
		dst[i] = v != 0
	}
}
func (e fill) BackwardStep(dst, s gfn.State, b int)  { copy(dst, s); dst[b] = 0 }
func (e fill) BackwardAction(_ gfn.State, a int) int { return a / 2 }
func (e fill) NumStates() int {
	n := 1
	for i := 0; i < e.n; i++ {
		n *= 3
	}
	return n
}
func (e fill) StateAt(dst gfn.State, i int) {
	for j := e.n - 1; j >= 0; j-- {
		dst[j] = i % 3
		i /= 3
	}
}
func (e fill) Index(s gfn.State) int {
	var i int
	for _, v := range s {
		i = 3*i + v
	}
	return i
}

// tree builds bit strings of length n by appending bits; it is neither
// Reversible nor has an exit action, so P_B = 1 (a tree). State: [len, value].
type tree struct{ n int }

func (e tree) Spec() gfn.Spec {
	return gfn.Spec{StateDim: 2, NumActions: 2, InputDim: e.n + 1, MaxLen: e.n}
}
func (e tree) Start(dst gfn.State) { dst[0], dst[1] = 0, 0 }
func (e tree) Mask(dst []bool, s gfn.State) {
	dst[0], dst[1] = s[0] < e.n, s[0] < e.n
}
func (e tree) Step(dst, s gfn.State, a int)  { dst[0], dst[1] = s[0]+1, 2*s[1]+a }
func (e tree) LogReward(x gfn.State) float64 { return float64(x[1]) / 4 }
func (e tree) Encode(dst []float64, s gfn.State) {
	clear(dst)
	dst[0] = float64(s[0])
	for i := 0; i < s[0]; i++ {
		dst[1+i] = float64(s[1]>>i&1)*2 - 1
	}
}
