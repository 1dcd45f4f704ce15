package objective

import (
	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/scratch"
)

var _ gfn.Objective = (*DB)(nil)

// DB is the detailed balance objective of Bengio et al. 2021, "GFlowNet
// Foundations" (arXiv 2111.09266, the detailed balance constraint
// F(s)·P_F(s'|s) = F(s')·P_B(s|s')). Each transition s → s' has the residual
//
//	log F(s) + log P_F(s'|s) − log F(s') − log P_B(s|s'),
//
// where log F comes from the model's flow head (Scores.LogF) except at the
// last position of a trajectory, where it is fixed to log R(x). So the exit
// edge x → s_f gives log F(x) + log P_F(s_f|x) − log R(x), as in torchgfn 1.0,
// and without an exit action the last transition ends at F(x) = R(x). The loss
// is the mean over the transitions of the regressed residuals.
//
// The zero value is ready to use; it keeps index buffers between calls, so one
// DB must not compute two losses at once.
type DB struct {
	// Regression turns residuals into losses; nil means SquaredResidual.
	Regression gfn.Regression

	next []int // [M] row of the next position's log-flow in [LogF; log R]
}

// Needs returns Needs{Flow: true}: DB reads the flow head.
func (o *DB) Needs() gfn.Needs { return gfn.Needs{Flow: true} }

// Params returns nil: DB has no parameters of its own.
func (o *DB) Params() []*autograd.Node { return nil }

// Loss returns the mean over the transitions of b of the regressed detailed
// balance residuals, as a 1×1 node of t.
//
// It panics if s.LogF is nil (the model has no flow head) or the scores do not
// match b.
func (o *DB) Loss(t *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	checkScores("DB", b, s, true)
	o.next = nextFlowRows(o.next, b)
	flows := t.ConcatRows(s.LogF, logRewards(t, b)) // [(M+N)×1] log F(s) of sources, then log R(x)
	r := t.Add(s.LogF, t.Sub(s.LogPF, s.LogPB))
	r = t.Sub(r, t.Rows(flows, o.next)) // [M×1]
	return t.Mean(regress(o.Regression, t, r))
}

// nextFlowRows fills dst[m], for each transition m of b, with the row of
// [LogF; log R] that holds the log-flow of the position after m: m+1 inside a
// trajectory, M+i after the last transition of trajectory i. It reuses dst.
func nextFlowRows(dst []int, b *gfn.Batch) []int {
	m := b.M()
	dst = scratch.Resize(dst, m)
	for i := 0; i < b.N; i++ {
		lo, hi := b.Offset[i], b.Offset[i+1]
		for k := lo; k < hi-1; k++ {
			dst[k] = k + 1
		}
		if hi > lo {
			dst[hi-1] = m + i
		}
	}
	return dst
}

var _ gfn.Splittable = (*DB)(nil)

// Terms returns the number of transitions of b: the loss is their mean.
func (o *DB) Terms(b *gfn.Batch) int { return b.M() }

// Replica returns a DB with the same settings and buffers of its own.
func (o *DB) Replica() gfn.Objective { return &DB{Regression: o.Regression} }
