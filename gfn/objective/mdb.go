package objective

import (
	"math"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
)

var _ gfn.Objective = (*ModifiedDB)(nil)

// ModifiedDB is the modified detailed balance objective of Deleu et al. 2022,
// "Bayesian structure learning with generative flow networks" (arXiv
// 2202.13903, the modified detailed balance condition), for environments
// where every state can exit. There the flow of a state is
// F(s) = R(s)/P_F(s_f|s), and detailed balance on a non-exit transition
// s → s' becomes
//
//	R(s')·P_B(s|s')·P_F(s_f|s) = R(s)·P_F(s'|s)·P_F(s_f|s'),
//
// with no flow head. The residual is
//
//	log R(s) + log P_F(s'|s) + log P_F(s_f|s') − log R(s') − log P_B(s|s') − log P_F(s_f|s),
//
// which is DB's log F(s) + log P_F(s'|s) − log F(s') − log P_B(s|s') with
// log F = log R − log P_F(s_f|·). The loss is the mean over the non-exit
// transitions of the regressed residuals; exit transitions carry no term (they
// are implied by the definition of F).
//
// It reads Scores.LogPFExit and Batch.StateLogReward. The zero value is ready
// to use; it keeps index buffers between calls, so one ModifiedDB must not
// compute two losses at once.
type ModifiedDB struct {
	// Regression turns residuals into losses; nil means SquaredResidual.
	Regression gfn.Regression

	src, dst []int // [K] non-exit transitions m and m+1 (the transition out of s')
}

// Needs returns Needs{Exit: true}: modified DB reads the exit scores and
// the rewards of every state.
func (o *ModifiedDB) Needs() gfn.Needs { return gfn.Needs{Exit: true} }

// Params returns nil: ModifiedDB has no parameters of its own.
func (o *ModifiedDB) Params() []*autograd.Node { return nil }

// Loss returns the mean over the non-exit transitions of b of the regressed
// modified detailed balance residuals, as a 1×1 node of t. A batch with no
// non-exit transition has loss 0, as a constant.
//
// It panics if s.LogPFExit is nil, b.StateLogReward does not hold M+N
// entries, a non-exit transition ends its trajectory (the environment has no
// exit action), a state of a non-exit transition has a non-finite log-reward
// (it cannot exit), or the scores do not match b.
func (o *ModifiedDB) Loss(t *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	checkScores("ModifiedDB", b, s, false)
	m := b.M()
	if s.LogPFExit == nil {
		panic("objective: ModifiedDB needs Scores.LogPFExit (an environment with an exit action)")
	}
	if r, c := s.LogPFExit.Dims(); r != m || c != 1 {
		panic("objective: ModifiedDB: Scores.LogPFExit is not [M×1] for the batch")
	}
	if len(b.StateLogReward) != m+b.N {
		panic("objective: ModifiedDB needs Batch.StateLogReward for all M+N states")
	}
	o.src, o.dst = o.src[:0], o.dst[:0]
	for k := 0; k < m; k++ {
		if b.Exit[k] {
			continue
		}
		if k+1 >= b.Offset[b.Traj[k]+1] {
			panic("objective: ModifiedDB: a trajectory ends without an exit transition")
		}
		o.src, o.dst = append(o.src, k), append(o.dst, k+1)
	}
	if len(o.src) == 0 {
		return t.Input(1, 1)
	}
	// ΔlogR = log R(s) − log R(s'), for s = source and s' = target of each term.
	dr := t.Input(len(o.src), 1)
	dv := dr.Value.RawMatrix().Data
	for j, k := range o.src {
		i := k + b.Traj[k] // state index of the source
		d := b.StateLogReward[i] - b.StateLogReward[i+1]
		if math.IsNaN(d) || math.IsInf(d, 0) {
			panic("objective: ModifiedDB: a state of a non-exit transition has a non-finite log-reward")
		}
		dv[j] = d
	}
	fwd := t.Sub(t.Sub(s.LogPF, s.LogPB), s.LogPFExit) // [M×1] log P_F − log P_B − log P_F(s_f|s)
	r := t.Add(t.Rows(fwd, o.src), t.Rows(s.LogPFExit, o.dst))
	r = t.Add(r, dr) // [K×1]
	return t.Mean(regress(o.Regression, t, r))
}

var _ gfn.Splittable = (*ModifiedDB)(nil)

// Terms returns the number of non-exit transitions of b: the loss is their
// mean.
func (o *ModifiedDB) Terms(b *gfn.Batch) int {
	n := 0
	for _, exit := range b.Exit[:b.M()] {
		if !exit {
			n++
		}
	}
	return n
}

// Replica returns a ModifiedDB with the same settings and buffers of its own.
func (o *ModifiedDB) Replica() gfn.Objective { return &ModifiedDB{Regression: o.Regression} }
