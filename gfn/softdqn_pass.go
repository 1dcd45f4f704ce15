package gfn

import (
	"runtime"

	"github.com/gogfn/gogfn/autograd"
)

// pass is one forward pass of a Q-function that SoftDQN hands to its helper
// goroutine, so that target-network passes run on the second core while the
// calling goroutine evaluates the online network: during rollouts (Q_tgt on
// the states of each step, for the initial priorities) and in learn (Q_tgt on
// the batch, next to the online forward pass).
//
// The helper never refers to the SoftDQN, only to its passes, so a trainer
// that is no longer referenced is collected and a cleanup stops the helper.
type pass struct {
	q      QFunction
	t      *autograd.Tape
	states []int
	n      int
	dst    []float64 // when not nil, the values [n×A] are copied here
	val    []float64 // the values, valid until the next pass on t
	failed any       // a panic of the pass, re-raised by wait
}

// helper runs passes on a goroutine of its own.
type helper struct {
	p    *pass
	jobs chan *pass
	done chan struct{}
	busy bool
}

func newHelper(owner *SoftDQN) *helper {
	h := &helper{p: &pass{t: new(autograd.Tape)}, jobs: make(chan *pass), done: make(chan struct{})}
	go serve(h.jobs, h.done)
	runtime.AddCleanup(owner, func(jobs chan *pass) { close(jobs) }, h.jobs)
	return h
}

func serve(jobs <-chan *pass, done chan<- struct{}) {
	for p := range jobs {
		p.run()
		done <- struct{}{}
	}
}

func (p *pass) run() {
	defer func() { p.failed = recover() }()
	v := p.q.Q(p.t, p.states, p.n).Value.RawMatrix().Data
	p.val = v
	if p.dst != nil {
		copy(p.dst, v)
	}
}

// start begins the pass q(states[:n·d]) on the tape of the helper, after a
// Reset; the values go to dst too when it is not nil. states and dst must not
// be touched until wait returns.
func (h *helper) start(q QFunction, states []int, n int, dst []float64) {
	if h.busy { // a previous Step panicked before waiting
		<-h.done
	}
	h.p.t.Reset()
	h.p.q, h.p.states, h.p.n, h.p.dst, h.p.failed = q, states, n, dst, nil
	h.busy = true
	h.jobs <- h.p
}

// wait waits for the pass started last and returns its values, which stay
// valid until the next start. It re-raises a panic of the pass.
func (h *helper) wait() []float64 {
	<-h.done
	h.busy = false
	if f := h.p.failed; f != nil {
		panic(f)
	}
	return h.p.val
}
