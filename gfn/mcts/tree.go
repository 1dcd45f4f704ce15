package mcts

import "slices"

// none marks a missing node: no child, no parent, no root.
const none = -1

// forest holds the nodes of every search tree of a Planner in flat arrays
// indexed by node number, so that a tree costs no heap object per node and
// its storage serves the next trees once it is freed. A node is a state s of
// the environment with its soft values Q̂(s,·), or a terminal node that
// carries only its value.
//
// The arrays grow only when more nodes are alive at once than ever before;
// Planner.StartRollout reserves room for the largest forest it can hold, so
// that a planner allocates nothing in steady state.
type forest struct {
	d, a int // state dimension, number of actions

	state  []int     // [cap·d] the node's state (unused at terminal nodes)
	q      []float64 // [cap·a] Q̂(s,·)
	mask   []bool    // [cap·a] valid forward actions of s
	child  []int32   // [cap·a] child through each action, or none
	parent []int32   // parent node, or none at a root
	act    []int32   // action from the parent
	size   []int32   // N(s): the number of nodes of the subtree rooted here
	term   []bool    // a terminal node (exit edge, or a state without valid action)
	// r is the reward of the edge from the parent, log P_B(parent|s), at a
	// non-terminal node, and at a terminal node the value the parent's
	// Q̂(parent, act) takes.
	r []float64

	free []int32 // freed node numbers, reused first
	live int     // nodes in use
}

// reset frees every node and sizes the forest for nodes of dimension d with
// a actions, keeping room for at least capacity nodes.
func (f *forest) reset(d, a, capacity int) {
	f.d, f.a = d, a
	f.free, f.live = f.free[:0], 0
	f.parent = slices.Grow(f.parent[:0], capacity)
	f.state = slices.Grow(f.state[:0], capacity*d)
	f.q = slices.Grow(f.q[:0], capacity*a)
	f.mask = slices.Grow(f.mask[:0], capacity*a)
	f.child = slices.Grow(f.child[:0], capacity*a)
	f.act = slices.Grow(f.act[:0], capacity)
	f.size = slices.Grow(f.size[:0], capacity)
	f.term = slices.Grow(f.term[:0], capacity)
	f.r = slices.Grow(f.r[:0], capacity)
	f.free = slices.Grow(f.free, capacity)
}

// alloc returns a new node with no parent, no children, size 1, not
// terminal; its state, values and mask are undefined.
func (f *forest) alloc() int32 {
	var n int32
	if k := len(f.free); k > 0 {
		n = f.free[k-1]
		f.free = f.free[:k-1]
	} else {
		n = int32(len(f.parent))
		f.parent = append(f.parent, 0)
		f.act = append(f.act, 0)
		f.size = append(f.size, 0)
		f.term = append(f.term, false)
		f.r = append(f.r, 0)
		f.state = slices.Grow(f.state, f.d)[:len(f.state)+f.d]
		f.q = slices.Grow(f.q, f.a)[:len(f.q)+f.a]
		f.mask = slices.Grow(f.mask, f.a)[:len(f.mask)+f.a]
		f.child = slices.Grow(f.child, f.a)[:len(f.child)+f.a]
	}
	f.parent[n], f.act[n], f.size[n], f.term[n], f.r[n] = none, none, 1, false, 0
	for i := range f.children(n) {
		f.child[int(n)*f.a+i] = none
	}
	f.live++
	return n
}

// link makes c the child of p through action a.
func (f *forest) link(p int32, a int, c int32) {
	f.child[int(p)*f.a+a] = c
	f.parent[c], f.act[c] = p, int32(a)
}

func (f *forest) stateOf(n int32) []int        { return f.state[int(n)*f.d : int(n+1)*f.d] }
func (f *forest) values(n int32) []float64     { return f.q[int(n)*f.a : int(n+1)*f.a] }
func (f *forest) valid(n int32) []bool         { return f.mask[int(n)*f.a : int(n+1)*f.a] }
func (f *forest) children(n int32) []int32     { return f.child[int(n)*f.a : int(n+1)*f.a] }
func (f *forest) childAt(n int32, a int) int32 { return f.child[int(n)*f.a+a] }

// release frees the subtree rooted at n, except the subtree rooted at keep
// (none to free everything), using stack as scratch; it returns the stack
// for reuse.
func (f *forest) release(n, keep int32, stack []int32) []int32 {
	stack = append(stack[:0], n)
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if u == keep {
			continue
		}
		for _, c := range f.children(u) {
			if c != none {
				stack = append(stack, c)
			}
		}
		f.free = append(f.free, u)
		f.live--
	}
	return stack
}
