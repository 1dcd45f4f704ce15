package objective

import (
	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"gonum.org/v1/gonum/mat"
)

var _ gfn.Objective = (*TB)(nil)

// TB is the trajectory balance objective of Malkin et al. 2022, "Trajectory
// balance: Improved credit assignment in GFlowNets" (arXiv 2201.13259, eq. 14).
// For each trajectory τ = (s₀ → … → s_n = x) its residual is
//
//	log Z + Σ log P_F(s_t|s_{t−1}) − log R(x) − Σ log P_B(s_{t−1}|s_t),
//
// with log Z a learned scalar, and the loss is the mean over the batch of the
// regressed residuals. With an exit action the exit edge contributes its
// log P_F(exit|x) and log P_B = 0.
type TB struct {
	// LogZ is the learned 1×1 log-partition estimate, returned by Params. The
	// reference implementations give it its own learning rate (0.1 on
	// HyperGrid). NewTB initialises it to 0.
	LogZ *autograd.Node
	// Regression turns residuals into losses; nil means SquaredResidual.
	Regression gfn.Regression
}

// NewTB returns a TB objective with a learned log Z initialised to 0.
func NewTB() *TB {
	return &TB{LogZ: autograd.NewParam(mat.NewDense(1, 1, nil))}
}

// Needs returns the zero Needs: TB reads log P_F, log P_B and the rewards.
func (o *TB) Needs() gfn.Needs { return gfn.Needs{} }

// LogPartition returns the learned log Z.
func (o *TB) LogPartition() float64 { return o.LogZ.Value.At(0, 0) }

// Params returns log Z.
func (o *TB) Params() []*autograd.Node { return []*autograd.Node{o.LogZ} }

// Loss returns the mean over the trajectories of b of the regressed trajectory
// balance residuals, as a 1×1 node of t.
//
// It panics if o.LogZ is nil (use NewTB) or the scores do not match b.
func (o *TB) Loss(t *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	if o.LogZ == nil {
		panic("objective: TB.LogZ is nil; make the objective with NewTB")
	}
	checkScores("TB", b, s, false)
	d := t.Sub(s.LogPF, s.LogPB)                     // [M×1]
	sum := t.SegmentSum(d, b.Traj[:b.M()], b.N)      // [N×1] Σ log P_F − Σ log P_B
	r := t.Sub(t.Add(sum, o.LogZ), logRewards(t, b)) // [N×1]
	return t.Mean(regress(o.Regression, t, r))
}

// regress applies reg to the residuals r, SquaredResidual when reg is nil.
func regress(reg gfn.Regression, t *autograd.Tape, r *autograd.Node) *autograd.Node {
	if reg == nil {
		return t.Square(r)
	}
	return reg(t, r)
}

// logRewards returns b.LogReward as an [N×1] constant node.
func logRewards(t *autograd.Tape, b *gfn.Batch) *autograd.Node {
	n := t.Input(b.N, 1)
	copy(n.Value.RawMatrix().Data, b.LogReward[:b.N])
	return n
}

// checkScores panics unless the scores an objective named name reads are
// [M×1] nodes for the M transitions of b; needF says whether it reads LogF.
func checkScores(name string, b *gfn.Batch, s *gfn.Scores, needF bool) {
	if b.N < 1 || len(b.Traj) < b.M() || len(b.LogReward) < b.N {
		panic("objective: " + name + " of an empty or inconsistent batch")
	}
	m := b.M()
	check := func(n *autograd.Node, what string) {
		if n == nil {
			panic("objective: " + name + " needs Scores." + what)
		}
		if r, c := n.Dims(); r != m || c != 1 {
			panic("objective: " + name + ": Scores." + what + " is not [M×1] for the batch")
		}
	}
	check(s.LogPF, "LogPF")
	check(s.LogPB, "LogPB")
	if needF {
		check(s.LogF, "LogF (a flow head)")
	}
}

var _ gfn.Splittable = (*TB)(nil)

// Terms returns the number of trajectories of b: the loss is their mean.
func (o *TB) Terms(b *gfn.Batch) int { return b.N }

// Replica returns a TB for another goroutine whose log Z shares o's value and
// has a gradient of its own.
func (o *TB) Replica() gfn.Objective {
	return &TB{LogZ: autograd.NewParam(o.LogZ.Value), Regression: o.Regression}
}
