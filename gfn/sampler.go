package gfn

import (
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
)

// Sampler draws batches of complete trajectories from a Policy, all of them
// advancing one step per batched forward pass.
//
// The behaviour policy may explore: logits are divided by Temperature and the
// result is mixed with the uniform distribution over valid actions,
// (1−Epsilon)·softmax(logits/T) + Epsilon/#valid. The Scores that Rollout
// returns are always those of the model itself (temperature 1, no mixing), so
// that off-policy objectives such as TB stay correct.
//
// A Sampler keeps its buffers from call to call: once they have grown, a
// rollout allocates nothing. It is not safe for concurrent use; give each
// goroutine its own Sampler, Policy and Rand.
type Sampler struct {
	Policy *Policy
	// Rand is the source of randomness. It must not be nil.
	Rand *rand.Rand
	// Epsilon is the probability of a uniformly random valid action; 0 means
	// none.
	Epsilon float64
	// Temperature divides the logits of the behaviour policy; 0 means 1.
	Temperature float64

	tape   autograd.Tape // for Sample
	scores Scores

	hist    []int  // [(MaxLen+1)·n·D] state k of trajectory i at (k·n+i)·D
	acts    []int  // [MaxLen·n] action of step k of trajectory i at k·n+i
	rowOf   []int  // [(MaxLen+1)·n] row of the forward pass that evaluated state (k, i), or −1
	lens    []int  // [n]
	active  []int  // trajectories still running
	eval    []int  // trajectories evaluated at this step
	evalSt  []int  // their states, flat
	mask    []bool // [A] scratch
	w       []float64
	rows    []int // src and tgt rows, in batch order
	fwd, pb []*autograd.Node
	flow    []*autograd.Node
}

// Rollout samples n trajectories into dst (reusing its storage), recording
// the forward passes on t, and returns the model's Scores for dst's
// transitions in dst's order. No forward pass is repeated: the objective's
// loss is computed from the nodes recorded while sampling. The returned
// Scores are overwritten by the next Rollout.
//
// It panics if n < 1, s.Rand is nil, or the environment lets a trajectory run
// longer than Spec.MaxLen.
func (s *Sampler) Rollout(dst *Batch, t *autograd.Tape, n int) *Scores {
	s.run(dst, t, n, true)
	m := dst.M()
	s.rows = sized(s.rows, 2*m)
	src, tgt := s.rows[:m], s.rows[m:]
	for i := 0; i < n; i++ {
		for k := 0; k < dst.Len[i]; k++ {
			j := dst.Offset[i] + k
			src[j] = s.rowOf[k*n+i]
			tgt[j] = s.rowOf[(k+1)*n+i]
			if tgt[j] < 0 {
				tgt[j] = src[j] // exit edge, or an unevaluated end state: not read
			}
		}
	}
	logits, pb, flow := concat(t, s.fwd), concat(t, s.pb), concat(t, s.flow)
	return s.Policy.scores(&s.scores, t, dst, logits, pb, flow, src, tgt)
}

// Sample samples n trajectories into dst with no gradient bookkeeping: each
// step's forward pass goes on a private tape that is reset at the next step.
// It is the inference mode (sampling objects from a trained model).
//
// It panics as Rollout does.
func (s *Sampler) Sample(dst *Batch, n int) {
	s.run(dst, &s.tape, n, false)
}

func concat(t *autograd.Tape, ns []*autograd.Node) *autograd.Node {
	switch len(ns) {
	case 0:
		return nil
	case 1:
		return ns[0]
	}
	return t.ConcatRows(ns...)
}

// run samples n trajectories into dst. With record, every forward pass stays
// on t and s.fwd, s.pb, s.flow and s.rowOf say where; without, t is reset
// before each step.
func (s *Sampler) run(dst *Batch, t *autograd.Tape, n int, record bool) {
	if n < 1 {
		panic("gfn: Sampler with n < 1")
	}
	if s.Rand == nil {
		panic("gfn: Sampler.Rand is nil")
	}
	p := s.Policy
	env, spec := p.Env, p.Spec
	d, a, maxLen := spec.StateDim, spec.NumActions, spec.MaxLen
	learned := p.Learned()
	s.hist = sized(s.hist, (maxLen+2)*n*d)
	s.acts = sized(s.acts, (maxLen+1)*n)
	s.rowOf = sized(s.rowOf, (maxLen+2)*n)
	for j := range s.rowOf {
		s.rowOf[j] = -1
	}
	s.lens = sized(s.lens, n)
	s.active = sized(s.active, n)
	s.mask = sized(s.mask, a)
	s.w = sized(s.w, a)
	s.fwd, s.pb, s.flow = s.fwd[:0], s.pb[:0], s.flow[:0]
	for i := 0; i < n; i++ {
		env.Start(s.hist[i*d : i*d+d])
		s.active[i] = i
	}
	rows := 0
	for k := 0; len(s.active) > 0; k++ {
		if k > maxLen {
			panic("gfn: a trajectory is longer than Spec.MaxLen")
		}
		if !record {
			t.Reset()
		}
		// Which trajectories does this step evaluate? Without an exit action a
		// state with no valid action ends its trajectory; it is evaluated only
		// when a learned P_B needs its backward logits.
		s.eval, s.evalSt = s.eval[:0], s.evalSt[:0]
		next := s.active[:0]
		for _, i := range s.active {
			st := s.hist[(k*n+i)*d : (k*n+i)*d+d]
			if !spec.Exit {
				env.Mask(s.mask, st)
				if !anyValid(s.mask) {
					s.lens[i] = k
					if learned && record {
						s.eval = append(s.eval, ^i) // evaluated, but takes no action
						s.evalSt = append(s.evalSt, st...)
					}
					continue
				}
			}
			next = append(next, i)
			s.eval = append(s.eval, i)
			s.evalSt = append(s.evalSt, st...)
		}
		s.active = next
		if len(s.eval) == 0 {
			break
		}
		logits, pb, flow := p.forward(t, s.evalSt, len(s.eval))
		if record {
			s.fwd = append(s.fwd, logits)
			if pb != nil {
				s.pb = append(s.pb, pb)
			}
			if flow != nil {
				s.flow = append(s.flow, flow)
			}
		}
		lv := logits.Value.RawMatrix().Data
		next = s.active[:0]
		for r, i := range s.eval {
			if i < 0 {
				s.rowOf[k*n+^i] = rows + r
				continue
			}
			s.rowOf[k*n+i] = rows + r
			st := s.hist[(k*n+i)*d : (k*n+i)*d+d]
			env.Mask(s.mask, st)
			act := s.draw(lv[r*a:r*a+a], s.mask)
			s.acts[k*n+i] = act
			nx := s.hist[((k+1)*n+i)*d : ((k+1)*n+i)*d+d]
			if spec.Exit && act == a-1 {
				copy(nx, st)
				s.lens[i] = k + 1
				continue
			}
			env.Step(nx, st, act)
			next = append(next, i)
		}
		rows += len(s.eval)
		s.active = next
	}
	s.fill(dst, n)
}

// fill copies the sampled trajectories into dst in trajectory-major order.
func (s *Sampler) fill(dst *Batch, n int) {
	p := s.Policy
	env, spec := p.Env, p.Spec
	d, a := spec.StateDim, spec.NumActions
	var m int
	for _, l := range s.lens[:n] {
		m += l
	}
	dst.Resize(n, m, d)
	if spec.Exit {
		dst.StateLogReward = sized(dst.StateLogReward, m+n)
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
			dst.Actions[j], dst.Traj[j] = act, i
			dst.Exit[j] = spec.Exit && act == a-1
			dst.Back[j] = -1
			if !dst.Exit[j] && p.rev != nil {
				dst.Back[j] = p.rev.BackwardAction(s.hist[(k*n+i)*d:(k*n+i+1)*d], act)
			}
		}
		dst.LogReward[i] = env.LogReward(dst.Terminal(i))
		if spec.Exit {
			for k := 0; k <= l; k++ {
				st := dst.State(i, k)
				env.Mask(s.mask, st)
				v := math.Inf(-1)
				if s.mask[a-1] {
					v = env.LogReward(st)
				}
				dst.StateLogReward[off+i+k] = v
			}
		}
		off += l
	}
}

// draw samples an action from the behaviour policy at one state.
func (s *Sampler) draw(logits []float64, mask []bool) int {
	temp := s.Temperature
	if temp == 0 {
		temp = 1
	}
	mx, nv, last := math.Inf(-1), 0, -1
	for j, ok := range mask {
		if ok {
			nv++
			last = j
			mx = math.Max(mx, logits[j])
		}
	}
	if nv == 0 {
		panic("gfn: no valid action")
	}
	var sum float64
	for j, ok := range mask {
		s.w[j] = 0
		if ok {
			s.w[j] = math.Exp((logits[j] - mx) / temp)
			sum += s.w[j]
		}
	}
	eps := s.Epsilon
	u := s.Rand.Float64()
	var acc float64
	for j, ok := range mask {
		if ok {
			acc += (1-eps)*s.w[j]/sum + eps/float64(nv)
			if u < acc {
				return j
			}
		}
	}
	return last
}
