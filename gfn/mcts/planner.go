package mcts

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/scratch"
)

// DefaultEps is the E2W exploration coefficient ε of the paper's code.
const DefaultEps = 0.01

var _ gfn.RolloutStarter = (*Planner)(nil)

// Planner is a gfn.Actor that plans every step of every trajectory with
// maximum-entropy tree search (MENTS, Xiao et al. 2019) over a Q-function
// view of a GFlowNet: one search tree per trajectory, whose root is the
// trajectory's current state. Run it with gfn.Sampler, which starts the
// trees (StartRollout) and asks for one action per running trajectory and
// step (Act).
//
// At each step the planner runs Rollouts expansion rounds (see the package
// documentation): in each, every tree with at most Rollouts nodes descends
// by the E2W tree policy to one new node, all new nodes of the round are
// evaluated by Q in one network pass, and their values are backed up to the
// roots. The real action is then drawn from softmax(Q̂(root,·)) over the valid
// actions (or from softmax(Behaviour(s,·))), and the root moves to the chosen
// child, keeping its subtree. With Rollouts = 0 the planner draws from
// softmax(Q(s,·)): it is exactly softrl.Boltzmann over Q with the same
// random numbers.
//
// A Planner keeps its trees and scratch buffers from rollout to rollout:
// once they have grown, a rollout allocates nothing. It is not safe for
// concurrent use.
type Planner struct {
	Env gfn.Env
	// Q gives Q̂(s,·) to every state that enters a tree: the target network
	// in training, the model at inference. Its values at invalid actions are
	// never read.
	Q softrl.QFunction
	// Backward is the backward policy whose log P_B(s|s′) is the reward of
	// each non-exit edge of the trees; nil means uniform over the parents
	// (P_B = 1 in a Spec.Tree that is not Reversible). A gfn.FixedBackward is
	// evaluated without a tape; any other in one batched pass per round.
	Backward gfn.Backward
	// Rollouts is the number of expansion rounds per step; 0 means none
	// (the Boltzmann policy of Q). A tree stops growing at Rollouts+1 nodes,
	// the nodes kept from the previous step included.
	Rollouts int
	// Eps is the E2W exploration coefficient ε; 0 means DefaultEps.
	Eps float64
	// TrueReward gives a terminal node the value log R(x) (plus the edge's
	// log P_B in an environment without exit action) instead of its parent's
	// current Q̂ of the edge (see the package documentation).
	TrueReward bool
	// Behaviour, when not nil, draws the real actions from
	// softmax(Behaviour(s,·)) instead of softmax(Q̂(root,·)); the trees are
	// built all the same (the mcts_train mode of the paper).
	Behaviour softrl.QFunction
	// Record keeps Q̂(root,·) after planning, for every state the planner
	// acted on in the current rollout, in Values.
	Record bool
	// Values holds, with Record, Q̂(root,·) [rows×NumActions] of every
	// state acted on in the current rollout, one row per state in the order
	// seen: transition j of the rollout's batch has its source's row at
	// gfn.Sampler.Rows()[j].
	Values []float64

	spec    gfn.Spec
	trees   forest
	roots   []int32 // [n] root of each trajectory, or none
	rev     gfn.Reversible
	fixed   gfn.FixedBackward
	learned gfn.Backward
	uniform *gfn.Uniform
	uq, ub  softrl.UniqueQ
	tape    autograd.Tape
	pend    []int32 // nodes to evaluate
	buf     []int   // their states, flat
	sel     []int32 // the nodes of a pass
	stack   []int32
	w       []float64
	row     []float64 // [NumBackward]
	bmask   []bool    // [NumBackward]
	sized   int       // trajectories the tape and buffers are sized for
}

// StartRollout forgets the trees and Values of the previous rollout and
// prepares n empty trees.
//
// It panics if Env or Q is nil, Rollouts is negative, or Eps is negative or
// NaN.
func (p *Planner) StartRollout(n int) {
	if p.Env == nil || p.Q == nil || p.Rollouts < 0 || !(p.Eps >= 0) {
		panic(fmt.Sprintf("mcts: Planner with Env %v, Q %v, Rollouts %d, Eps %v", p.Env, p.Q, p.Rollouts, p.Eps))
	}
	p.spec = p.Env.Spec()
	d, a := p.spec.StateDim, p.spec.NumActions
	p.setBackward()
	p.roots = scratch.Resize(p.roots, n)
	for i := range p.roots {
		p.roots[i] = none
	}
	p.trees.reset(d, a, n*(p.Rollouts+2))
	p.Values = p.Values[:0]
	if p.Record {
		p.Values = slices.Grow(p.Values, n*p.spec.MaxLen*a)
	}
	p.uq.QFunction, p.uq.StateDim = p.Q, d
	p.ub.QFunction, p.ub.StateDim = p.Behaviour, d
	p.w = scratch.Resize(p.w, a)
	if n > p.sized {
		p.reserve(n)
	}
}

// setBackward resolves the backward policy of the edge rewards.
func (p *Planner) setBackward() {
	p.rev, _ = p.Env.(gfn.Reversible)
	pb := p.Backward
	if pb == nil && p.rev != nil {
		if p.uniform == nil || p.uniform.Env != p.rev {
			p.uniform = &gfn.Uniform{Env: p.rev}
		}
		pb = p.uniform
	}
	p.fixed, p.learned = nil, nil
	if f, ok := pb.(gfn.FixedBackward); ok {
		p.fixed = f
	} else {
		p.learned = pb
	}
	nb := p.spec.NumBackward
	p.row, p.bmask = scratch.Resize(p.row, nb), scratch.Resize(p.bmask, nb)
}

// reserve sizes the tape and the buffers for passes over n states.
func (p *Planner) reserve(n int) {
	d := p.spec.StateDim
	s0 := make(gfn.State, d)
	p.Env.Start(s0)
	p.uq.Reserve(&p.tape, s0, n)
	if p.Behaviour != nil {
		p.ub.Reserve(&p.tape, s0, n)
	}
	if p.learned != nil {
		p.tape.Reset()
		states := make([]int, 0, n*d)
		for range n {
			states = append(states, s0...)
		}
		p.learned.LogProbs(&p.tape, states, n)
	}
	p.tape.Reset()
	p.pend = slices.Grow(p.pend[:0], n)
	p.buf = slices.Grow(p.buf[:0], n*d)
	p.sel = slices.Grow(p.sel[:0], n)
	p.stack = slices.Grow(p.stack[:0], n*(p.Rollouts+2))
	p.sized = n
}

// Act plans one step of each trajectory and writes the chosen actions. It
// returns an error if a value is NaN or +Inf (a diverged network), every
// valid value of a node is −Inf, or the environment breaks its contract
// inside a tree (wrapping gfn.ErrEnv).
//
// It panics if a trajectory id is out of the range StartRollout was given.
func (p *Planner) Act(acts []int, states []int, mask []bool, ids []int, rng *rand.Rand) error {
	if err := p.plan(states, mask, ids, rng); err != nil {
		return err
	}
	d, a := p.spec.StateDim, p.spec.NumActions
	var behave []float64
	if p.Behaviour != nil {
		p.tape.Reset()
		behave = p.ub.Q(&p.tape, states, len(acts)).Value.RawMatrix().Data
	}
	for r, id := range ids {
		root := p.roots[id]
		q := p.trees.values(root)
		if p.Record {
			p.Values = append(p.Values, q...)
		}
		if behave != nil {
			q = behave[r*a : (r+1)*a]
		}
		act := gfn.DrawSoftmax(rng, p.w, q, mask[r*a:(r+1)*a], 1, 0)
		if act < 0 {
			return fmt.Errorf("mcts: non-finite values at state %v: %v", states[r*d:(r+1)*d], q)
		}
		acts[r] = act
		p.advance(id, act)
	}
	return nil
}

// plan brings the tree of every trajectory of ids to its state (a new root
// where the tree was not kept) and runs the expansion rounds.
func (p *Planner) plan(states []int, mask []bool, ids []int, rng *rand.Rand) error {
	d, a := p.spec.StateDim, p.spec.NumActions
	p.pend = p.pend[:0]
	for r, id := range ids {
		s := states[r*d : (r+1)*d]
		if u := p.roots[id]; u != none {
			if !slices.Equal(p.trees.stateOf(u), s) {
				return fmt.Errorf("%w: the search tree of trajectory %d is at %v, the rollout at %v (Step is not deterministic)",
					gfn.ErrEnv, id, p.trees.stateOf(u), s)
			}
			continue
		}
		u := p.trees.alloc()
		copy(p.trees.stateOf(u), s)
		copy(p.trees.valid(u), mask[r*a:(r+1)*a])
		p.roots[id] = u
		p.pend = append(p.pend, u)
	}
	p.evaluate(p.pend)
	for range p.Rollouts {
		if err := p.round(ids, rng); err != nil {
			return err
		}
	}
	return nil
}

// advance moves the root of trajectory id to its child through action a,
// keeping that child's subtree and freeing the rest; without such a child
// (or at a terminal one) the next step starts a new tree.
func (p *Planner) advance(id, a int) {
	f := &p.trees
	root := p.roots[id]
	keep := f.childAt(root, a)
	if keep != none && f.term[keep] {
		keep = none
	}
	p.stack = f.release(root, keep, p.stack)
	if keep != none {
		f.parent[keep] = none
	}
	p.roots[id] = keep
}
