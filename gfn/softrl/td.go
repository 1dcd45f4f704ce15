package softrl

import (
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
)

// TD computes the regression targets of Soft DQN and Munchausen DQN for
// GFlowNets (Tiapkin et al. 2024, §3.2-3.3 and algorithm 1 of their appendix):
//
//	y = r(s, a) + [s′ ≠ s_f]·λ·log Σ_{a′ valid} exp(Q_tgt(s′, a′)/λ)
//	    + α·clip(λ·log π_tgt(a|s), L0, 0),
//
// where r is log P_B(s|s′) on ordinary edges and log R(x) on the exit edge
// (Transitions.Reward), λ = 1/(1−α) and log π_tgt(a|s) = Q_tgt(s,a)/λ −
// log Σ_{a′ valid} exp(Q_tgt(s,a′)/λ). With α = 0 (λ = 1) it is Soft DQN; the
// Munchausen bonus is added to every transition, exit edges included.
//
// With Double, the bootstrap value follows the online policy
// π_θ = softmax(Q_θ(s′,·)/λ) instead: V(s′) = Σ_{a′} π_θ(a′)·(Q_tgt(s′,a′) −
// λ·log π_θ(a′)), which equals the soft value above when π_θ = π_tgt. The
// papers' code has an `is_double` switch, off by default, whose soft form
// its description does not spell out; this is our reading of it.
type TD struct {
	Alpha  float64 // Munchausen coefficient α ∈ [0, 1); 0 is Soft DQN
	L0     float64 // lower clip of the Munchausen term; 0 means −100 (hypergrid)
	Double bool    // bootstrap with the online policy (see above)
}

// Lambda returns the entropy coefficient λ = 1/(1−α).
func (td TD) Lambda() float64 { return 1 / (1 - td.Alpha) }

func (td TD) l0() float64 {
	if td.L0 == 0 {
		return -100
	}
	return td.L0
}

// Targets writes the targets of the tr.N transitions into dst. Each Q is
// row-major [tr.N×NumActions]: qNext holds Q_tgt(s′,·) (rows of Done
// transitions are not read), qCur holds Q_tgt(s,·) and is read only when
// Alpha > 0, and qNextOnline holds Q_θ(s′,·) and is read only with Double.
// It panics if a needed slice is too short or Alpha is outside [0, 1).
func (td TD) Targets(dst []float64, tr *gfn.Transitions, qNext, qCur, qNextOnline []float64) {
	if !(td.Alpha >= 0 && td.Alpha < 1) {
		panic(fmt.Sprintf("softrl: Munchausen α = %v outside [0, 1)", td.Alpha))
	}
	n, a := tr.N, tr.NumActions
	if len(dst) < n || len(qNext) < n*a || (td.Alpha > 0 && len(qCur) < n*a) || (td.Double && len(qNextOnline) < n*a) {
		panic(fmt.Sprintf("softrl: TD.Targets of %d transitions: short slices", n))
	}
	lambda, l0 := td.Lambda(), td.l0()
	for i := 0; i < n; i++ {
		y := tr.Reward(i)
		if !tr.Done[i] {
			qn, m := qNext[i*a:(i+1)*a], tr.NextMask[i*a:(i+1)*a]
			if td.Double {
				y += doubleValue(qn, qNextOnline[i*a:(i+1)*a], m, lambda)
			} else {
				y += SoftValue(qn, m, lambda)
			}
		}
		if td.Alpha > 0 {
			qc, m := qCur[i*a:(i+1)*a], tr.Mask[i*a:(i+1)*a]
			logpi := qc[tr.Actions[i]] - SoftValue(qc, m, lambda) // λ·log π_tgt(a|s)
			y += td.Alpha * min(max(logpi, l0), 0)
		}
		dst[i] = y
	}
}

// doubleValue returns Σₐ π(a)·(qT[a] − λ·log π(a)) for π = softmax(qO/λ) over
// the valid actions.
func doubleValue(qT, qO []float64, valid []bool, lambda float64) float64 {
	v := SoftValue(qO, valid, lambda)
	var s float64
	for a, q := range qO {
		if valid[a] {
			lp := (q - v) / lambda // log π(a)
			s += math.Exp(lp) * (qT[a] - lambda*lp)
		}
	}
	return s
}

// huberLoss returns the Huber loss of r with δ = 1: ½r² for |r| ≤ 1 and
// |r| − ½ elsewhere, as autograd.Tape.Huber computes it.
func huberLoss(r float64) float64 {
	if a := math.Abs(r); a > 1 {
		return a - 0.5
	}
	return 0.5 * r * r
}

// TDLoss records on t the TD loss of q on the tr.N transitions with targets y:
// elem [N×1] holds wᵢ·ℓ(Q(sᵢ, aᵢ) − yᵢ), where ℓ is the Huber loss with δ = 1
// (or the square when squared), and loss is their mean. w may be nil (all
// weights 1). The targets are constants: no gradient flows into them.
// It panics if y or a non-nil w is shorter than tr.N.
func TDLoss(t *autograd.Tape, q QFunction, tr *gfn.Transitions, y, w []float64, squared bool) (loss, elem *autograd.Node) {
	n := tr.N
	if len(y) < n || (w != nil && len(w) < n) {
		panic(fmt.Sprintf("softrl: TDLoss of %d transitions with %d targets, %d weights", n, len(y), len(w)))
	}
	pred := t.Pick(q.Q(t, tr.States, n), tr.Actions[:n])
	return tdLoss(t, pred, y[:n], w, squared)
}

// tdLoss is TDLoss from the predictions pred [n×1] = Q(sᵢ, aᵢ).
func tdLoss(t *autograd.Tape, pred *autograd.Node, y, w []float64, squared bool) (loss, elem *autograd.Node) {
	n, _ := pred.Dims()
	yt := t.Input(n, 1)
	copy(yt.Value.RawMatrix().Data, y[:n])
	if squared {
		elem = t.SquaredError(pred, yt)
	} else {
		elem = t.Huber(pred, yt, 1)
	}
	if w != nil {
		wt := t.Input(n, 1)
		copy(wt.Value.RawMatrix().Data, w[:n])
		elem = t.Mul(elem, wt)
	}
	return t.Mean(elem), elem
}
