package softrl

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/gfn"
)

// ErrEmptyReplay is returned when sampling from a replay buffer that holds no
// transitions.
var ErrEmptyReplay = errors.New("softrl: sampling from an empty replay buffer")

// Replay is a fixed-capacity buffer of transitions: a ring whose oldest
// transitions are overwritten once it is full, stored flat and allocated once.
// It samples uniformly, or, when made by NewPrioritizedReplay, in proportion to
// priorities (Schaul et al. 2016, arXiv 1511.05952, §3.3): transition i is
// drawn with probability P(i) = pᵢ/Σₖpₖ, where pᵢ = (|δᵢ| + Eps)^Alpha for its
// last reported error δᵢ. A Replay is not safe for concurrent use.
type Replay struct {
	// Alpha is the priority exponent α of a prioritized buffer (0 gives
	// uniform probabilities); it is set by NewPrioritizedReplay.
	Alpha float64
	// Eps is added to every error before the exponent, so that no stored
	// transition has probability zero; 0 means 1e-6.
	Eps float64

	data       gfn.Transitions // [capacity] rows
	next, size int
	tree       *SumTree // nil for a uniform buffer
	maxErr     float64  // the largest error reported so far, for Add without errors
}

// NewReplay returns an empty buffer with uniform sampling for capacity
// transitions of the given state and action sizes.
// It panics if a size is not positive.
func NewReplay(capacity, stateDim, numActions int) *Replay {
	if capacity < 1 {
		panic(fmt.Sprintf("softrl: replay capacity %d", capacity))
	}
	r := &Replay{}
	r.data.Resize(capacity, stateDim, numActions)
	return r
}

// NewPrioritizedReplay returns an empty buffer with proportional prioritized
// sampling and priority exponent alpha (0.5 in the hypergrid experiments of
// Tiapkin et al., 0.9 in bit sequences).
// It panics if a size is not positive or alpha is negative.
func NewPrioritizedReplay(capacity, stateDim, numActions int, alpha float64) *Replay {
	if !(alpha >= 0) {
		panic(fmt.Sprintf("softrl: priority exponent %v", alpha))
	}
	r := NewReplay(capacity, stateDim, numActions)
	r.Alpha, r.tree = alpha, NewSumTree(capacity)
	return r
}

// Len returns the number of stored transitions.
func (r *Replay) Len() int { return r.size }

// Cap returns the capacity.
func (r *Replay) Cap() int { return r.data.N }

// Prioritized reports whether the buffer samples by priority.
func (r *Replay) Prioritized() bool { return r.tree != nil }

// Add stores the transitions of tr, overwriting the oldest ones when the
// buffer is full. errs gives each new transition's error |δ| (its current
// TD error, for example), from which its priority is computed; if errs is
// nil, each gets the largest error reported so far (1 at first). A uniform
// buffer ignores errs.
// It panics if tr's sizes differ from the buffer's or errs has a length
// other than tr.N.
func (r *Replay) Add(tr *gfn.Transitions, errs []float64) {
	if tr.StateDim != r.data.StateDim || tr.NumActions != r.data.NumActions {
		panic(fmt.Sprintf("softrl: Replay.Add of state dim %d, %d actions to a buffer of %d, %d",
			tr.StateDim, tr.NumActions, r.data.StateDim, r.data.NumActions))
	}
	if errs != nil && len(errs) != tr.N {
		panic(fmt.Sprintf("softrl: Replay.Add of %d transitions with %d errors", tr.N, len(errs)))
	}
	if r.maxErr == 0 {
		r.maxErr = 1
	}
	for i := 0; i < tr.N; i++ {
		slot := r.next
		r.data.CopyRow(slot, tr, i)
		if r.tree != nil {
			e := r.maxErr
			if errs != nil {
				e = errs[i]
			}
			r.setErr(slot, e)
		}
		r.next = (r.next + 1) % r.data.N
		r.size = min(r.size+1, r.data.N)
	}
}

// setErr sets the priority of slot from the error e.
func (r *Replay) setErr(slot int, e float64) {
	e = math.Abs(e)
	if math.IsNaN(e) || math.IsInf(e, 0) {
		panic(fmt.Sprintf("softrl: replay priority from error %v", e))
	}
	eps := r.Eps
	if eps == 0 {
		eps = 1e-6
	}
	r.maxErr = max(r.maxErr, e)
	r.tree.Set(slot, math.Pow(e+eps, r.Alpha))
}

// Update sets the errors of the transitions in the given slots (Slot of a
// sampled batch), from which their priorities are recomputed. It does nothing
// on a uniform buffer.
// It panics if the lengths differ, a slot is not in use or an error is NaN or
// infinite.
func (r *Replay) Update(slots []int, errs []float64) {
	if len(slots) != len(errs) {
		panic(fmt.Sprintf("softrl: Replay.Update of %d slots with %d errors", len(slots), len(errs)))
	}
	if r.tree == nil {
		return
	}
	for i, s := range slots {
		if s < 0 || s >= r.size {
			panic(fmt.Sprintf("softrl: Replay.Update of slot %d of %d in use", s, r.size))
		}
		r.setErr(s, errs[i])
	}
}

// Gather copies the transitions in the given slots into dst, with Slot set
// and Weight 1.
// It panics if a slot is not in use.
func (r *Replay) Gather(dst *gfn.Transitions, slots []int) {
	dst.Resize(len(slots), r.data.StateDim, r.data.NumActions)
	for k, s := range slots {
		if s < 0 || s >= r.size {
			panic(fmt.Sprintf("softrl: Replay.Gather of slot %d of %d in use", s, r.size))
		}
		dst.CopyRow(k, &r.data, s)
		dst.Slot[k], dst.Weight[k] = s, 1
	}
}

// Probability returns the probability with which one draw of Sample picks
// the transition in slot (1/Len for a uniform buffer).
// It panics if slot is not in use.
func (r *Replay) Probability(slot int) float64 {
	if slot < 0 || slot >= r.size {
		panic(fmt.Sprintf("softrl: Replay.Probability of slot %d of %d in use", slot, r.size))
	}
	if r.tree == nil {
		return 1 / float64(r.size)
	}
	return r.tree.At(slot) / r.tree.Total()
}

// Sample draws n transitions with replacement into dst, with rng. A
// prioritized buffer draws one transition from each of n equal slices of the
// total priority (stratified, as Schaul et al.), so the expected number of
// draws of transition i in a batch is exactly n·P(i); it sets the importance
// weights Weight[k] = (Len·P(k))^(−beta), divided by their largest value in the
// batch so that they are at most 1 (Schaul et al. divide by the largest weight
// over the buffer). A uniform buffer sets every weight to 1.
// It returns ErrEmptyReplay if the buffer is empty.
// It panics if n < 1.
func (r *Replay) Sample(dst *gfn.Transitions, n int, beta float64, rng *rand.Rand) error {
	if n < 1 {
		panic(fmt.Sprintf("softrl: Replay.Sample of %d transitions", n))
	}
	if r.size == 0 {
		return ErrEmptyReplay
	}
	dst.Resize(n, r.data.StateDim, r.data.NumActions)
	if r.tree == nil {
		for k := 0; k < n; k++ {
			s := rng.IntN(r.size)
			dst.CopyRow(k, &r.data, s)
			dst.Slot[k], dst.Weight[k] = s, 1
		}
		return nil
	}
	total := r.tree.Total()
	seg := total / float64(n)
	wmax := 0.0
	for k := 0; k < n; k++ {
		s := r.tree.Find((float64(k) + rng.Float64()) * seg)
		dst.CopyRow(k, &r.data, s)
		w := math.Pow(float64(r.size)*r.tree.At(s)/total, -beta)
		dst.Slot[k], dst.Weight[k] = s, w
		wmax = max(wmax, w)
	}
	for k := range dst.Weight {
		dst.Weight[k] /= wmax
	}
	return nil
}
