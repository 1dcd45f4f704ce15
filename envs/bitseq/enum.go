package bitseq

import (
	"fmt"

	"github.com/gogfn/gogfn/gfn"
)

// MaxStates is the largest number of states, (2^k+1)^(n/k), that NewEnum
// accepts: enough for n = 8, k = 2 (625 states), n = 16, k = 2 (390,625) and
// n = 16, k = 4 (83,521), not for n = 24, k = 4 (24,137,569).
const MaxStates = 1 << 20

// Enum is an Env small enough to enumerate, for exact evaluation.
type Enum struct {
	*Env
	numStates int
}

var (
	_ gfn.Enumerable    = (*Enum)(nil)
	_ gfn.Reversible    = (*Enum)(nil)
	_ gfn.OneHotEncoder = (*Enum)(nil)
)

// NewEnum returns the environment of cfg with enumeration. It returns an
// error wrapping ErrConfig when cfg is invalid or has more than MaxStates
// states.
func NewEnum(cfg Config) (*Enum, error) {
	e, err := New(cfg)
	if err != nil {
		return nil, err
	}
	n := 1
	for i := 0; i < e.slots; i++ {
		if n > MaxStates/(e.words+1) {
			return nil, fmt.Errorf("%w: N = %d, K = %d give (2^K+1)^(N/K) states, more than MaxStates = %d", ErrConfig, e.n, e.k, MaxStates)
		}
		n *= e.words + 1
	}
	return &Enum{Env: e, numStates: n}, nil
}

// NumStates returns (2^k+1)^(n/k), the number of states, terminal or not.
func (e *Enum) NumStates() int { return e.numStates }

// StateAt writes the state of index i. The index is the base-(2^k+1) number
// whose digit i (slot 0 most significant) is 0 for an empty slot and w+1 for
// word w. Filling a slot raises a digit from 0, so the order is topological,
// and s₀ has index 0.
//
// It panics if i is not in [0, NumStates).
func (e *Enum) StateAt(dst gfn.State, i int) {
	if i < 0 || i >= e.numStates {
		panic(fmt.Sprintf("bitseq: state index %d outside [0, %d)", i, e.numStates))
	}
	b := e.words + 1
	for j := e.slots - 1; j >= 0; j-- {
		d := i % b
		i /= b
		dst[j] = d - 1
		if d == 0 {
			dst[j] = e.words
		}
	}
}

// Index returns the index of s (see StateAt).
func (e *Enum) Index(s gfn.State) int {
	b := e.words + 1
	i := 0
	for _, v := range s[:e.slots] {
		i = i*b + (v+1)%b
	}
	return i
}
