package gfn

import (
	"math"
	"slices"

	"github.com/gogfn/gogfn/internal/wire"
)

// maxDecoded bounds every length a decoder accepts; the input's own size
// bounds it further.
const maxDecoded = 1 << 40

// MarshalBinary encodes the batch (its trajectories and rewards).
func (b *Batch) MarshalBinary() ([]byte, error) {
	m := b.M()
	var e []byte
	e = wire.AppendInt(e, b.StateDim)
	e = wire.AppendInts(e, b.Len[:b.N])
	e = wire.AppendFloats(e, b.LogReward[:b.N])
	e = wire.AppendInts(e, b.Actions[:m])
	e = wire.AppendInts(e, b.States[:(m+b.N)*b.StateDim])
	return wire.AppendFloats(e, b.StateLogReward), nil
}

// UnmarshalBinary decodes what MarshalBinary encoded into b, rebuilding the
// offsets, exit flags and trajectory indices from the lengths and actions of
// the environment given to Validate. It checks only the encoding: call
// Validate before using the batch with an environment.
func (b *Batch) UnmarshalBinary(data []byte) error {
	d := wire.NewDecoder(data)
	dim := d.Int()
	lens := d.Ints(nil, maxDecoded)
	logR := d.Floats(nil, maxDecoded)
	acts := d.Ints(nil, maxDecoded)
	states := d.Ints(nil, maxDecoded)
	stateR := d.Floats(nil, maxDecoded)
	if err := d.Done(); err != nil {
		return errorf("batch: %v", err)
	}
	n, m := len(lens), 0
	for _, l := range lens {
		if l < 0 || l > len(acts) {
			return errorf("batch: trajectory length %d", l)
		}
		m += l
	}
	switch {
	case dim < 1 || n < 1:
		return errorf("batch: %d trajectories of states of %d integers", n, dim)
	case len(logR) != n || m != len(acts) || len(states) != (m+n)*dim:
		return errorf("batch: inconsistent sizes")
	case len(stateR) != 0 && len(stateR) != m+n:
		return errorf("batch: %d state rewards for %d states", len(stateR), m+n)
	}
	b.Resize(n, m, dim)
	off := 0
	for i, l := range lens {
		b.Len[i], b.Offset[i] = l, off
		for k := off; k < off+l; k++ {
			b.Traj[k] = i
		}
		off += l
	}
	copy(b.LogReward, logR)
	copy(b.Actions, acts)
	copy(b.States, states)
	b.StateLogReward = append(b.StateLogReward[:0], stateR...)
	return nil
}

// Validate replays the trajectories of b through env and returns an error
// naming the first difference: a first state other than s₀, an action not
// valid in its state, a state other than the one Step gives, a trajectory
// that ends at a state that is not terminal or runs longer than MaxLen, a
// log-reward other than the environment's. It sets the exit flags and
// backward actions from env. It is how a batch read from a file is checked
// before it is trained on.
func (b *Batch) Validate(env Env) error {
	spec := env.Spec()
	rev, _ := env.(Reversible)
	d, a := spec.StateDim, spec.NumActions
	if b.StateDim != d {
		return errorf("batch: states of %d integers, the environment's have %d", b.StateDim, d)
	}
	s0, next := make(State, d), make(State, d)
	mask := make([]bool, a)
	env.Start(s0)
	for i := 0; i < b.N; i++ {
		if !slices.Equal(b.State(i, 0), s0) {
			return errorf("batch: trajectory %d starts at %v, not s₀", i, b.State(i, 0))
		}
		if b.Len[i] > spec.MaxLen {
			return errorf("batch: trajectory %d has %d actions, more than MaxLen = %d", i, b.Len[i], spec.MaxLen)
		}
		for k := 0; k < b.Len[i]; k++ {
			j := b.Offset[i] + k
			s, act := b.Source(j), b.Actions[j]
			if act < 0 || act >= a {
				return errorf("batch: transition %d: action %d out of [0, %d)", j, act, a)
			}
			env.Mask(mask, s)
			if !mask[act] {
				return errorf("batch: transition %d: action %d is not valid in %v", j, act, s)
			}
			exit := spec.Exit && act == a-1
			if exit != (k == b.Len[i]-1 && spec.Exit) {
				return errorf("batch: trajectory %d: the exit action must end it", i)
			}
			b.Exit[j], b.Back[j] = exit, -1
			if exit {
				copy(next, s)
			} else {
				env.Step(next, s, act)
				if rev != nil {
					b.Back[j] = rev.BackwardAction(s, act)
				}
			}
			if !slices.Equal(b.Target(j), next) {
				return errorf("batch: transition %d: %v after action %d is %v, not %v", j, s, act, next, b.Target(j))
			}
		}
		x := b.Terminal(i)
		if !spec.Exit {
			env.Mask(mask, x)
			if slices.Contains(mask, true) {
				return errorf("batch: trajectory %d ends at %v, which is not terminal", i, x)
			}
		}
		if r := env.LogReward(x); r != b.LogReward[i] && !(math.IsNaN(r) && math.IsNaN(b.LogReward[i])) {
			return errorf("batch: trajectory %d: log-reward %v, the environment gives %v", i, b.LogReward[i], r)
		}
	}
	if len(b.StateLogReward) > 0 {
		for j := 0; j < b.M()+b.N; j++ {
			st := State(b.States[j*d : (j+1)*d])
			env.Mask(mask, st)
			want := math.Inf(-1)
			if spec.Exit && mask[a-1] {
				want = env.LogReward(st)
			}
			if b.StateLogReward[j] != want {
				return errorf("batch: state %d: log-reward %v, the environment gives %v", j, b.StateLogReward[j], want)
			}
		}
	}
	return nil
}
