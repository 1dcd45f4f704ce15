package autograd

import (
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestPlanGroups checks which layers Backward back-propagates together:
// the independent layers of the same weights, whatever their row counts,
// and not layers of the same weights applied one after the other.
func TestPlanGroups(t *testing.T) {
	w, b := NewParam(mat.NewDense(4, 4, nil)), NewParam(mat.NewDense(1, 4, nil))
	v := NewParam(mat.NewDense(4, 4, nil))
	var tp Tape
	for _, c := range []struct {
		name   string
		f      func() *Node
		groups []int // sizes
	}{
		{"steps", func() *Node {
			a, b2, c := tp.AffineReLU(tp.Leaf(3, 4), w, b), tp.AffineReLU(tp.Leaf(1, 4), w, b), tp.AffineReLU(tp.Leaf(2, 4), w, b)
			return tp.Sum(tp.ConcatRows(a, b2, c))
		}, []int{3}},
		{"kinds", func() *Node { // Affine and AffineReLU do not mix; other weights neither
			a, b2 := tp.Affine(tp.Leaf(3, 4), w, b), tp.AffineReLU(tp.Leaf(1, 4), w, b)
			c, d := tp.Affine(tp.Leaf(2, 4), w, b), tp.Affine(tp.Leaf(2, 4), v, b)
			return tp.Sum(tp.ConcatRows(a, b2, c, d))
		}, []int{2}},
		{"chain", func() *Node { // the same weights twice in a row: two levels
			return tp.Sum(tp.AffineReLU(tp.AffineReLU(tp.Leaf(3, 4), w, b), w, b))
		}, nil},
		{"unused", func() *Node { // a layer the loss does not read
			tp.AffineReLU(tp.Leaf(3, 4), w, b)
			return tp.Sum(tp.AffineReLU(tp.Leaf(3, 4), w, b))
		}, nil},
	} {
		tp.Reset()
		c.f()
		var s sched
		ok := s.plan(&tp, tp.Len()-1)
		if ok != (len(c.groups) > 0) || len(s.groups) != len(c.groups) {
			t.Errorf("%s: plan %v with %d groups, want %d", c.name, ok, len(s.groups), len(c.groups))
			continue
		}
		for i, g := range s.groups {
			if g.to-g.from != c.groups[i] {
				t.Errorf("%s: group %d of %d layers, want %d", c.name, i, g.to-g.from, c.groups[i])
			}
		}
	}
}
