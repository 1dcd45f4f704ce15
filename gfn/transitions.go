package gfn

import (
	"fmt"
	"math"

	"github.com/gogfn/gogfn/internal/scratch"
)

// Transitions holds N single transitions s → s′ of the soft RL view of a
// GFlowNet (Tiapkin et al. 2024, arXiv 2310.12934, §3): trajectories split
// into edges (FromBatch), or a batch drawn from a replay buffer. Storage is
// flat and reused by Resize.
//
// The reward of a transition is LogPB + LogR: log P_B(s|s′) on an ordinary
// edge, log R(x) on the exit edge x → s_f, and log P_B(s|x) + log R(x) on the
// last edge of an environment without exit action, whose terminal x has no
// valid action. Done transitions do not bootstrap: V(s_f) = 0.
type Transitions struct {
	StateDim, NumActions int

	N        int
	States   []int     // [N·StateDim] source states s
	Next     []int     // [N·StateDim] target states s′ (x itself on exit edges)
	Actions  []int     // [N] forward action taken
	Back     []int     // [N] backward action that undoes it, −1 on exit edges and in a Tree
	Exit     []bool    // [N] whether the transition is the exit edge x → s_f
	Done     []bool    // [N] whether s′ is the sink or a terminal without valid action
	Mask     []bool    // [N·NumActions] valid forward actions in s
	NextMask []bool    // [N·NumActions] valid forward actions in s′ (all false where Done)
	LogPB    []float64 // [N] log P_B(s|s′); 0 on exit edges, where P_B = 1
	LogR     []float64 // [N] log R(x) of the terminal object where Done, else 0

	// Slot and Weight are filled by a replay buffer's Sample: the buffer slot
	// each transition came from, and its importance weight.
	Slot   []int     // [N]
	Weight []float64 // [N]
}

// Resize sets the shape of tr to n transitions of the given sizes, reusing its
// storage when it is large enough. The contents are undefined afterwards.
//
// It panics if a size is negative or stateDim or numActions is 0.
func (tr *Transitions) Resize(n, stateDim, numActions int) {
	if n < 0 || stateDim < 1 || numActions < 1 {
		panic(fmt.Sprintf("gfn: Transitions of %d rows, state dim %d, %d actions", n, stateDim, numActions))
	}
	tr.N, tr.StateDim, tr.NumActions = n, stateDim, numActions
	tr.States = scratch.Resize(tr.States, n*stateDim)
	tr.Next = scratch.Resize(tr.Next, n*stateDim)
	tr.Actions = scratch.Resize(tr.Actions, n)
	tr.Back = scratch.Resize(tr.Back, n)
	tr.Exit = scratch.Resize(tr.Exit, n)
	tr.Done = scratch.Resize(tr.Done, n)
	tr.Mask = scratch.Resize(tr.Mask, n*numActions)
	tr.NextMask = scratch.Resize(tr.NextMask, n*numActions)
	tr.LogPB = scratch.Resize(tr.LogPB, n)
	tr.LogR = scratch.Resize(tr.LogR, n)
	tr.Slot = scratch.Resize(tr.Slot, n)
	tr.Weight = scratch.Resize(tr.Weight, n)
}

// Source returns the source state of transition i; it aliases tr's storage.
func (tr *Transitions) Source(i int) State {
	return State(tr.States[i*tr.StateDim : (i+1)*tr.StateDim])
}

// Target returns the target state of transition i; it aliases tr's storage.
func (tr *Transitions) Target(i int) State {
	return State(tr.Next[i*tr.StateDim : (i+1)*tr.StateDim])
}

// Reward returns the soft RL reward of transition i, LogPB[i] + LogR[i].
func (tr *Transitions) Reward(i int) float64 { return tr.LogPB[i] + tr.LogR[i] }

// CopyRow copies transition j of src into row i of tr, Slot and Weight
// excepted. The sizes of tr and src must match.
func (tr *Transitions) CopyRow(i int, src *Transitions, j int) {
	d, a := tr.StateDim, tr.NumActions
	copy(tr.States[i*d:(i+1)*d], src.States[j*d:(j+1)*d])
	copy(tr.Next[i*d:(i+1)*d], src.Next[j*d:(j+1)*d])
	copy(tr.Mask[i*a:(i+1)*a], src.Mask[j*a:(j+1)*a])
	copy(tr.NextMask[i*a:(i+1)*a], src.NextMask[j*a:(j+1)*a])
	tr.Actions[i], tr.Back[i] = src.Actions[j], src.Back[j]
	tr.Exit[i], tr.Done[i] = src.Exit[j], src.Done[j]
	tr.LogPB[i], tr.LogR[i] = src.LogPB[j], src.LogR[j]
}

// FromBatch makes tr the transitions of the trajectories of b, in b's
// transition order (so transition k+1 starts where k ends, within a
// trajectory), with their masks from env and their log-rewards from b.
// LogPB is set to 0: fill it with a backward policy (TransitionLogPB).
// Slot is −1 and Weight 1.
func (tr *Transitions) FromBatch(env Env, b *Batch) {
	spec := env.Spec()
	d, a, m := b.StateDim, spec.NumActions, b.M()
	tr.Resize(max(m, b.N*spec.MaxLen), d, a) // the largest batch of b.N trajectories, so that it settles at once
	tr.Truncate(m)
	for i := 0; i < b.N; i++ {
		for k := b.Offset[i]; k < b.Offset[i+1]; k++ {
			copy(tr.States[k*d:(k+1)*d], b.Source(k))
			copy(tr.Next[k*d:(k+1)*d], b.Target(k))
			tr.Actions[k], tr.Back[k], tr.Exit[k] = b.Actions[k], b.Back[k], b.Exit[k]
			tr.LogPB[k], tr.LogR[k], tr.Slot[k], tr.Weight[k] = 0, 0, -1, 1
			tr.Done[k] = k == b.Offset[i+1]-1
			if tr.Done[k] {
				tr.LogR[k] = b.LogReward[i]
			}
		}
	}
	for k := 0; k < m; k++ {
		env.Mask(tr.Mask[k*a:(k+1)*a], tr.Source(k))
		nm := tr.NextMask[k*a : (k+1)*a]
		if tr.Done[k] {
			clear(nm)
			continue
		}
		env.Mask(nm, tr.Target(k))
	}
}

// Truncate keeps the first n ≤ N transitions.
//
// It panics if n is out of range.
func (tr *Transitions) Truncate(n int) {
	if n < 0 || n > tr.N {
		panic(fmt.Sprintf("gfn: Truncate of %d transitions to %d", tr.N, n))
	}
	d, a := tr.StateDim, tr.NumActions
	tr.N = n
	tr.States, tr.Next = tr.States[:n*d], tr.Next[:n*d]
	tr.Mask, tr.NextMask = tr.Mask[:n*a], tr.NextMask[:n*a]
	tr.Actions, tr.Back, tr.Exit, tr.Done = tr.Actions[:n], tr.Back[:n], tr.Exit[:n], tr.Done[:n]
	tr.LogPB, tr.LogR, tr.Slot, tr.Weight = tr.LogPB[:n], tr.LogR[:n], tr.Slot[:n], tr.Weight[:n]
}

// Validate returns an error naming the first value of tr that does not fit
// spec: an action, backward action or state entry out of range, a mask of
// the wrong length, or a non-finite reward. Decoders call it on transitions
// read from a file before using them.
func (tr *Transitions) Validate(spec Spec) error {
	if tr.StateDim != spec.StateDim || tr.NumActions != spec.NumActions {
		return errorf("transitions of state size %d and %d actions, the environment has %d and %d",
			tr.StateDim, tr.NumActions, spec.StateDim, spec.NumActions)
	}
	n := tr.N
	if len(tr.States) < n*tr.StateDim || len(tr.Next) < n*tr.StateDim || len(tr.Mask) < n*tr.NumActions ||
		len(tr.NextMask) < n*tr.NumActions || len(tr.Actions) < n || len(tr.Back) < n || len(tr.Exit) < n ||
		len(tr.Done) < n || len(tr.LogPB) < n || len(tr.LogR) < n {
		return errorf("transitions: storage shorter than %d rows", n)
	}
	for k := 0; k < n; k++ {
		a, b := tr.Actions[k], tr.Back[k]
		switch {
		case a < 0 || a >= spec.NumActions:
			return errorf("transition %d: action %d out of [0, %d)", k, a, spec.NumActions)
		case b < -1 || b >= spec.NumBackward:
			return errorf("transition %d: backward action %d out of [-1, %d)", k, b, spec.NumBackward)
		case !tr.Mask[k*tr.NumActions+a]:
			return errorf("transition %d: action %d is not valid in its source state", k, a)
		case tr.Exit[k] && !tr.Done[k]:
			return errorf("transition %d: an exit edge that is not Done", k)
		case math.IsNaN(tr.LogPB[k]) || math.IsInf(tr.LogPB[k], 0) || math.IsNaN(tr.LogR[k]) || math.IsInf(tr.LogR[k], 0):
			return errorf("transition %d: non-finite reward", k)
		}
	}
	return nil
}
