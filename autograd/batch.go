package autograd

import (
	"cmp"
	"slices"
	"unsafe"

	"github.com/gogfn/gogfn/autograd/gemm"
)

// Batched backward passes.
//
// A GFlowNet sampler records one forward pass of its network per rollout
// step, each on the few trajectories still running, and the loss reads them
// all. Back-propagated one node at a time, every layer of every step costs
// two small products: the weight gradient ∂W += xᵀ·∂z, which reads and
// writes all of ∂W for a handful of rows, and the input gradient ∂x = ∂z·Wᵀ.
// When several layers with the same weights are independent of one another,
// Backward instead stacks their rows and computes each gradient as one
// product over all of them.
//
// Which layers are independent follows from levels: the level of the loss
// is 0 and that of any other node is one more than the largest level of the
// nodes that use it. Every node that uses a node n has a lower level than
// n, so visiting the levels in increasing order is a valid order for the
// reverse pass, and two nodes of the same level never depend on each other.
// The layers of one level with the same kind, weights and bias (Affine,
// AffineReLU) form a group, back-propagated in one go. When no group has
// two layers, Backward keeps its plain reverse walk.
//
// Within a level, nodes are visited in reverse creation order and a group
// where its first member comes, so each node receives the gradients from
// one level in the order of the plain walk. The rows of ∂z are added into
// ∂b in that order too, and each element of ∂x is the same dot product as
// in a product of one layer's rows, so when every node's gradients come
// from a single level (as in a rollout whose steps' outputs are stacked for
// the loss) the bias and input gradients are those of the one-by-one pass
// to the bit. The weight gradient sums the same terms grouped differently
// (one product over all rows instead of one per layer), so it agrees to
// rounding, as do gradients collected from several levels, in another
// order. Nodes from which the loss is not computed are not visited: their
// gradients stay zero.

// The kinds of layers that batch (Node.op).
const (
	opAffine uint8 = 1 + iota
	opAffineReLU
)

// sched is Backward's plan of the levels, kept by the tape so that its
// buffers are reused.
type sched struct {
	order  []*Node // nodes to visit, by level, each level in reverse creation order
	start  []int   // order[start[l]:start[l+1]] is level l
	layers []*Node // the batchable layers, by level and key
	groups []group // runs of layers back-propagated together
}

// group is layers[from:to], of level level.
type group struct{ level, from, to int }

// plan sets the levels of the nodes from which loss, t.nodes[last], is
// computed and orders them. It reports whether some group holds two layers
// or more; if not, Backward walks the tape as usual.
func (s *sched) plan(t *Tape, last int) bool {
	ns := t.nodes[:last+1]
	for _, n := range ns {
		n.level = -1
	}
	ns[last].level = 0
	s.layers = s.layers[:0]
	top, count := int32(0), 0
	for i := last; i >= 0; i-- { // consumers come later: n.level is final here
		n := ns[i]
		if n.level < 0 || n.back == nil {
			continue
		}
		l := n.level + 1
		raise(t, n.a, l)
		raise(t, n.b, l)
		for _, o := range n.args {
			raise(t, o, l)
		}
		top = max(top, n.level)
		count++
		if n.op != 0 {
			s.layers = append(s.layers, n)
		}
	}
	slices.SortStableFunc(s.layers, func(x, y *Node) int {
		return cmp.Or(cmp.Compare(x.level, y.level), cmp.Compare(x.op, y.op),
			cmp.Compare(addr(x.args[1]), addr(y.args[1])), cmp.Compare(addr(x.args[2]), addr(y.args[2])))
	})
	s.groups = s.groups[:0]
	for i := 0; i < len(s.layers); {
		j := i + 1
		for j < len(s.layers) && sameLayer(s.layers[i], s.layers[j]) {
			j++
		}
		if j-i > 1 {
			s.groups = append(s.groups, group{level: int(s.layers[i].level), from: i, to: j})
		}
		i = j
	}
	if len(s.groups) == 0 {
		return false
	}
	// Counting sort by level; within a level, reverse creation order.
	s.start = resizeInts(s.start, int(top)+2)
	for _, n := range ns {
		if n.level >= 0 && n.back != nil {
			s.start[n.level+1]++
		}
	}
	for l := 1; l < len(s.start); l++ {
		s.start[l] += s.start[l-1]
	}
	if cap(s.order) < count {
		s.order = make([]*Node, count)
	}
	s.order = s.order[:count]
	for i := last; i >= 0; i-- {
		if n := ns[i]; n.level >= 0 && n.back != nil {
			s.order[s.start[n.level]] = n
			s.start[n.level]++
		}
	}
	copy(s.start[1:], s.start[:len(s.start)-1]) // each start had moved to the next level's
	s.start[0] = 0
	// Mark the groups: the first member in reverse creation order (the
	// first of its run, as the sort is stable) leads, the others follow.
	for g, gr := range s.groups {
		for _, n := range s.layers[gr.from+1 : gr.to] {
			n.level = follower
		}
		s.layers[gr.from].level = leader - int32(g)
	}
	return true
}

// The levels of the members of a group once planned: the leader's is
// leader − g for group g, the others' follower.
const (
	follower int32 = -1
	leader   int32 = -2
)

// run back-propagates level by level, each level in reverse creation order;
// a group goes in one go where its leader comes. So a node receives the
// gradients of the nodes of one level in the order of the plain walk.
func (s *sched) run() {
	for l := 0; l+1 < len(s.start); l++ {
		for _, n := range s.order[s.start[l]:s.start[l+1]] {
			switch {
			case int(n.level) == l:
				n.back(n)
			case n.level <= leader:
				gr := s.groups[leader-n.level]
				affineBatchBack(s.layers[gr.from:gr.to])
			}
		}
	}
}

// raise lifts the level of operand o of a node of level l−1 to at least l.
// Parameters and nodes without a gradient have no level.
func raise(t *Tape, o *Node, l int32) {
	if o != nil && o.tape == t && o.Grad != nil && o.level < l {
		o.level = l
	}
}

// sameLayer reports whether two batchable layers of sorted s.layers belong
// to one group: the same level, kind, weights and bias.
func sameLayer(x, y *Node) bool {
	return x.level == y.level && x.op == y.op && x.args[1] == y.args[1] && x.args[2] == y.args[2]
}

// addr orders nodes by address, to sort layers by their weights.
func addr(n *Node) uintptr { return uintptr(unsafe.Pointer(n)) }

// resizeInts returns s with length n, zeroed, reusing its storage.
func resizeInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// affineBatchBack back-propagates q ≥ 2 independent Affine or AffineReLU
// layers of the same weights w [k×n] and bias b, with M rows in all: it
// stacks their gradients before the activation into ∂Z [M×n] (and, for ∂w,
// their inputs into X [M×k]), then ∂b += the rows of ∂Z in turn, ∂w += Xᵀ·∂Z
// and ∂X = ∂Z·wᵀ, whose row blocks are added into the inputs' gradients.
func affineBatchBack(grp []*Node) {
	w, b := grp[0].args[1], grp[0].args[2]
	k, n := w.Dims()
	relu := grp[0].op == opAffineReLU
	rows, needX := 0, false
	for _, o := range grp {
		r, _ := o.Dims()
		rows += r
		needX = needX || o.args[0].Grad != nil
	}
	size := rows * n
	if w.Grad != nil {
		size += rows * k
	}
	if needX {
		size += rows * k
	}
	sc := getScratch(size)
	defer putScratch(sc)
	dz, rest := sc.data[:rows*n], sc.data[rows*n:]
	var xs, dx []float64
	if w.Grad != nil {
		xs, rest = rest[:rows*k], rest[rows*k:]
	}
	if needX {
		dx = rest[:rows*k]
	}
	off := 0
	for _, o := range grp {
		r, _ := o.Dims()
		d := dz[off*n : (off+r)*n]
		if relu {
			reluMask(d, data(o.Grad), data(o.Value))
		} else {
			copy(d, data(o.Grad))
		}
		if xs != nil {
			copy(xs[off*k:(off+r)*k], data(o.args[0].Value))
		}
		off += r
	}
	if b.Grad != nil {
		biasGrad(data(b.Grad)[:n], dz, rows, n)
	}
	if w.Grad != nil {
		gemm.Dgemm(true, false, k, n, rows, 1, xs, k, dz, n, 1, data(w.Grad), n)
	}
	if !needX {
		return
	}
	inputGrad(dx, dz, data(w.Value), rows, k, n, 0)
	off = 0
	for _, o := range grp {
		r, _ := o.Dims()
		if xg := gradData(o.args[0]); xg != nil {
			accumulate(xg, dx[off*k:(off+r)*k], 1)
		}
		off += r
	}
}
