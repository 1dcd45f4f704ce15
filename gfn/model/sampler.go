package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

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
// number of goroutines. Calls are combined: a call joins a queue, and a
// caller that finds a free worker (each a clone of the model's network,
// policy.Policy.Clone, softrl.QNet.Clone or softrl.NetworkQ.Clone, with its
// own buffers) runs the requests queued at that moment, its own or others',
// as one rollout, up to about MaxBatch trajectories. (A worker runs the MLP
// as a copy of its layers made for inference, and a registered network,
// such as the bit-sequence transformer, as itself, in evaluation mode:
// without dropout.) A busy service thus runs few rollouts with many
// trajectories, whose network passes are larger products, and in
// which each distinct state of a step is evaluated once (softrl.UniqueQ):
// every trajectory starts at s₀, and on a hypergrid at most 64 distinct
// states of the 8×8 grid are ever evaluated in one rollout, whatever its
// size. An idle service runs each call at once, alone; no call waits for
// others to arrive.
//
// Each trajectory draws its actions from the random source of its own call,
// in the order a rollout of that call alone would, so that the objects a
// call gets depend on its rng's state only, not on the calls it was
// combined with (the network's rows are computed the same way in any
// batch).
//
// The environment's methods are called from the workers at once: it must be
// safe for concurrent use (a pure function of its arguments, as the
// hypergrid is, or one that guards its scratch).
type Sampler struct {
	model    *Model
	seed     uint64
	maxBatch int
	known    bool          // log P_B is known
	queue    chan *request // calls waiting for a rollout
	idle     chan *worker
	made     chan struct{} // one token per worker made
	count    atomic.Uint64 // workers made
	running  atomic.Int32  // rollouts running
	queued   atomic.Int64  // trajectories queued
	freed    chan struct{} // a rollout has ended
	rollouts atomic.Int64  // rollouts run
	calls    atomic.Int64  // calls answered
	reqs     sync.Pool     // of *request
}

// SamplerConfig configures NewSampler. The zero value is usable.
type SamplerConfig struct {
	// Workers bounds the rollouts that run at once; 0 means GOMAXPROCS. On
	// a CPU-bound service more workers than cores only add waiting inside
	// the rollouts instead of before them.
	Workers int
	// MaxBatch is the number of trajectories beyond which a rollout takes no
	// more queued calls; 0 means 256. A call of more trajectories runs alone.
	MaxBatch int
	// Seed seeds the workers' own random sources (worker k draws from
	// PCG(Seed, k)), which calls given no *rand.Rand use.
	Seed uint64
}

// maxQueue bounds the calls waiting; more wait to join the queue.
const maxQueue = 1 << 12

// request is one call of Sample.
type request struct {
	dst  *Samples
	n    int
	rng  *rand.Rand
	done chan error
}

// NewSampler returns a Sampler of m. Workers are made when first needed.
//
// It panics if m has no network, or a Q-function other than a *softrl.QNet
// or a softrl.NetworkQ, or if cfg.Workers or cfg.MaxBatch is negative.
func NewSampler(m *Model, cfg SamplerConfig) *Sampler {
	if m == nil || (m.Policy == nil && m.Q == nil) || cfg.Workers < 0 || cfg.MaxBatch < 0 {
		panic("model: NewSampler of a model without a network, or with a negative size")
	}
	switch m.Q.(type) {
	case nil, *softrl.QNet, softrl.NetworkQ:
	default:
		panic(fmt.Sprintf("model: NewSampler of a %T Q-function: a Sampler samples a *softrl.QNet or a softrl.NetworkQ", m.Q))
	}
	w := cfg.Workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	s := &Sampler{model: m, seed: cfg.Seed, maxBatch: cfg.MaxBatch, queue: make(chan *request, maxQueue),
		idle: make(chan *worker, w), made: make(chan struct{}, w), freed: make(chan struct{}, 1),
		known: m.Backward == "uniform" || m.Backward == "tied" || m.Backward == "separate"}
	if s.maxBatch == 0 {
		s.maxBatch = 256
	}
	s.reqs.New = func() any { return &request{done: make(chan error, 1)} }
	return s
}

// Stats returns the number of rollouts run and of calls they answered: their
// ratio is how many calls a rollout combines on average.
func (s *Sampler) Stats() (rollouts, calls int64) { return s.rollouts.Load(), s.calls.Load() }

// Model returns the sampler's model.
func (s *Sampler) Model() *Model { return s.model }

// Sample draws n objects from the model into dst (reusing its storage),
// with rng, or with a worker's own random source when rng is nil. Given the
// same rng state, Sample gives the same objects, whatever runs beside it.
// It is safe to call from several goroutines at once, each with its own dst
// and rng (rng is used by the goroutine that runs the rollout while the
// caller waits).
//
// It returns an error if the environment breaks its contract or the model's
// outputs are not finite; then every call combined into the same rollout
// gets the error. It panics if n < 1.
func (s *Sampler) Sample(dst *Samples, n int, rng *rand.Rand) error {
	if n < 1 {
		panic(fmt.Sprintf("model: Sample of %d objects", n))
	}
	r := s.reqs.Get().(*request)
	r.dst, r.n, r.rng = dst, n, rng
	s.queued.Add(int64(n))
	s.queue <- r
	err := s.wait(r)
	r.dst, r.rng = nil, nil
	s.reqs.Put(r)
	return err
}

// wait returns the result of r, running rollouts of the queued calls while
// r is queued and a worker may start: when no rollout runs, or when more
// than a rollout's worth of trajectories is waiting. Starting a second
// rollout for the few calls that arrive while one runs would halve the size
// of both; waiting for the first to end makes one large rollout instead.
func (s *Sampler) wait(r *request) error {
	for {
		select {
		case err := <-r.done:
			return err
		default:
		}
		if len(s.queue) == 0 {
			return <-r.done // a worker has taken r: the result is on its way
		}
		// Let the goroutines that are ready to run join the queue first: a
		// caller that has just finished a rollout would otherwise start the
		// next with its own call alone before they run.
		runtime.Gosched()
		if s.running.Load() > 0 && s.queued.Load() < int64(s.maxBatch) {
			select {
			case err := <-r.done:
				return err
			case <-s.freed:
				continue
			}
		}
		var w *worker
		select {
		case err := <-r.done:
			return err
		case w = <-s.idle:
		case s.made <- struct{}{}:
			w = newWorker(s.model, rand.New(rand.NewPCG(s.seed, s.count.Add(1)-1)))
		}
		s.running.Add(1)
		s.runQueued(w)
		s.running.Add(-1)
		s.idle <- w
		select {
		case s.freed <- struct{}{}:
		default:
		}
	}
}

// runQueued takes the calls queued now, up to about maxBatch trajectories,
// runs them as one rollout on w and answers them.
func (s *Sampler) runQueued(w *worker) {
	reqs, n := w.reqs[:0], 0
	for n < s.maxBatch {
		select {
		case r := <-s.queue:
			reqs, n = append(reqs, r), n+r.n
			s.queued.Add(-int64(r.n))
			continue
		default:
		}
		break
	}
	if len(reqs) == 0 {
		return
	}
	s.rollouts.Add(1)
	s.calls.Add(int64(len(reqs)))
	err := w.run(reqs, n, s.known)
	for i, r := range reqs {
		r.done <- err
		reqs[i] = nil
	}
	w.reqs = reqs[:0]
}
