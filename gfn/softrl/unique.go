package softrl

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/internal/scratch"
)

var _ QFunction = (*UniqueQ)(nil)

// UniqueQ evaluates a QFunction once per distinct state: Q(t, states, n)
// finds the u ≤ n distinct states of the batch, evaluates the inner function
// on them [u×A] and gathers its rows back in batch order [n×A]
// (autograd.Tape.Rows), so that gradients of repeated states add up. The
// values and gradients are those of the inner function on the whole batch.
//
// Batches drawn from a replay buffer over a small state space repeat states
// often (on a 20×20 hypergrid, 256 transitions have about 130 distinct source
// states, and their sources and targets together about 200 of 512), and so do
// the first steps of parallel rollouts, which all start from s₀. Finding the
// distinct states costs a hash per state and allocates nothing once its
// buffers have grown to the largest batch. A UniqueQ is not safe for
// concurrent use.
type UniqueQ struct {
	QFunction
	StateDim int

	table []int32 // open addressing: −1 empty, else a row of uniq
	uniq  []int   // [u·StateDim] the distinct states
	idx   []int   // [n] the row of uniq of each state
}

// Q records the values [n×A] of the n states stored flat in states.
// It panics if StateDim < 1 or len(states) < n·StateDim.
func (u *UniqueQ) Q(t *autograd.Tape, states []int, n int) *autograd.Node {
	d := u.StateDim
	if d < 1 || len(states) < n*d {
		panic(fmt.Sprintf("softrl: UniqueQ of %d states of dimension %d from %d integers", n, d, len(states)))
	}
	if n == 0 {
		return u.QFunction.Q(t, states, n)
	}
	size := 1
	for size < 2*n {
		size *= 2
	}
	u.table = scratch.Resize(u.table, size)
	for i := range u.table {
		u.table[i] = -1
	}
	u.uniq, u.idx = scratch.Resize(u.uniq, n*d), scratch.Resize(u.idx, n)
	nu := 0
	for i := 0; i < n; i++ {
		s := states[i*d : (i+1)*d]
		h := uint64(14695981039346656037)
		for _, v := range s {
			h = (h ^ uint64(v)) * 1099511628211
		}
		j := int(h^h>>29) & (size - 1)
		for {
			r := u.table[j]
			if r < 0 {
				u.table[j] = int32(nu)
				copy(u.uniq[nu*d:(nu+1)*d], s)
				u.idx[i] = nu
				nu++
				break
			}
			if equalInts(u.uniq[int(r)*d:(int(r)+1)*d], s) {
				u.idx[i] = int(r)
				break
			}
			j = (j + 1) & (size - 1)
		}
	}
	// The gather is recorded even when nothing repeats, so that the tape
	// holds the same sequence of nodes whatever the batch.
	return t.Rows(u.QFunction.Q(t, u.uniq, nu), u.idx)
}

func equalInts(a, b []int) bool {
	for i, v := range a {
		if b[i] != v {
			return false
		}
	}
	return true
}
