package softrl

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd"
)

// Reserve sizes u's buffers and the arena of t for passes over up to n
// states, so that later passes of at most n states (after t.Reset) allocate
// nothing: it evaluates n copies of state, once through u (one distinct
// state) and once through the inner function on every row followed by the
// gather, the nodes a pass makes when no state repeats. It allocates, and
// leaves t holding the second pass: call it when setting up, then Reset t.
//
// It panics if n < 1 or len(state) is not u.StateDim.
func (u *UniqueQ) Reserve(t *autograd.Tape, state []int, n int) {
	d := u.StateDim
	if n < 1 || len(state) != d {
		panic(fmt.Sprintf("softrl: UniqueQ.Reserve of %d states of length %d (StateDim %d)", n, len(state), d))
	}
	states := make([]int, n*d)
	for i := 0; i < n; i++ {
		copy(states[i*d:(i+1)*d], state)
	}
	t.Reset()
	u.Q(t, states, n)
	t.Reset()
	t.Rows(u.QFunction.Q(t, states, n), make([]int, n))
}
