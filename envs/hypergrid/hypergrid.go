package hypergrid

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gogfn/gogfn/gfn"
)

// Reward holds the three constants of the hypergrid reward.
type Reward struct{ R0, R1, R2 float64 }

// The reward settings of the papers.
var (
	Standard = Reward{R0: 1e-3, R1: 0.5, R2: 2}
	Hard     = Reward{R0: 1e-4, R1: 1, R2: 3}
)

// Env is a D-dimensional hypergrid of side H.
type Env struct {
	D, H int
	R    Reward

	ring []bool // [H] 0.3 < aᵢ < 0.4
	out  []bool // [H] aᵢ > 0.25
}

var (
	_ gfn.Env             = (*Env)(nil)
	_ gfn.Reversible      = (*Env)(nil)
	_ gfn.Enumerable      = (*Env)(nil)
	_ gfn.OneHotEncoder   = (*Env)(nil)
	_ gfn.Describer       = (*Env)(nil)
	_ gfn.StateChecker    = (*Env)(nil)
	_ gfn.ForwardActioner = (*Env)(nil)
)

// New returns a hypergrid with ndim coordinates of height values each.
//
// It panics if ndim < 1, height < 2, H^D overflows an int, or a reward
// constant makes some R(x) non-positive.
func New(ndim, height int, r Reward) *Env {
	if ndim < 1 || height < 2 {
		panic(fmt.Sprintf("hypergrid: bad size D=%d, H=%d", ndim, height))
	}
	n := 1
	for i := 0; i < ndim; i++ {
		if n > math.MaxInt/height {
			panic(fmt.Sprintf("hypergrid: H^D overflows for D=%d, H=%d", ndim, height))
		}
		n *= height
	}
	if !(r.R0 > 0) || r.R1 < 0 || r.R2 < 0 {
		panic(fmt.Sprintf("hypergrid: reward %+v is not positive", r))
	}
	e := &Env{D: ndim, H: height, R: r, ring: make([]bool, height), out: make([]bool, height)}
	for v := 0; v < height; v++ {
		a := math.Abs(float64(v)/float64(height-1) - 0.5)
		e.out[v] = a > 0.25
		e.ring[v] = 0.3 < a && a < 0.4
	}
	return e
}

// Describe returns the environment's settings: its name, D, H and the reward
// constants, from which it can be rebuilt.
func (e *Env) Describe() []gfn.Setting {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []gfn.Setting{
		{Key: "name", Value: "hypergrid"},
		{Key: "ndim", Value: strconv.Itoa(e.D)},
		{Key: "height", Value: strconv.Itoa(e.H)},
		{Key: "r0", Value: f(e.R.R0)},
		{Key: "r1", Value: f(e.R.R1)},
		{Key: "r2", Value: f(e.R.R2)},
	}
}

// CheckState returns an error unless s holds D coordinates in [0, H).
func (e *Env) CheckState(s gfn.State) error {
	if len(s) != e.D {
		return fmt.Errorf("hypergrid: a state of %d coordinates, want %d", len(s), e.D)
	}
	for i, v := range s {
		if v < 0 || v >= e.H {
			return fmt.Errorf("hypergrid: coordinate %d of %v is outside [0, %d)", i, s, e.H)
		}
	}
	return nil
}

// Spec returns the sizes: StateDim D, D+1 forward actions (the last exits), D
// backward actions, input width D·H (D-hot), MaxLen D·(H−1)+1.
func (e *Env) Spec() gfn.Spec {
	return gfn.Spec{
		StateDim:    e.D,
		NumActions:  e.D + 1,
		NumBackward: e.D,
		InputDim:    e.D * e.H,
		MaxLen:      e.D*(e.H-1) + 1,
		Exit:        true,
		OneHot:      e.D,
	}
}

// Start writes s₀ = 0.
func (e *Env) Start(dst gfn.State) { clear(dst[:e.D]) }

// Mask marks increments of coordinates below H−1, and exit, as valid.
func (e *Env) Mask(dst []bool, s gfn.State) {
	for i, v := range s[:e.D] {
		dst[i] = v < e.H-1
	}
	dst[e.D] = true
}

// Step increments coordinate a.
func (e *Env) Step(dst, s gfn.State, a int) {
	copy(dst[:e.D], s[:e.D])
	dst[a]++
}

// LogReward returns log R(x).
func (e *Env) LogReward(x gfn.State) float64 { return math.Log(e.Reward(x)) }

// Reward returns R(x).
func (e *Env) Reward(x gfn.State) float64 {
	out, ring := true, true
	for _, v := range x[:e.D] {
		out = out && e.out[v]
		ring = ring && e.ring[v]
	}
	r := e.R.R0
	if out {
		r += e.R.R1
	}
	if ring {
		r += e.R.R2
	}
	return r
}

// Encode writes the D-hot input: a one at i·H + xᵢ for every coordinate i.
func (e *Env) Encode(dst []float64, s gfn.State) {
	clear(dst[:e.D*e.H])
	for i, v := range s[:e.D] {
		dst[i*e.H+v] = 1
	}
}

// EncodeIndices writes i·H + xᵢ for every coordinate i.
func (e *Env) EncodeIndices(dst []int, s gfn.State) {
	for i, v := range s[:e.D] {
		dst[i] = i*e.H + v
	}
}

// BackwardMask marks decrements of positive coordinates as valid.
func (e *Env) BackwardMask(dst []bool, s gfn.State) {
	for i, v := range s[:e.D] {
		dst[i] = v > 0
	}
}

// BackwardStep decrements coordinate b.
func (e *Env) BackwardStep(dst, s gfn.State, b int) {
	copy(dst[:e.D], s[:e.D])
	dst[b]--
}

// BackwardAction returns a: decrementing the coordinate that a incremented.
func (e *Env) BackwardAction(_ gfn.State, a int) int { return a }

// NumStates returns H^D.
func (e *Env) NumStates() int {
	n := 1
	for i := 0; i < e.D; i++ {
		n *= e.H
	}
	return n
}

// ForwardAction returns b: the increment of coordinate b undoes its
// decrement (gfn.ForwardActioner).
func (e *Env) ForwardAction(_ gfn.State, b int) int { return b }

// StateAt writes the state of index i, the base-H number x₀x₁…x_{D−1} (x₀
// most significant). Incrementing a coordinate increases the index, so the
// order is topological.
func (e *Env) StateAt(dst gfn.State, i int) {
	for d := e.D - 1; d >= 0; d-- {
		dst[d] = i % e.H
		i /= e.H
	}
}

// Index returns the index of s (see StateAt).
func (e *Env) Index(s gfn.State) int {
	var i int
	for _, v := range s[:e.D] {
		i = i*e.H + v
	}
	return i
}

// LogZ returns log Σₓ R(x), computed exactly: the reward depends on x only
// through how many coordinates are "outer" and "ring" values, and the
// indicators factor over coordinates.
func (e *Env) LogZ() float64 {
	var nOut, nRing float64
	for v := 0; v < e.H; v++ {
		if e.out[v] {
			nOut++
		}
		if e.ring[v] {
			nRing++
		}
	}
	d := float64(e.D)
	z := e.R.R0*math.Pow(float64(e.H), d) + e.R.R1*math.Pow(nOut, d) + e.R.R2*math.Pow(nRing, d)
	return math.Log(z)
}

// MaxEntLogPB writes the "MaxEnt" backward policy of Mohammadpour et al. 2024
// at s into dst (length D): P_B(s − e_b | s) = n(s − e_b)/n(s), where n counts
// the paths from s₀, which on the hypergrid is x_b / Σᵢ xᵢ; −Inf at invalid
// actions (and everywhere at s₀). Use it as gfn.Fixed{Spec: e.Spec(), LogPB: e.MaxEntLogPB}.
func (e *Env) MaxEntLogPB(dst []float64, s gfn.State) {
	var sum int
	for _, v := range s[:e.D] {
		sum += v
	}
	for i, v := range s[:e.D] {
		dst[i] = math.Inf(-1)
		if v > 0 {
			dst[i] = math.Log(float64(v) / float64(sum))
		}
	}
}
