package softrl

import "fmt"

// SumTree is a complete binary tree over n non-negative leaf weights whose
// internal nodes hold the sums of their children (Schaul et al. 2016,
// "Prioritized Experience Replay", arXiv 1511.05952, appendix B.2.1). Setting a
// weight and finding the leaf at a given prefix sum both take O(log n); neither
// allocates.
//
// Each Set recomputes the sums on the leaf's path from the children, rather
// than adding a difference, so rounding errors do not accumulate however many
// updates are made.
type SumTree struct {
	n    int       // number of leaves in use
	size int       // number of leaf slots, a power of two ≥ n
	node []float64 // [2·size] node[1] is the root; leaves are node[size:size+n]
}

// NewSumTree returns a tree over n leaves, all of weight 0.
// It panics if n < 1.
func NewSumTree(n int) *SumTree {
	if n < 1 {
		panic(fmt.Sprintf("softrl: SumTree of %d leaves", n))
	}
	size := 1
	for size < n {
		size *= 2
	}
	return &SumTree{n: n, size: size, node: make([]float64, 2*size)}
}

// Len returns the number of leaves.
func (t *SumTree) Len() int { return t.n }

// Total returns the sum of all weights.
func (t *SumTree) Total() float64 { return t.node[1] }

// At returns the weight of leaf i.
// It panics if i is outside [0, Len).
func (t *SumTree) At(i int) float64 {
	if i < 0 || i >= t.n {
		panic(fmt.Sprintf("softrl: SumTree leaf %d of %d", i, t.n))
	}
	return t.node[t.size+i]
}

// Set sets the weight of leaf i to w.
// It panics if i is outside [0, Len) or w is negative or NaN.
func (t *SumTree) Set(i int, w float64) {
	if i < 0 || i >= t.n {
		panic(fmt.Sprintf("softrl: SumTree leaf %d of %d", i, t.n))
	}
	if !(w >= 0) {
		panic(fmt.Sprintf("softrl: SumTree weight %v", w))
	}
	j := t.size + i
	t.node[j] = w
	for j > 1 {
		j /= 2
		t.node[j] = t.node[2*j] + t.node[2*j+1]
	}
}

// Find returns the leaf i whose interval [Σ_{k<i} w_k, Σ_{k≤i} w_k) contains u,
// so that for u uniform on [0, Total) leaf i is found with probability
// w_i / Total. u is clamped into [0, Total), and a leaf of weight 0 is never
// returned while Total > 0, even where rounding would lead to one.
// It panics if Total is 0.
func (t *SumTree) Find(u float64) int {
	if !(t.node[1] > 0) {
		panic("softrl: SumTree.Find with total weight 0")
	}
	u = max(u, 0)
	j := 1
	for j < t.size {
		l := 2 * j
		if u < t.node[l] || !(t.node[l+1] > 0) {
			j = l
			u = min(u, t.node[l]) // rounding: stay inside the left child
			continue
		}
		u -= t.node[l]
		j = l + 1
	}
	// Every step enters a child of positive weight (a left child entered
	// because u < its weight, or because its sibling weighs 0 under a positive
	// parent), so the leaf reached has positive weight.
	return j - t.size
}
