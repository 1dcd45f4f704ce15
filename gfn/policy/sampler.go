package policy

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/internal/scratch"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
)

var _ gfn.Actor = (*Actor)(nil)

// Actor is the gfn.Actor of a Policy: at each step it evaluates the policy on
// the states of the step in one batched forward pass and draws each action
// from the behaviour policy (1−Epsilon)·softmax(logits/Temperature) +
// Epsilon·uniform over the valid actions.
//
// With Tape set, every forward pass is recorded on it and kept, so that a
// loss can reuse them (Sampler.Rollout); with Tape nil, each pass goes on a
// private tape that is reset at the next step (inference).
//
// An Actor keeps scratch buffers: it is not safe for concurrent use.
type Actor struct {
	Policy *Policy
	// Epsilon is the probability of a uniformly random valid action; 0
	// means none.
	Epsilon float64
	// Temperature divides the logits; 0 means 1.
	Temperature float64
	// Tape records the forward passes, or is nil (see above).
	Tape *autograd.Tape

	own           autograd.Tape
	fwd, pb, flow []*autograd.Node // the recorded passes, in order
	w             []float64
}

// StartRollout forgets the passes recorded by the previous rollout.
func (a *Actor) StartRollout(int) { a.fwd, a.pb, a.flow = a.fwd[:0], a.pb[:0], a.flow[:0] }

// Act evaluates the policy on the states and draws one action for each. It
// returns an error if a state's logits are NaN or +Inf (a diverged model).
func (a *Actor) Act(acts []int, states []int, mask []bool, _ []int, rng *rand.Rand) error {
	p := a.Policy
	n, na := len(acts), p.a
	t := a.Tape
	if t == nil {
		t = &a.own
		t.Reset()
	}
	logits, pb, flow := p.forward(t, states, n)
	if a.Tape != nil {
		a.fwd = append(a.fwd, logits)
		if pb != nil {
			a.pb = append(a.pb, pb)
		}
		if flow != nil {
			a.flow = append(a.flow, flow)
		}
	}
	temp := a.Temperature
	if temp == 0 {
		temp = 1
	}
	a.w = scratch.Resize(a.w, na)
	lv := logits.Value.RawMatrix().Data
	for r := range acts {
		acts[r] = gfn.DrawSoftmax(rng, a.w, lv[r*na:r*na+na], mask[r*na:r*na+na], temp, a.Epsilon)
		if acts[r] < 0 {
			return fmt.Errorf("policy: non-finite logits at state %v: %v", states[r*p.sd:r*p.sd+p.sd], lv[r*na:r*na+na])
		}
	}
	return nil
}

// Sampler draws batches of complete trajectories from a Policy with an
// Actor, all advancing one step per batched forward pass (gfn.Sampler).
//
// The behaviour policy may explore (Epsilon, Temperature, as Actor). The
// Scores that Rollout returns are always those of the model itself
// (temperature 1, no mixing), so that off-policy objectives such as TB stay
// correct.
//
// A Sampler keeps its buffers from call to call: once they have grown, a
// rollout allocates nothing. It is not safe for concurrent use; give each
// goroutine its own Sampler, Policy and Rand.
type Sampler struct {
	Policy *Policy
	// Rand is the source of randomness. It must not be nil.
	Rand *rand.Rand
	// Epsilon and Temperature shape the behaviour policy, as in Actor.
	Epsilon, Temperature float64
	// StateRewards fills Batch.StateLogReward (see gfn.Sampler).
	StateRewards bool

	loop   gfn.Sampler
	actor  Actor
	scores gfn.Scores
	term   []int // terminal states, for a learned P_B without exit action
	tgt    []int
}

func (s *Sampler) setup(t *autograd.Tape) {
	if s.Rand == nil {
		panic("policy: Sampler.Rand is nil")
	}
	s.loop.Env, s.loop.StateRewards = s.Policy.Env, s.StateRewards
	s.actor.Policy, s.actor.Epsilon, s.actor.Temperature, s.actor.Tape = s.Policy, s.Epsilon, s.Temperature, t
}

// Rollout samples n trajectories into dst (reusing its storage), recording
// the forward passes on t, and returns the model's Scores for dst's
// transitions in dst's order. No forward pass is repeated: the objective's
// loss is computed from the nodes recorded while sampling (with a learned
// P_B in an environment without exit action, one more pass evaluates it at
// the terminal objects). The returned Scores are overwritten by the next
// Rollout. Rollout is Record followed by Scores.
//
// It returns the error of the rollout (gfn.Sampler, Actor). It panics if
// n < 1 or s.Rand is nil.
func (s *Sampler) Rollout(dst *gfn.Batch, t *autograd.Tape, n int) (*gfn.Scores, error) {
	if err := s.Record(dst, t, n); err != nil {
		return nil, err
	}
	return s.Scores(t, dst), nil
}

// Record samples n trajectories into dst, recording the forward passes on t
// for Scores, which may come later: an algorithm that trains its backward
// policy between sampling and the forward loss (TLM) scores the batch once
// that policy is updated.
//
// It returns and panics as Rollout does.
func (s *Sampler) Record(dst *gfn.Batch, t *autograd.Tape, n int) error {
	s.setup(t)
	return s.loop.Rollout(dst, &s.actor, n, s.Rand)
}

// Scores returns the model's Scores of the batch of the last Record (dst,
// unchanged since), read from the passes recorded on t, which must not have
// been Reset since.
func (s *Sampler) Scores(t *autograd.Tape, dst *gfn.Batch) *gfn.Scores {
	p := s.Policy
	src := s.loop.Rows()
	m, n := dst.M(), dst.N
	var tgt []int
	pbs := s.actor.pb
	if p.ownScores() {
		rows := 0 // rows of the recorded passes
		for _, f := range s.actor.fwd {
			r, _ := f.Dims()
			rows += r
		}
		s.tgt = scratch.Resize(s.tgt, m)
		tgt = s.tgt
		for j := 0; j < m; j++ {
			tgt[j] = src[j] // exit edges: not read
			if j+1 < m && dst.Traj[j+1] == dst.Traj[j] {
				tgt[j] = src[j+1]
			}
		}
		if !p.Spec.Exit { // the last targets are terminal objects, never evaluated
			s.term = s.term[:0]
			for i := 0; i < n; i++ {
				s.term = append(s.term, dst.Terminal(i)...)
				if l := dst.Len[i]; l > 0 {
					tgt[dst.Offset[i]+l-1] = rows + i
				}
			}
			_, pb, _ := p.forward(t, s.term, n)
			pbs = append(pbs, pb)
		}
	}
	logits, pb, flow := concat(t, s.actor.fwd), concat(t, pbs), concat(t, s.actor.flow)
	return p.scores(&s.scores, t, dst, logits, pb, flow, src, tgt)
}

// Sample samples n trajectories into dst with no gradient bookkeeping: each
// step's forward pass goes on a private tape that is reset at the next step.
// It is the inference mode (sampling objects from a trained model).
//
// It returns and panics as Rollout does.
func (s *Sampler) Sample(dst *gfn.Batch, n int) error {
	s.setup(nil)
	return s.loop.Rollout(dst, &s.actor, n, s.Rand)
}

func concat(t *autograd.Tape, ns []*autograd.Node) *autograd.Node {
	switch len(ns) {
	case 0:
		return nil
	case 1:
		return ns[0]
	}
	return t.ConcatRows(ns...)
}
