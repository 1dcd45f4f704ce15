package mcts

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
)

// round runs one expansion round on every tree that may still grow: a
// descent to one new node each, one batched evaluation of the new nodes,
// and their backups.
func (p *Planner) round(ids []int, rng *rand.Rand) error {
	f := &p.trees
	p.pend = p.pend[:0]
	for _, id := range ids {
		root := p.roots[id]
		if int(f.size[root]) > p.Rollouts {
			continue
		}
		leaf, err := p.descend(root, rng)
		if err != nil {
			return err
		}
		if leaf != none {
			p.pend = append(p.pend, leaf)
		}
	}
	if len(p.pend) == 0 {
		return nil
	}
	p.edgeRewards(p.pend)
	p.evaluate(p.pend)
	for _, c := range p.pend {
		if f.term[c] {
			par := f.parent[c]
			v := f.values(par)[f.act[c]] // the paper's code: the parent's current Q̂
			if p.TrueReward {
				v = f.r[c] + p.Env.LogReward(f.stateOf(c))
			}
			f.r[c] = v
		}
		p.backup(c)
	}
	return nil
}

// lambda returns the E2W mixing weight λ_s = min(1, ε·|A|/ln(N(s)+1)) of a
// node whose subtree has size nodes, with |A| = NumActions as in the
// paper's code (not the number of valid actions).
func (p *Planner) lambda(size int32) float64 {
	eps := p.Eps
	if eps == 0 {
		eps = DefaultEps
	}
	return min(1, eps*float64(p.spec.NumActions)/math.Log(float64(size)+1))
}

// descend walks from root by the E2W tree policy
// π(a|s) = (1−λ_s)·softmax(Q̂(s,·))_a + λ_s/#valid(s) until it draws an action
// without a child, creates that child and returns it; every node on the way
// grows by one. It returns none, creating nothing, when the walk reaches an
// existing terminal node.
func (p *Planner) descend(root int32, rng *rand.Rand) (int32, error) {
	f := &p.trees
	for s := root; ; {
		q := f.values(s)
		a := gfn.DrawSoftmax(rng, p.w, q, f.valid(s), 1, p.lambda(f.size[s]))
		if a < 0 {
			return none, fmt.Errorf("mcts: non-finite values at state %v: %v", f.stateOf(s), q)
		}
		c := f.childAt(s, a)
		if c != none {
			if f.term[c] {
				return none, nil
			}
			s = c
			continue
		}
		c, err := p.expand(s, a)
		if err != nil {
			return none, err
		}
		for u := s; u != none; u = f.parent[u] {
			f.size[u]++
		}
		return c, nil
	}
}

// expand creates the child of s through action a. A non-exit child gets its
// state, its mask and, for a fixed P_B, the reward of its edge; its values
// come later, from the round's batched evaluation.
func (p *Planner) expand(s int32, a int) (int32, error) {
	f := &p.trees
	c := f.alloc()
	f.link(s, a, c)
	st := f.stateOf(c)
	if p.spec.Exit && a == p.spec.NumActions-1 {
		copy(st, f.stateOf(s))
		f.term[c] = true
		return c, nil
	}
	p.Env.Step(st, f.stateOf(s), a)
	m := f.valid(c)
	p.Env.Mask(m, st)
	if !slices.Contains(m, true) {
		if p.spec.Exit {
			return none, fmt.Errorf("%w: state %v has no valid action, not even exit (Mask)", gfn.ErrEnv, st)
		}
		f.term[c] = true
	}
	if p.fixed != nil {
		p.fixed.LogProbsAt(p.row, p.bmask, st)
		f.r[c] = p.row[p.rev.BackwardAction(f.stateOf(s), a)]
	}
	return c, nil
}

// edgeRewards sets the edge rewards of the non-exit nodes of list with a
// learned backward policy, in one pass.
func (p *Planner) edgeRewards(list []int32) {
	if p.learned == nil {
		return
	}
	k := p.gather(list, true)
	if k == 0 {
		return
	}
	f := &p.trees
	nb := p.spec.NumBackward
	p.tape.Reset()
	lp := p.learned.LogProbs(&p.tape, p.buf, k).Value.RawMatrix().Data
	for j, c := range p.sel {
		f.r[c] = lp[j*nb+p.rev.BackwardAction(f.stateOf(f.parent[c]), int(f.act[c]))]
	}
}

// evaluate sets Q̂ = Q of the non-terminal nodes of list, in one pass.
func (p *Planner) evaluate(list []int32) {
	k := p.gather(list, false)
	if k == 0 {
		return
	}
	a := p.spec.NumActions
	p.tape.Reset()
	q := p.uq.Q(&p.tape, p.buf, k).Value.RawMatrix().Data
	for j, c := range p.sel {
		copy(p.trees.values(c), q[j*a:(j+1)*a])
	}
}

// gather selects the nodes of list that are not exit nodes, and with
// terminal false not terminal either, into p.sel and their states into
// p.buf, and returns their number.
func (p *Planner) gather(list []int32, terminal bool) int {
	f := &p.trees
	p.buf, p.sel = p.buf[:0], p.sel[:0]
	for _, c := range list {
		exit := p.spec.Exit && int(f.act[c]) == p.spec.NumActions-1
		if exit || (f.term[c] && !terminal) {
			continue
		}
		p.sel = append(p.sel, c)
		p.buf = append(p.buf, f.stateOf(c)...)
	}
	return len(p.sel)
}

// backup propagates the value of node c to the root of its tree (the soft
// Bellman backup of MENTS at temperature 1): for each node u on the way
// with parent v, Q̂(v, act(u)) = r(u) + log Σ_{a valid} exp Q̂(u, a), or the
// value of u when u is terminal.
func (p *Planner) backup(c int32) {
	f := &p.trees
	for u := c; f.parent[u] != none; u = f.parent[u] {
		v := f.r[u]
		if !f.term[u] {
			v += softrl.SoftValue(f.values(u), f.valid(u), 1)
		}
		f.values(f.parent[u])[f.act[u]] = v
	}
}
