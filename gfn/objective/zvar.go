package objective

import (
	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
)

var _ gfn.Objective = (*ZVar)(nil)

// ZVar is the log-partition variance objective of Zhang et al. 2023, "Robust
// scheduling with GFlowNets" (arXiv 2302.05446), the VarGrad estimator of
// Richter et al. 2020 (arXiv 2010.10436) applied to trajectory balance. Each
// trajectory gives an estimate of log Z,
//
//	ζ_i = log R(x_i) + Σ log P_B − Σ log P_F,
//
// and the loss is the mean over the batch of the regressed deviations
// ζ_i − mean_j ζ_j: the batch variance of ζ with squared residuals. It is TB
// with log Z replaced by the batch mean of its estimates, so it learns no log Z.
// The zero value is ready to use.
type ZVar struct {
	// Regression turns residuals into losses; nil means SquaredResidual.
	Regression gfn.Regression
}

// Needs returns the zero Needs.
func (o *ZVar) Needs() gfn.Needs { return gfn.Needs{} }

// Params returns nil: ZVar has no parameters of its own.
func (o *ZVar) Params() []*autograd.Node { return nil }

// Loss returns the mean regressed deviation of the per-trajectory log Z
// estimates of b from their mean, as a 1×1 node of t. A batch of one
// trajectory has loss 0.
//
// It panics if the scores do not match b.
func (o *ZVar) Loss(t *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	checkScores("ZVar", b, s, false)
	d := t.Sub(s.LogPB, s.LogPF)                                          // [M×1]
	zeta := t.Add(t.SegmentSum(d, b.Traj[:b.M()], b.N), logRewards(t, b)) // [N×1] ζ_i
	r := t.Sub(zeta, t.Mean(zeta))                                        // [N×1]
	return t.Mean(regress(o.Regression, t, r))
}
