package gfn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/internal/scratch"
)

// Actor chooses the actions of a batch of trajectories, one step at a time:
// the behaviour policy of a rollout. A policy network with exploration, the
// Boltzmann policy of a Q-function and a tree search over a model are actors;
// Sampler is the one loop that runs any of them.
type Actor interface {
	// Act chooses one action for each of the n = len(acts) states stored flat
	// in states (n·StateDim integers), whose valid forward actions are
	// mask [n×NumActions] (every row has one), writing them into acts and
	// drawing randomness from rng. ids[r] is the trajectory of row r within
	// the rollout (0 … N−1), for actors that keep state per trajectory. An
	// error (a non-finite network output, say) ends the rollout.
	Act(acts []int, states []int, mask []bool, ids []int, rng *rand.Rand) error
}

// RolloutStarter is an Actor with state per trajectory (a search tree, say),
// told when a rollout of n trajectories begins.
type RolloutStarter interface {
	Actor
	StartRollout(n int)
}

// Sampler rolls out batches of complete trajectories in an environment with
// an Actor: all trajectories advance one step per call of Act, and the
// states, actions and rewards are recorded in a Batch. It checks the
// environment's contract where that is cheap, and returns an error wrapping
// ErrEnv that names the state and the rule: a state with no valid action that
// is not terminal (in an environment with an exit action), a trajectory
// longer than Spec.MaxLen, a non-finite log-reward; and an actor that chose an
// invalid action.
//
// A Sampler keeps its buffers from call to call: once they have grown, a
// rollout allocates nothing. It is not safe for concurrent use.
type Sampler struct {
	Env Env
	// StateRewards fills Batch.StateLogReward, log R(s) of every state that
	// can exit (modified DB needs it). It applies to environments with an
	// exit action.
	StateRewards bool

	hist   []int  // [(MaxLen+1)·n·D] state k of trajectory i at (k·n+i)·D
	acts   []int  // [MaxLen·n] action of step k of trajectory i at k·n+i
	rowOf  []int  // [MaxLen·n] row of the Act calls that chose it
	rows   []int  // [M] rowOf of each transition, in batch order
	lens   []int  // [n]
	active []int  // trajectories still running
	ids    []int  // trajectories acting at this step
	states []int  // their states, flat
	mask   []bool // their masks, flat
	chosen []int  // their actions
}

// Rows returns, for each transition of the batch of the last Rollout in batch
// order, the row at which the actor saw its source state, counting the rows
// of all its Act calls in order: an actor that records one output row per
// state it sees finds transition j's at row Rows()[j]. It is overwritten by
// the next Rollout.
func (s *Sampler) Rows() []int { return s.rows }

// Rollout samples n trajectories into dst (reusing its storage) with the
// actor and rng.
//
// It panics if n < 1 or Env is nil.
func (s *Sampler) Rollout(dst *Batch, actor Actor, n int, rng *rand.Rand) error {
	if n < 1 || s.Env == nil {
		panic(fmt.Sprintf("gfn: Sampler.Rollout of %d trajectories (Env %v)", n, s.Env))
	}
	env, spec := s.Env, s.Env.Spec()
	d, a, maxLen := spec.StateDim, spec.NumActions, spec.MaxLen
	s.hist = scratch.Resize(s.hist, (maxLen+1)*n*d)
	s.acts = scratch.Resize(s.acts, maxLen*n)
	s.rowOf = scratch.Resize(s.rowOf, maxLen*n)
	s.lens = scratch.Resize(s.lens, n)
	s.active = scratch.Resize(s.active, n)
	if st, ok := actor.(RolloutStarter); ok {
		st.StartRollout(n)
	}
	for i := 0; i < n; i++ {
		env.Start(s.hist[i*d : i*d+d])
		s.active[i] = i
	}
	rows := 0
	for k := 0; len(s.active) > 0; k++ {
		s.ids, s.states = s.ids[:0], s.states[:0]
		s.mask = scratch.Resize(s.mask, len(s.active)*a)
		next := s.active[:0]
		for _, i := range s.active {
			st := s.hist[(k*n+i)*d : (k*n+i)*d+d]
			m := s.mask[len(s.ids)*a : len(s.ids)*a+a]
			env.Mask(m, st)
			if !slices.Contains(m, true) {
				if spec.Exit {
					return fmt.Errorf("%w: state %v has no valid action, not even exit (Mask)", ErrEnv, st)
				}
				s.lens[i] = k // a terminal object
				continue
			}
			if k == maxLen {
				return fmt.Errorf("%w: state %v still has a valid action after Spec.MaxLen = %d actions", ErrEnv, st, maxLen)
			}
			next = append(next, i)
			s.ids = append(s.ids, i)
			s.states = append(s.states, st...)
		}
		s.active = next
		nk := len(s.ids)
		if nk == 0 {
			break
		}
		s.chosen = scratch.Resize(s.chosen, nk)
		if err := actor.Act(s.chosen, s.states, s.mask[:nk*a], s.ids, rng); err != nil {
			return err
		}
		next = s.active[:0]
		for r, i := range s.ids {
			act := s.chosen[r]
			if act < 0 || act >= a || !s.mask[r*a+act] {
				return fmt.Errorf("gfn: the actor chose action %d, not valid in state %v", act, s.states[r*d:r*d+d])
			}
			s.rowOf[k*n+i], s.acts[k*n+i] = rows+r, act
			st := s.hist[(k*n+i)*d : (k*n+i)*d+d]
			nx := s.hist[((k+1)*n+i)*d : ((k+1)*n+i)*d+d]
			if spec.Exit && act == a-1 {
				copy(nx, st)
				s.lens[i] = k + 1
				continue
			}
			env.Step(nx, st, act)
			next = append(next, i)
		}
		rows += nk
		s.active = next
	}
	return s.fill(dst, n)
}

// fill copies the sampled trajectories into dst in trajectory-major order.
func (s *Sampler) fill(dst *Batch, n int) error {
	env, spec := s.Env, s.Env.Spec()
	rev, _ := env.(Reversible)
	d, a := spec.StateDim, spec.NumActions
	var m int
	for _, l := range s.lens[:n] {
		m += l
	}
	dst.Reserve(n, n*spec.MaxLen, d)
	dst.Resize(n, m, d)
	s.rows = scratch.Resize(s.rows, n*spec.MaxLen)[:m]
	withR := spec.Exit && s.StateRewards
	if withR {
		dst.StateLogReward = scratch.Resize(dst.StateLogReward, m+n)
		s.mask = scratch.Resize(s.mask, a)
	}
	off := 0
	for i := 0; i < n; i++ {
		l := s.lens[i]
		dst.Len[i], dst.Offset[i] = l, off
		for k := 0; k <= l; k++ {
			copy(dst.States[(off+i+k)*d:(off+i+k+1)*d], s.hist[(k*n+i)*d:(k*n+i+1)*d])
		}
		for k := 0; k < l; k++ {
			j := off + k
			act := s.acts[k*n+i]
			dst.Actions[j], dst.Traj[j], s.rows[j] = act, i, s.rowOf[k*n+i]
			dst.Exit[j] = spec.Exit && act == a-1
			dst.Back[j] = -1
			if !dst.Exit[j] && rev != nil {
				dst.Back[j] = rev.BackwardAction(s.hist[(k*n+i)*d:(k*n+i+1)*d], act)
			}
		}
		x := dst.Terminal(i)
		r := env.LogReward(x)
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("%w: LogReward of %v is %v", ErrEnv, x, r)
		}
		dst.LogReward[i] = r
		if withR {
			for k := 0; k <= l; k++ {
				st := dst.State(i, k)
				env.Mask(s.mask[:a], st)
				v := math.Inf(-1)
				if s.mask[a-1] {
					v = env.LogReward(st)
				}
				dst.StateLogReward[off+i+k] = v
			}
		}
		off += l
	}
	return nil
}

// DrawSoftmax draws an action from the behaviour policy
// (1−eps)·softmax(logits/temp) + eps·uniform over the valid actions (mask),
// with one uniform number from rng. w is scratch of the length of logits. It
// returns −1 when no action is valid or a valid logit is NaN or +Inf, or when
// every valid logit is −Inf: no distribution is defined then.
func DrawSoftmax(rng *rand.Rand, w, logits []float64, mask []bool, temp, eps float64) int {
	nv, last := 0, -1
	for j, ok := range mask {
		if ok {
			nv, last = nv+1, j
		}
	}
	if nv == 0 {
		return -1
	}
	// The weights w[j] = exp((logits[j] − max)/temp) of the valid actions,
	// vectorised; a NaN among the valid logits makes their sum NaN.
	mx, sum := autograd.SoftmaxWeights(w[:len(mask)], logits[:len(mask)], mask, temp)
	if math.IsInf(mx, 0) || math.IsNaN(sum) {
		return -1
	}
	// The draw compares u·sum with the running sum of
	// (1−eps)·w[j] + eps·sum/nv: the behaviour policy's cumulative
	// probabilities scaled by sum.
	u := rng.Float64() * sum
	a, c := 1-eps, eps*sum/float64(nv)
	var acc float64
	for j, ok := range mask {
		if ok {
			acc += a*w[j] + c
			if u < acc {
				return j
			}
		}
	}
	return last
}
