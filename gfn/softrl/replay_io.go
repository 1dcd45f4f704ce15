package softrl

import (
	"fmt"
	"math"
	"slices"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/wire"
)

// replayFormat2 begins the replay's second encoding, whose flags and masks
// are packed eight to a byte (a bit-sequence buffer's masks, 3,840 actions
// per transition, took 8× the space one byte each). The first encoding
// began with the capacity, never negative, and is still read.
const replayFormat2 = -2

// MarshalBinary encodes the stored transitions with their priorities, the
// ring position and the largest error reported so far.
func (r *Replay) MarshalBinary() ([]byte, error) {
	d := &r.data
	n, sd, na := r.size, d.StateDim, d.NumActions
	e := wire.AppendInt(nil, replayFormat2)
	e = wire.AppendInt(e, d.N)
	e = wire.AppendInt(e, sd)
	e = wire.AppendInt(e, na)
	e = wire.AppendInt(e, r.next)
	e = wire.AppendInt(e, n)
	e = wire.AppendFloat(e, r.maxErr)
	e = wire.AppendInts(e, d.States[:n*sd])
	e = wire.AppendInts(e, d.Next[:n*sd])
	e = wire.AppendInts(e, d.Actions[:n])
	e = wire.AppendInts(e, d.Back[:n])
	e = wire.AppendBits(e, d.Exit[:n])
	e = wire.AppendBits(e, d.Done[:n])
	e = wire.AppendBits(e, d.Mask[:n*na])
	e = wire.AppendBits(e, d.NextMask[:n*na])
	e = wire.AppendFloats(e, d.LogPB[:n])
	e = wire.AppendFloats(e, d.LogR[:n])
	var pri []float64
	if r.tree != nil {
		pri = make([]float64, n)
		for i := range pri {
			pri[i] = r.tree.At(i)
		}
	}
	return wire.AppendFloats(e, pri), nil
}

// UnmarshalBinary restores what MarshalBinary encoded into a buffer of the
// same capacity, sizes and kind (uniform or prioritized). It checks the
// encoding, the ranges of actions and the priorities (finite, positive);
// Validate checks the transitions against an environment. On error r is
// unchanged.
func (r *Replay) UnmarshalBinary(data []byte) error {
	dec := wire.NewDecoder(data)
	capacity := dec.Int()
	bools := dec.Bools // the first encoding: one byte per flag
	if capacity == replayFormat2 {
		capacity, bools = dec.Int(), dec.Bits
	}
	sd, na, next, n := dec.Int(), dec.Int(), dec.Int(), dec.Int()
	maxErr := dec.Float()
	if dec.Err() == nil && (capacity != r.data.N || sd != r.data.StateDim || na != r.data.NumActions) {
		return fmt.Errorf("softrl: replay of %d transitions of sizes %d, %d; this buffer holds %d of %d, %d",
			capacity, sd, na, r.data.N, r.data.StateDim, r.data.NumActions)
	}
	if dec.Err() == nil && (n < 0 || n > capacity || next < 0 || next >= capacity || (n < capacity && next != n) ||
		!(maxErr >= 1) || math.IsInf(maxErr, 0)) {
		return fmt.Errorf("softrl: replay with %d of %d transitions, next slot %d, largest error %v", n, capacity, next, maxErr)
	}
	var tr gfn.Transitions
	if dec.Err() == nil {
		tr.Resize(n, sd, na)
	}
	m := max(n, 0)
	tr.States = dec.Ints(tr.States[:0], m*sd)
	tr.Next = dec.Ints(tr.Next[:0], m*sd)
	tr.Actions = dec.Ints(tr.Actions[:0], m)
	tr.Back = dec.Ints(tr.Back[:0], m)
	tr.Exit = bools(tr.Exit[:0], m)
	tr.Done = bools(tr.Done[:0], m)
	tr.Mask = bools(tr.Mask[:0], m*na)
	tr.NextMask = bools(tr.NextMask[:0], m*na)
	tr.LogPB = dec.Floats(tr.LogPB[:0], m)
	tr.LogR = dec.Floats(tr.LogR[:0], m)
	pri := dec.Floats(nil, m)
	if err := dec.Done(); err != nil {
		return fmt.Errorf("softrl: replay: %v", err)
	}
	if len(tr.States) != n*sd || len(tr.Next) != n*sd || len(tr.Actions) != n || len(tr.Back) != n || len(tr.Exit) != n ||
		len(tr.Done) != n || len(tr.Mask) != n*na || len(tr.NextMask) != n*na || len(tr.LogPB) != n || len(tr.LogR) != n {
		return fmt.Errorf("softrl: replay: columns of other lengths than %d transitions", n)
	}
	if (r.tree != nil) != (len(pri) == n) || (r.tree == nil && len(pri) != 0) {
		return fmt.Errorf("softrl: replay: %d priorities for %d transitions in a %s buffer", len(pri), n, r.kind())
	}
	for i, p := range pri {
		if !(p > 0) || math.IsInf(p, 0) {
			return fmt.Errorf("softrl: replay: transition %d has priority %v", i, p)
		}
	}
	tr.Slot, tr.Weight = tr.Slot[:n], tr.Weight[:n]
	for k := 0; k < n; k++ {
		a, b := tr.Actions[k], tr.Back[k]
		var bad string
		switch {
		case a < 0 || a >= na:
			bad = fmt.Sprintf("action %d out of [0, %d)", a, na)
		case b < -1:
			bad = fmt.Sprintf("backward action %d", b)
		case !tr.Mask[k*na+a]:
			bad = fmt.Sprintf("action %d is not valid in its mask", a)
		case tr.Exit[k] && !tr.Done[k]:
			bad = "an exit edge that is not Done"
		case math.IsNaN(tr.LogPB[k]) || math.IsInf(tr.LogPB[k], 0) || math.IsNaN(tr.LogR[k]) || math.IsInf(tr.LogR[k], 0):
			bad = fmt.Sprintf("log P_B %v, log-reward %v", tr.LogPB[k], tr.LogR[k])
		default:
			continue
		}
		return fmt.Errorf("softrl: replay: transition %d: %s", k, bad)
	}
	// Apply.
	for k := 0; k < n; k++ {
		r.data.CopyRow(k, &tr, k)
	}
	r.next, r.size, r.maxErr = next, n, maxErr
	if r.tree != nil {
		for i := 0; i < r.data.N; i++ {
			p := 0.0
			if i < n {
				p = pri[i]
			}
			r.tree.Set(i, p)
		}
	}
	return nil
}

func (r *Replay) kind() string {
	if r.tree != nil {
		return "prioritized"
	}
	return "uniform"
}

// Validate checks every stored transition against env: its states are
// states of the environment (when env is a gfn.StateChecker), its masks are
// the environment's, its target is the state its action leads to and its
// backward action undoes it, and its log-reward is the environment's. It
// returns an error naming the first transition that differs.
func (r *Replay) Validate(env gfn.Env) error {
	d := &r.data
	spec := env.Spec()
	if err := (&gfn.Transitions{StateDim: d.StateDim, NumActions: d.NumActions, N: r.size,
		States: d.States, Next: d.Next, Actions: d.Actions, Back: d.Back, Exit: d.Exit, Done: d.Done,
		Mask: d.Mask, NextMask: d.NextMask, LogPB: d.LogPB, LogR: d.LogR}).Validate(spec); err != nil {
		return fmt.Errorf("softrl: replay: %v", err)
	}
	check, _ := env.(gfn.StateChecker)
	rev, _ := env.(gfn.Reversible)
	mask := make([]bool, spec.NumActions)
	next := make(gfn.State, spec.StateDim)
	for k := 0; k < r.size; k++ {
		s, x := d.Source(k), d.Target(k)
		if check != nil {
			for _, st := range []gfn.State{s, x} {
				if err := check.CheckState(st); err != nil {
					return fmt.Errorf("softrl: replay: transition %d: %v", k, err)
				}
			}
		} else {
			continue // the other methods may not accept arbitrary integers
		}
		a := d.Actions[k]
		env.Mask(mask, s)
		if !slices.Equal(mask, d.Mask[k*spec.NumActions:(k+1)*spec.NumActions]) {
			return fmt.Errorf("softrl: replay: transition %d: its mask is not the environment's", k)
		}
		exit := spec.Exit && a == spec.NumActions-1
		if exit != d.Exit[k] {
			return fmt.Errorf("softrl: replay: transition %d: exit flag %v for action %d", k, d.Exit[k], a)
		}
		if exit {
			copy(next, s)
		} else {
			env.Step(next, s, a)
		}
		if !slices.Equal(next, x) {
			return fmt.Errorf("softrl: replay: transition %d: %v after action %d is %v, not %v", k, s, a, next, x)
		}
		wantBack := -1
		if !exit && rev != nil {
			wantBack = rev.BackwardAction(s, a)
		}
		if d.Back[k] != wantBack {
			return fmt.Errorf("softrl: replay: transition %d: backward action %d, want %d", k, d.Back[k], wantBack)
		}
		env.Mask(mask, x)
		done := exit || (!spec.Exit && !slices.Contains(mask, true))
		if done != d.Done[k] {
			return fmt.Errorf("softrl: replay: transition %d: done flag %v", k, d.Done[k])
		}
		if done {
			clear(mask)
		}
		if !slices.Equal(mask, d.NextMask[k*spec.NumActions:(k+1)*spec.NumActions]) {
			return fmt.Errorf("softrl: replay: transition %d: its target's mask is not the environment's", k)
		}
		if done && d.LogR[k] != env.LogReward(x) || !done && d.LogR[k] != 0 {
			return fmt.Errorf("softrl: replay: transition %d: log-reward %v", k, d.LogR[k])
		}
	}
	return nil
}
