package objective

import (
	"slices"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/scratch"

	"github.com/gogfn/gogfn/autograd"
)

var _ gfn.Objective = (*FM)(nil)

// FM is the flow matching objective of Bengio et al. 2021, "Flow network based
// generative models for non-iterative diverse candidate generation" (arXiv
// 2106.04399, the flow matching condition in log space). Edge flows are
// parameterised through the model's flow head and forward policy,
// log F(s→s') = log F(s) + log P_F(s'|s), so the same model serves DB, SubTB and
// FM. Each visited state s' that a non-exit transition reaches gives the term
//
//	log Σ_{p ∈ Par(s')} exp(log F(p) + log P_F(s'|p)) − log F(s'),
//
// the mismatch between the inflow of s' and its flow, where log F(s') is the
// model's, or log R(x) when s' = x ends a trajectory of an environment without
// exit action. Each exit edge x → s_f gives the term
// log F(x) + log P_F(s_f|x) − log R(x). The loss is the mean over all terms of
// the regressed residuals; a state visited twice gives two terms.
//
// The parents come from the environment of the scores (Scores.Env), which
// must be Reversible: for each
// backward action of s' the parent p and the forward action a with
// Step(p, a) = s' and BackwardAction(p, a) equal to it. All parents of the batch
// are scored by one call to Scores.Model.Evaluate. The objective keeps its
// buffers between calls, so one FM must not compute two losses at once; Loss
// itself allocates nothing once they have grown, though the Evaluator it calls
// may.
type FM struct {
	// Regression turns residuals into losses; nil means SquaredResidual.
	Regression gfn.Regression

	env              gfn.Reversible // Scores.Env of the current loss
	next             []int          // [M] row of the next position's log-flow (DB's)
	tgt, exits, exTr []int          // non-exit targets' flow rows; exit transitions and their trajectories
	parents          []int          // [E·D] parent states, flat
	acts, seg        []int          // [E] forward action from each parent, and its term
	fmask, bmask     []bool         // scratch masks
	tmp              []int          // scratch state
}

// Needs returns Needs{Flow: true, Parents: true}: FM evaluates the parents
// of visited states.
func (o *FM) Needs() gfn.Needs { return gfn.Needs{Flow: true, Parents: true} }

// Params returns nil: FM has no parameters of its own.
func (o *FM) Params() []*autograd.Node { return nil }

// Loss returns the mean flow matching loss of the states and exit edges that
// b visits, as a 1×1 node of t.
//
// It panics if s.Env is not Reversible, s.Model is nil, s.LogF is nil, the evaluator returns
// no flow, the environment has no forward action to a parent that one of its
// backward actions names, or the scores do not match b.
func (o *FM) Loss(t *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	checkScores("FM", b, s, true)
	env, ok := s.Env.(gfn.Reversible)
	if !ok {
		panic("objective: FM needs Scores.Env, a Reversible environment")
	}
	o.env = env
	if s.Model == nil {
		panic("objective: FM needs Scores.Model to evaluate the parents of visited states")
	}
	o.collect(b)
	logR := logRewards(t, b)
	flows := t.ConcatRows(s.LogF, logR) // [(M+N)×1]
	var r1, r2 *autograd.Node
	if len(o.tgt) > 0 {
		logPF, logF := s.Model.Evaluate(t, o.parents, len(o.seg))
		if logF == nil {
			panic("objective: FM needs a model with a flow head")
		}
		edge := t.Add(t.Pick(logPF, o.acts), logF)        // [E×1] log F(p) + log P_F(s'|p)
		in := t.SegmentLogSumExp(edge, o.seg, len(o.tgt)) // [T×1] log inflow
		r1 = t.Sub(in, t.Rows(flows, o.tgt))              // [T×1]
	}
	if len(o.exits) > 0 {
		out := t.Rows(t.Add(s.LogF, s.LogPF), o.exits) // [X×1] log F(x) + log P_F(s_f|x)
		r2 = t.Sub(out, t.Rows(logR, o.exTr))          // [X×1]
	}
	var r *autograd.Node
	switch {
	case r1 != nil && r2 != nil:
		r = t.ConcatRows(r1, r2)
	case r1 != nil:
		r = r1
	case r2 != nil:
		r = r2
	default:
		panic("objective: FM of a batch with no transition")
	}
	return t.Mean(regress(o.Regression, t, r))
}

// collect lists the terms of b: the flow rows of the targets of non-exit
// transitions, their parents and forward actions, and the exit transitions.
func (o *FM) collect(b *gfn.Batch) {
	spec := o.env.Spec()
	dim := spec.StateDim
	o.next = nextFlowRows(o.next, b)
	o.fmask = scratch.Resize(o.fmask, spec.NumActions)
	o.bmask = scratch.Resize(o.bmask, spec.NumBackward)
	o.tmp = scratch.Resize(o.tmp, dim)
	o.tgt, o.exits, o.exTr = o.tgt[:0], o.exits[:0], o.exTr[:0]
	o.parents, o.acts, o.seg = o.parents[:0], o.acts[:0], o.seg[:0]
	for k := 0; k < b.M(); k++ {
		if b.Exit[k] {
			o.exits, o.exTr = append(o.exits, k), append(o.exTr, b.Traj[k])
			continue
		}
		term := len(o.tgt)
		o.tgt = append(o.tgt, o.next[k])
		child := b.Target(k)
		o.env.BackwardMask(o.bmask, child)
		for back, ok := range o.bmask {
			if !ok {
				continue
			}
			n := len(o.parents)
			o.parents = slices.Grow(o.parents, dim)[:n+dim]
			parent := gfn.State(o.parents[n : n+dim])
			o.env.BackwardStep(parent, child, back)
			a := gfn.ForwardAction(o.env, parent, child, back, o.fmask, o.tmp)
			if a < 0 {
				panic("objective: FM: no forward action leads from a parent to its child")
			}
			o.acts = append(o.acts, a)
			o.seg = append(o.seg, term)
		}
	}
}
