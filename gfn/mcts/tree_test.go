package mcts

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
)

// snapshot is a copy of a subtree: its node numbers in depth-first order
// with everything stored for them.
type snapshot struct {
	ids    []int32
	parent []int32
	size   []int32
	term   []bool
	r      []float64
	state  []int
	q      []float64
	child  []int32
}

func snap(f *forest, root int32) *snapshot {
	s := &snapshot{}
	var walk func(u int32)
	walk = func(u int32) {
		s.ids = append(s.ids, u)
		s.parent = append(s.parent, f.parent[u])
		s.size = append(s.size, f.size[u])
		s.term = append(s.term, f.term[u])
		s.r = append(s.r, f.r[u])
		s.state = append(s.state, f.stateOf(u)...)
		s.q = append(s.q, f.values(u)...)
		s.child = append(s.child, f.children(u)...)
		for _, c := range f.children(u) {
			if c != none {
				walk(c)
			}
		}
	}
	walk(root)
	return s
}

func (s *snapshot) equal(o *snapshot) bool {
	return slices.Equal(s.ids, o.ids) && slices.Equal(s.parent[1:], o.parent[1:]) && slices.Equal(s.size, o.size) &&
		slices.Equal(s.term, o.term) && slices.Equal(s.r, o.r) && slices.Equal(s.state, o.state) &&
		slices.Equal(s.q, o.q) && slices.Equal(s.child, o.child)
}

// TestTreeReuse checks that moving a root to the chosen child keeps exactly
// that child's subtree (same nodes, values, sizes and links), frees every
// other node of the tree, leaves the other trees alone, and that the next
// step plans on from the kept subtree.
func TestTreeReuse(t *testing.T) {
	env := hypergrid.New(2, 6, hypergrid.Standard)
	q := softrl.NewQNet(env, []int{16}, rand.New(rand.NewPCG(1, 1)))
	p := &Planner{Env: env, Q: q, Rollouts: 12, Eps: 0.2}
	rng := rand.New(rand.NewPCG(2, 2))
	const n = 3
	s0, m0 := start(env)
	states, mask := slices.Repeat(s0, n), slices.Repeat(m0, n)
	ids := []int{0, 1, 2}
	p.StartRollout(n)
	if err := p.plan(states, mask, ids, rng); err != nil {
		t.Fatal(err)
	}
	f := &p.trees
	root := p.roots[1]
	// The non-exit child with the largest subtree.
	a, best := -1, int32(0)
	for act, c := range f.children(root) {
		if c != none && !f.term[c] && f.size[c] > best {
			a, best = act, f.size[c]
		}
	}
	if a < 0 || best < 2 {
		t.Fatalf("no child with a subtree to keep: sizes %v", f.size)
	}
	kept := snap(f, f.childAt(root, a))
	others := []*snapshot{snap(f, p.roots[0]), snap(f, p.roots[2])}
	if f.live != int(f.size[p.roots[0]]+f.size[root]+f.size[p.roots[2]]) || f.size[root] != int32(p.Rollouts+1) {
		t.Fatalf("%d live nodes, tree sizes %d %d %d", f.live, f.size[p.roots[0]], f.size[root], f.size[p.roots[2]])
	}
	freed := len(f.free)
	p.advance(1, a)
	if p.roots[1] != kept.ids[0] || f.parent[p.roots[1]] != none {
		t.Fatalf("new root %d (parent %d), want node %d without parent", p.roots[1], f.parent[p.roots[1]], kept.ids[0])
	}
	if !snap(f, p.roots[1]).equal(kept) {
		t.Fatal("the kept subtree changed")
	}
	if !snap(f, p.roots[0]).equal(others[0]) || !snap(f, p.roots[2]).equal(others[1]) {
		t.Fatal("another tree changed")
	}
	if f.live != int(f.size[p.roots[0]]+best+f.size[p.roots[2]]) || len(f.free)-freed != p.Rollouts+1-int(best) {
		t.Fatalf("%d live and %d freed nodes after the move", f.live, len(f.free)-freed)
	}
	// The next step starts from the kept subtree and grows it back to the cap.
	next := make(gfn.State, 2)
	env.Step(next, s0, a)
	copy(states[2:4], next)
	env.Mask(mask[3:6], next)
	if err := p.plan(states, mask, ids, rng); err != nil {
		t.Fatal(err)
	}
	if p.roots[1] != kept.ids[0] || f.size[p.roots[1]] != int32(p.Rollouts+1) {
		t.Fatalf("after the next plan: root %d of size %d, want node %d of size %d", p.roots[1], f.size[p.roots[1]], kept.ids[0], p.Rollouts+1)
	}
}

// e2w returns the E2W tree policy of the values q with mask valid at a node
// of size n, written out from the formula π(a) = (1−λ)·softmax(q)_a +
// λ/#valid with λ = min(1, ε·|A|/ln(n+1)).
func e2w(q []float64, valid []bool, n int, eps float64) []float64 {
	lam := min(1, eps*float64(len(q))/math.Log(float64(n)+1))
	var z float64
	nv := 0
	for a, ok := range valid {
		if ok {
			z += math.Exp(q[a])
			nv++
		}
	}
	pi := make([]float64, len(q))
	for a, ok := range valid {
		if ok {
			pi[a] = (1-lam)*math.Exp(q[a])/z + lam/float64(nv)
		}
	}
	return pi
}

// TestE2W checks the mixing weight against the formula at a few points and
// the frequencies of the tree policy's first draw from a root, 200,000 per
// setting, against the formula: within 5 standard deviations.
func TestE2W(t *testing.T) {
	env := hypergrid.New(4, 3, hypergrid.Standard) // |A| = 5
	p := &Planner{Env: env, Q: starQ(env)}
	p.StartRollout(1)
	for _, c := range []struct {
		eps  float64
		size int32
		want float64
	}{{0.01, 1, 0.05 / math.Ln2}, {0.01, 10, 0.05 / math.Log(11)}, {0, 3, 0.05 / math.Log(4)}, {1, 1, 1}, {0.3, 1000, 1.5 / math.Log(1001)}} {
		p.Eps = c.eps
		if got := p.lambda(c.size); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("λ(ε=%v, N=%d) = %v, want %v", c.eps, c.size, got, c.want)
		}
	}
	s := gfn.State{2, 0, 1, 0} // increments of coordinate 0 invalid
	q := []float64{0.3, -1, 2, 7, 0.5}
	rng := rand.New(rand.NewPCG(8, 8))
	for _, c := range []struct {
		eps  float64
		size int32
	}{{0.05, 1}, {0.05, 20}, {0.01, 3}} {
		p.Eps = c.eps
		p.StartRollout(1)
		f := &p.trees
		root := f.alloc()
		copy(f.stateOf(root), s)
		env.Mask(f.valid(root), s)
		copy(f.values(root), q)
		want := e2w(q, f.valid(root), int(c.size), c.eps)
		count := make([]float64, 5)
		const n = 200_000
		for range n {
			f.size[root] = c.size
			leaf, err := p.descend(root, rng)
			if err != nil {
				t.Fatal(err)
			}
			count[f.act[leaf]]++
			f.child[int(root)*f.a+int(f.act[leaf])] = none
			p.stack = f.release(leaf, none, p.stack)
		}
		for a, w := range want {
			if sd := math.Sqrt(n * w * (1 - w)); math.Abs(count[a]-n*w) > 5*sd+1e-9 {
				t.Errorf("ε=%v, N=%d: action %d drawn %v times, want %.0f ± %.0f", c.eps, c.size, a, count[a], n*w, sd)
			}
		}
	}
}
