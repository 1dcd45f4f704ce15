package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/scratch"
)

// Samples holds objects drawn from a model, in storage that the caller owns
// and a Sampler reuses: nothing in it aliases the sampler.
type Samples struct {
	N, StateDim int
	States      []int     // [N·StateDim] the objects x
	LogReward   []float64 // [N] log R(x)
	// LogPF is log P_F(τ), the log-probability under the model of the
	// trajectory τ that built each object, its exit action included.
	LogPF []float64 // [N]
	// LogPB is log P_B(τ|x) under the model's backward policy (0 in a
	// tree), or NaN when the model does not know its backward policy.
	LogPB []float64 // [N]
	Len   []int     // [N] the number of actions of τ, exit included
}

// State returns object i; the slice aliases s.States.
func (s *Samples) State(i int) gfn.State { return s.States[i*s.StateDim : (i+1)*s.StateDim] }

// LogProb returns log P_F(τ) − log P_B(τ|x) of object i, the model's
// estimate of the log-probability log p(x) with which it samples x. It is
// exact when the model satisfies trajectory balance with its P_B at x (in a
// tree, P_B = 1, it always is); otherwise its mean over the trajectories
// that the model samples to x is at least log p(x) (Jensen). It is NaN when
// LogPB is.
func (s *Samples) LogProb(i int) float64 { return s.LogPF[i] - s.LogPB[i] }

func (s *Samples) resize(n, d int) {
	s.N, s.StateDim = n, d
	s.States = scratch.Resize(s.States, n*d)
	s.LogReward = scratch.Resize(s.LogReward, n)
	s.LogPF = scratch.Resize(s.LogPF, n)
	s.LogPB = scratch.Resize(s.LogPB, n)
	s.Len = scratch.Resize(s.Len, n)
}

// Sampler draws objects from a Model, and is safe for concurrent use by any
// number of goroutines: it keeps a pool of workers, each with a clone of the
// model's network (policy.Policy.Clone, softrl.QNet.Clone), its own rollout
// buffers and its own random source, and runs at most Workers rollouts at
// once; other calls wait for a worker. A worker evaluates each distinct state
// of a step once (softrl.UniqueQ): on a hypergrid every trajectory starts at
// s₀ and many meet on the way, so a rollout of n trajectories makes far
// fewer than n network rows per step.
//
// The environment's methods are called from the workers at once: it must be
// safe for concurrent use (a pure function of its arguments, as the
// hypergrid is, or one that guards its scratch).
type Sampler struct {
	model   *Model
	workers int
	seed    uint64
	idle    chan *worker
	made    chan struct{} // one token per worker made
	count   atomic.Uint64 // workers made
	known   bool          // log P_B is known
}

// SamplerConfig configures NewSampler. The zero value is usable.
type SamplerConfig struct {
	// Workers bounds the rollouts that run at once; 0 means GOMAXPROCS. On
	// a CPU-bound service more workers than cores only add waiting inside
	// the rollouts instead of before them.
	Workers int
	// Seed seeds the workers' own random sources (worker k draws from
	// PCG(Seed, k)), used when Sample is given no *rand.Rand.
	Seed uint64
}

// NewSampler returns a Sampler of m. Workers are made when first needed.
//
// It panics if m has no network or cfg.Workers < 0.
func NewSampler(m *Model, cfg SamplerConfig) *Sampler {
	if m == nil || (m.Policy == nil && m.Q == nil) || cfg.Workers < 0 {
		panic("model: NewSampler of a model without a network, or with Workers < 0")
	}
	w := cfg.Workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	known := m.Backward == "uniform" || m.Backward == "tied" || m.Backward == "separate"
	return &Sampler{model: m, workers: w, seed: cfg.Seed, idle: make(chan *worker, w), made: make(chan struct{}, w), known: known}
}

// Model returns the sampler's model.
func (s *Sampler) Model() *Model { return s.model }

// Sample draws n objects from the model into dst (reusing its storage),
// with rng, or with a worker's own random source when rng is nil. Given the
// same rng state, Sample gives the same objects whichever worker runs it.
// It is safe to call from several goroutines at once with different rng
// (each *rand.Rand is used by one goroutine at a time) and dst.
//
// It returns an error if the environment breaks its contract or the model's
// outputs are not finite. It panics if n < 1.
func (s *Sampler) Sample(dst *Samples, n int, rng *rand.Rand) error {
	if n < 1 {
		panic(fmt.Sprintf("model: Sample of %d objects", n))
	}
	w := s.get()
	defer func() { s.idle <- w }()
	if rng == nil {
		rng = w.rng
	}
	return w.sample(dst, n, rng, s.known)
}

// get returns an idle worker, or makes one if fewer than s.workers exist,
// or waits for one.
func (s *Sampler) get() *worker {
	select {
	case w := <-s.idle:
		return w
	default:
	}
	select {
	case w := <-s.idle:
		return w
	case s.made <- struct{}{}:
		return newWorker(s.model, rand.New(rand.NewPCG(s.seed, s.count.Add(1)-1)))
	}
}

// worker is one rollout at a time: a clone of the network and buffers.
type worker struct {
	loop  gfn.Sampler
	actor actor
	pb    gfn.BackwardScorer
	tape  autograd.Tape
	batch gfn.Batch
	rng   *rand.Rand
	spec  gfn.Spec
}

func newWorker(m *Model, rng *rand.Rand) *worker {
	w := &worker{rng: rng, spec: m.Env.Spec()}
	w.loop.Env, w.pb.Env = m.Env, m.Env
	var eval gfn.Evaluator
	if m.Q != nil {
		eval = &softrl.SoftPolicy{Env: m.Env, Q: m.Q.Clone(), Lambda: m.Lambda}
	} else {
		p := m.Policy.Clone()
		eval, w.pb.PB = p, p.Backward()
	}
	w.actor.uq = softrl.UniqueQ{QFunction: evaluatorQ{eval}, StateDim: w.spec.StateDim}
	return w
}

// sample runs one rollout of n trajectories into dst.
func (w *worker) sample(dst *Samples, n int, rng *rand.Rand, knownPB bool) error {
	b := &w.batch
	if err := w.loop.Rollout(b, &w.actor, n, rng); err != nil {
		return err
	}
	d := w.spec.StateDim
	dst.resize(n, d)
	for i := 0; i < n; i++ {
		copy(dst.States[i*d:(i+1)*d], b.Terminal(i))
		dst.LogReward[i], dst.LogPF[i], dst.Len[i], dst.LogPB[i] = b.LogReward[i], w.actor.logPF[i], b.Len[i], 0
	}
	if !knownPB {
		for i := range dst.LogPB {
			dst.LogPB[i] = math.NaN()
		}
		return nil
	}
	w.tape.Reset()
	lpb := w.pb.Batch(&w.tape, b).Value.RawMatrix().Data
	for j, l := range lpb[:b.M()] {
		dst.LogPB[b.Traj[j]] += l
	}
	return nil
}

// actor draws each action from the model's P_F, evaluating each distinct
// state of a step once, and sums log P_F of the actions of each trajectory.
type actor struct {
	uq    softrl.UniqueQ
	tape  autograd.Tape
	w     []float64
	logPF []float64 // [n] per trajectory
}

var _ gfn.RolloutStarter = (*actor)(nil)

func (a *actor) StartRollout(n int) {
	a.logPF = scratch.Resize(a.logPF, n)
	clear(a.logPF)
}

func (a *actor) Act(acts []int, states []int, mask []bool, ids []int, rng *rand.Rand) error {
	n := len(acts)
	a.tape.Reset()
	lp := a.uq.Q(&a.tape, states, n) // [n×A] log P_F
	_, na := lp.Dims()
	v := lp.Value.RawMatrix().Data
	a.w = scratch.Resize(a.w, na)
	for r := range acts {
		row := v[r*na : (r+1)*na]
		act := gfn.DrawSoftmax(rng, a.w, row, mask[r*na:(r+1)*na], 1, 0)
		if act < 0 {
			d := a.uq.StateDim
			return fmt.Errorf("model: non-finite log P_F at state %v: %v", states[r*d:(r+1)*d], row)
		}
		acts[r] = act
		a.logPF[ids[r]] += row[act]
	}
	return nil
}

// evaluatorQ is the log P_F of an evaluator as a softrl.QFunction, so that
// softrl.UniqueQ evaluates each distinct state once.
type evaluatorQ struct{ gfn.Evaluator }

func (e evaluatorQ) Q(t *autograd.Tape, states []int, n int) *autograd.Node {
	lp, _ := e.Evaluate(t, states, n)
	return lp
}

func (evaluatorQ) Params() []*autograd.Node { return nil }
