package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/scratch"
)

// worker runs one rollout at a time with a clone of the model's network.
type worker struct {
	loop  gfn.Sampler
	actor actor
	pb    gfn.BackwardScorer
	tape  autograd.Tape
	batch gfn.Batch
	rng   *rand.Rand
	spec  gfn.Spec
	logPB []float64  // [n] per trajectory
	reqs  []*request // the calls of the rollout
}

func newWorker(m *Model, rng *rand.Rand) *worker {
	w := &worker{rng: rng, spec: m.Env.Spec()}
	w.loop.Env, w.pb.Env = m.Env, m.Env
	// logits is the clone's forward logits: the fast MLP (net) when the
	// network is the MLP, else the registered network itself, in
	// evaluation mode (a clone is).
	var logits softrl.QFunction
	temp := m.Lambda
	switch q := m.Q.(type) {
	case *softrl.QNet:
		c := q.Clone()
		logits = newNet(m.Env, c.Net.Layers, c.Net.Act)
	case softrl.NetworkQ:
		logits = q.Clone()
	default:
		p := m.Policy.Clone() // its learned P_B, if any, scores the trajectories
		w.pb.PB, temp = p.Backward(), 1
		if net := p.Network(); net != nil {
			logits = softrl.NetworkQ{Net: net}
		} else {
			logits = newNet(m.Env, append(p.Net.Trunk.Layers, p.Net.Heads[0]), p.Net.Trunk.Act)
		}
	}
	w.actor.temp = temp
	w.actor.uq = softrl.UniqueQ{QFunction: logits, StateDim: w.spec.StateDim}
	return w
}

// run samples the n trajectories of the calls reqs in one rollout, each
// call's from its own random source, and writes each call's objects into
// its Samples. A panic of the environment or the model is returned as an
// error, so that every call of the rollout gets an answer.
func (w *worker) run(reqs []*request, n int, knownPB bool) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("model: the rollout panicked: %v", p)
		}
	}()
	a := &w.actor
	a.rngs = a.rngs[:0]
	for _, r := range reqs {
		rng := r.rng
		if rng == nil {
			rng = w.rng
		}
		for range r.n {
			a.rngs = append(a.rngs, rng)
		}
	}
	b := &w.batch
	if err := w.loop.Rollout(b, a, n, w.rng); err != nil {
		return err
	}
	w.logPB = scratch.Resize(w.logPB, n)
	for i := range w.logPB {
		w.logPB[i] = math.NaN()
		if knownPB {
			w.logPB[i] = 0
		}
	}
	if knownPB {
		w.tape.Reset()
		for j, l := range w.pb.Batch(&w.tape, b).Value.RawMatrix().Data[:b.M()] {
			w.logPB[b.Traj[j]] += l
		}
	}
	d, off := w.spec.StateDim, 0
	for _, r := range reqs {
		dst := r.dst
		dst.resize(r.n, d)
		for i := 0; i < r.n; i++ {
			k := off + i
			copy(dst.States[i*d:(i+1)*d], b.Terminal(k))
			dst.LogReward[i], dst.LogPF[i], dst.LogPB[i], dst.Len[i] = b.LogReward[k], a.logPF[k], w.logPB[k], b.Len[k]
		}
		off += r.n
	}
	return nil
}

// actor draws each action from the model's P_F with the random source of
// its trajectory, evaluating each distinct state of a step once, and sums
// log P_F of the actions of each trajectory.
type actor struct {
	uq    softrl.UniqueQ
	tape  autograd.Tape
	w     []float64
	temp  float64      // P_F = softmax(logits/temp)
	rngs  []*rand.Rand // [n] per trajectory
	logPF []float64    // [n] per trajectory
}

var _ gfn.RolloutStarter = (*actor)(nil)

func (a *actor) StartRollout(n int) {
	a.logPF = scratch.Resize(a.logPF, n)
	clear(a.logPF)
}

func (a *actor) Act(acts []int, states []int, mask []bool, ids []int, _ *rand.Rand) error {
	n := len(acts)
	a.tape.Reset()
	lg := a.uq.Q(&a.tape, states, n) // [n×A] logits
	_, na := lg.Dims()
	v := lg.Value.RawMatrix().Data
	a.w = scratch.Resize(a.w, na)
	for r, id := range ids {
		row := v[r*na : (r+1)*na]
		m := mask[r*na : (r+1)*na]
		act := gfn.DrawSoftmax(a.rngs[id], a.w, row, m, a.temp, 0)
		if act < 0 {
			d := a.uq.StateDim
			return fmt.Errorf("model: non-finite logits at state %v: %v", states[r*d:(r+1)*d], row)
		}
		acts[r] = act
		a.logPF[id] += logProb(row, m, act, a.temp)
	}
	return nil
}
