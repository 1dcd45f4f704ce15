package objective

import (
	"math"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/scratch"

	"github.com/gogfn/gogfn/autograd"
)

var _ gfn.Objective = (*SubTB)(nil)

// SubTB is the sub-trajectory balance objective SubTB(λ) of Madan et al. 2023,
// "Learning GFlowNets from partial episodes for improved convergence and
// stability" (arXiv 2209.12782), with the "geometric_within"
// weighting of torchgfn. Number the positions of a trajectory k = 0 … n, where
// log F_k is the model's log-flow of state s_k (Scores.LogF) for k < n and
// log F_n = log R(x) (with an exit action position n is the sink, reached by
// the exit edge). Every sub-trajectory i < j has the residual
//
//	r_ij = log F_i + Σ_{k=i}^{j−1} (log P_F − log P_B)_k − log F_j
//
// and the weight λ^(j−i), normalised to sum to 1 within the trajectory; the
// loss is the mean over the trajectories of the weighted regressed residuals.
// λ → 0 gives DB (sub-trajectories of length 1) and λ → ∞ gives TB with
// log Z = log F(s₀).
//
// The residuals are computed from prefix sums C_k = Σ_{l<k} (log P_F − log P_B)_l
// as r_ij = (log F_i − C_i) − (log F_j − C_j): O(M) work on the graph and
// O(Σ n²) element-wise work, with no graph node per pair. The zero value is
// ready to use; it keeps index and weight buffers between calls, so one SubTB
// must not compute two losses at once.
type SubTB struct {
	// Lambda is λ, the geometric weight of a sub-trajectory per transition;
	// 0 means 0.9 (torchgfn; gflownet-rl uses 1.9 on bit sequences).
	Lambda float64
	// Regression turns residuals into losses; nil means SquaredResidual.
	Regression gfn.Regression

	pos    []int     // [M+N] row of each position's log-flow in [LogF; log R]
	lo, hi []int     // [P] positions i and j of each sub-trajectory
	w      []float64 // [P] normalised weights, divided by the number of trajectories
	pow    []float64 // λ^d (scaled), d = 0 … max length
}

// Needs returns Needs{Flow: true}: SubTB reads the flow head.
func (o *SubTB) Needs() gfn.Needs { return gfn.Needs{Flow: true} }

// Params returns nil: SubTB has no parameters of its own.
func (o *SubTB) Params() []*autograd.Node { return nil }

// Loss returns the SubTB(λ) loss of b as a 1×1 node of t. Trajectories with no
// transition carry no term; a batch with no transition at all has loss 0, as a
// constant.
//
// It panics if s.LogF is nil (the model has no flow head), Lambda is negative
// or the scores do not match b.
func (o *SubTB) Loss(t *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	checkScores("SubTB", b, s, true)
	if o.Lambda < 0 || math.IsNaN(o.Lambda) {
		panic("objective: SubTB.Lambda is negative")
	}
	if !o.index(b) {
		return t.Input(1, 1)
	}
	d := t.Sub(s.LogPF, s.LogPB)                    // [M×1]
	c := t.SegmentCumSum(d, b.Offset[:b.N+1])       // [(M+N)×1] C_k at every position
	flows := t.ConcatRows(s.LogF, logRewards(t, b)) // [(M+N)×1] log F of sources, then log R(x)
	u := t.Sub(t.Rows(flows, o.pos), c)             // [(M+N)×1] log F_k − C_k
	r := t.Sub(t.Rows(u, o.lo), t.Rows(u, o.hi))    // [P×1] r_ij
	w := t.Input(len(o.w), 1)
	copy(w.Value.RawMatrix().Data, o.w)
	return t.Sum(t.Mul(regress(o.Regression, t, r), w))
}

// index fills the position, pair and weight buffers for b and reports whether
// there is at least one sub-trajectory.
func (o *SubTB) index(b *gfn.Batch) bool {
	m := b.M()
	lambda := o.Lambda
	if lambda == 0 {
		lambda = 0.9
	}
	o.pos = scratch.Resize(o.pos, m+b.N)
	pairs := 0
	for _, n := range b.Len[:b.N] {
		pairs += n * (n + 1) / 2
	}
	o.lo, o.hi, o.w = scratch.Resize(o.lo, pairs), scratch.Resize(o.hi, pairs), scratch.Resize(o.w, pairs)
	p, used := 0, 0
	for i := 0; i < b.N; i++ {
		n, base := b.Len[i], b.Offset[i]+i
		for k := 0; k < n; k++ {
			o.pos[base+k] = b.Offset[i] + k
		}
		o.pos[base+n] = m + i
		if n == 0 {
			continue
		}
		used++
		// λ^d for d = 0 … n, scaled by λ^−n when λ > 1 so that nothing
		// overflows; the scale cancels in the normalisation.
		o.pow = scratch.Resize(o.pow, n+1)
		for d := range o.pow {
			if lambda > 1 {
				o.pow[d] = math.Pow(lambda, float64(d-n))
			} else {
				o.pow[d] = math.Pow(lambda, float64(d))
			}
		}
		var total float64
		for d := 1; d <= n; d++ {
			total += float64(n+1-d) * o.pow[d]
		}
		for d := 1; d <= n; d++ {
			o.pow[d] /= total
		}
		for a := 0; a < n; a++ {
			for z := a + 1; z <= n; z++ {
				o.lo[p], o.hi[p], o.w[p] = base+a, base+z, o.pow[z-a]
				p++
			}
		}
	}
	if used == 0 {
		return false
	}
	for p := range o.w {
		o.w[p] /= float64(used)
	}
	return true
}

var _ gfn.Splittable = (*SubTB)(nil)

// Terms returns the number of trajectories of b with at least one transition:
// the loss is the mean of their weighted sub-trajectory losses.
func (o *SubTB) Terms(b *gfn.Batch) int {
	n := 0
	for _, l := range b.Len[:b.N] {
		if l > 0 {
			n++
		}
	}
	return n
}

// Replica returns a SubTB with the same settings and buffers of its own.
func (o *SubTB) Replica() gfn.Objective { return &SubTB{Lambda: o.Lambda, Regression: o.Regression} }
