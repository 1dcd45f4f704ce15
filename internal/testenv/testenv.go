package testenv

import (
	"math"

	"github.com/gogfn/gogfn/gfn"
)

// Fill builds a sequence of n bits by writing a bit into any empty slot. A
// slot holds 0 (empty), 1 (bit 0) or 2 (bit 1). Forward action 2·i+v writes
// bit v at slot i; backward action i empties slot i. It has no exit action:
// the full sequences (2^n of them) are the terminal objects, reached by n!
// orders each. log R = number of ones / 2. Index = the base-3 number of the
// slots, a topological order.
type Fill struct{ N int }

var (
	_ gfn.Reversible = Fill{}
	_ gfn.Enumerable = Fill{}
	_ gfn.Env        = Tree{}
	_ gfn.Reversible = Line{}
	_ gfn.Reversible = Bits{}
	_ gfn.Enumerable = Bits{}
)

func (e Fill) Spec() gfn.Spec {
	return gfn.Spec{StateDim: e.N, NumActions: 2 * e.N, NumBackward: e.N, InputDim: 3 * e.N, MaxLen: e.N}
}
func (e Fill) Start(dst gfn.State) { clear(dst) }
func (e Fill) Mask(dst []bool, s gfn.State) {
	for i, v := range s {
		dst[2*i], dst[2*i+1] = v == 0, v == 0
	}
}
func (e Fill) Step(dst, s gfn.State, a int) { copy(dst, s); dst[a/2] = 1 + a%2 }
func (e Fill) LogReward(x gfn.State) float64 {
	var r float64
	for _, v := range x {
		if v == 2 {
			r += 0.5
		}
	}
	return r
}
func (e Fill) Encode(dst []float64, s gfn.State) {
	clear(dst)
	for i, v := range s {
		dst[3*i+v] = 1
	}
}
func (e Fill) BackwardMask(dst []bool, s gfn.State) {
	for i, v := range s {
		dst[i] = v != 0
	}
}
func (e Fill) BackwardStep(dst, s gfn.State, b int)  { copy(dst, s); dst[b] = 0 }
func (e Fill) BackwardAction(_ gfn.State, a int) int { return a / 2 }
func (e Fill) NumStates() int {
	n := 1
	for i := 0; i < e.N; i++ {
		n *= 3
	}
	return n
}
func (e Fill) StateAt(dst gfn.State, i int) {
	for j := e.N - 1; j >= 0; j-- {
		dst[j] = i % 3
		i /= 3
	}
}
func (e Fill) Index(s gfn.State) int {
	var i int
	for _, v := range s {
		i = 3*i + v
	}
	return i
}

// Tree builds bit strings of length n by appending bits; it is neither
// Reversible nor has an exit action, so P_B = 1 (a tree). State: [len, value].
type Tree struct{ N int }

func (e Tree) Spec() gfn.Spec {
	return gfn.Spec{StateDim: 2, NumActions: 2, InputDim: e.N + 1, MaxLen: e.N, Tree: true}
}
func (e Tree) Start(dst gfn.State) { dst[0], dst[1] = 0, 0 }
func (e Tree) Mask(dst []bool, s gfn.State) {
	dst[0], dst[1] = s[0] < e.N, s[0] < e.N
}
func (e Tree) Step(dst, s gfn.State, a int)  { dst[0], dst[1] = s[0]+1, 2*s[1]+a }
func (e Tree) LogReward(x gfn.State) float64 { return float64(x[1]) / 4 }
func (e Tree) Encode(dst []float64, s gfn.State) {
	clear(dst)
	dst[0] = float64(s[0])
	for i := 0; i < s[0]; i++ {
		dst[1+i] = float64(s[1]>>i&1)*2 - 1
	}
}

// Line is a chain 0 → 1 → … → n−1 where every state may exit: the smallest
// environment with exit and non-exit edges, Reversible for the learned P_B.
type Line struct{ N int }

func (e Line) Spec() gfn.Spec {
	return gfn.Spec{StateDim: 1, NumActions: 2, NumBackward: 1, InputDim: e.N, MaxLen: e.N, Exit: true, Tree: true}
}
func (e Line) Start(dst gfn.State) { dst[0] = 0 }
func (e Line) Mask(dst []bool, s gfn.State) {
	dst[0], dst[1] = s[0] < e.N-1, true
}
func (e Line) Step(dst, s gfn.State, a int)      { dst[0] = s[0] + 1 }
func (e Line) LogReward(x gfn.State) float64     { return math.Log(1 + float64(x[0]*x[0])) }
func (e Line) Encode(dst []float64, s gfn.State) { clear(dst); dst[s[0]] = 1 }
func (e Line) BackwardMask(dst []bool, s gfn.State) {
	dst[0] = s[0] > 0
}
func (e Line) BackwardStep(dst, s gfn.State, b int)  { dst[0] = s[0] - 1 }
func (e Line) BackwardAction(s gfn.State, a int) int { return 0 }

// Bits is an environment without exit action: bit strings of length 3
// written left to right. State = (length, b₀, b₁, b₂); action c ∈ {0, 1}
// appends c; a full string has no valid action and is the terminal object,
// with log R(x) = (number of ones) − 1. It is a tree, so P_B = 1.
type Bits struct{}

func (Bits) Spec() gfn.Spec {
	return gfn.Spec{StateDim: 4, NumActions: 2, NumBackward: 1, InputDim: 9, MaxLen: 3, Tree: true}
}
func (Bits) Start(dst gfn.State) { clear(dst[:4]) }
func (Bits) Mask(dst []bool, s gfn.State) {
	dst[0], dst[1] = s[0] < 3, s[0] < 3
}
func (Bits) Step(dst, s gfn.State, a int) {
	copy(dst, s)
	dst[1+s[0]] = a
	dst[0]++
}
func (Bits) LogReward(x gfn.State) float64 { return float64(x[1]+x[2]+x[3]) - 1 }
func (Bits) Encode(dst []float64, s gfn.State) {
	clear(dst[:9])
	for i := 0; i < 3; i++ {
		switch {
		case i >= s[0]:
			dst[3*i] = 1
		default:
			dst[3*i+1+s[1+i]] = 1
		}
	}
}
func (Bits) BackwardMask(dst []bool, s gfn.State) { dst[0] = s[0] > 0 }
func (Bits) BackwardStep(dst, s gfn.State, _ int) {
	copy(dst, s)
	dst[0]--
	dst[1+dst[0]] = 0
}
func (Bits) BackwardAction(gfn.State, int) int { return 0 }
func (Bits) NumStates() int                    { return 15 }

// StateAt orders states by length, then by value: 0 | 1 2 | 3 4 5 6 | 7 … 14.
func (Bits) StateAt(dst gfn.State, i int) {
	n := 0
	for i >= 1<<n {
		i -= 1 << n
		n++
	}
	clear(dst[:4])
	dst[0] = n
	for k := 0; k < n; k++ {
		dst[1+k] = (i >> (n - 1 - k)) & 1
	}
}
func (Bits) Index(s gfn.State) int {
	v := 0
	for k := 0; k < s[0]; k++ {
		v = 2*v + s[1+k]
	}
	return 1<<s[0] - 1 + v
}
