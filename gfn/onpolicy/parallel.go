package onpolicy

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
)

// worker samples and differentiates one part of an iteration's batch on its
// own tape, with a replica of the trainer's policy and objective, so that its
// gradients are its own. Worker 0 draws from the trainer's random source; the
// others' sources are reseeded from it at every iteration, so a run is
// reproducible and resumes identically.
type worker struct {
	policy    *policy.Policy
	sampler   policy.Sampler
	src       *rand.PCG // its random source, reseeded every iteration
	tape      autograd.Tape
	batch     gfn.Batch
	scores    gfn.Scores
	obj       gfn.Splittable
	params    []*autograd.Node // aligned with Algorithm.params
	recompute bool

	n     int     // trajectories to sample
	loss  float64 // mean loss of the part
	terms int     // Terms of the part
	err   error   // an error of the rollout, or a recovered panic
	wg    *sync.WaitGroup
	fn    func() // w.runAsync, bound once so that starting it allocates nothing
}

func (w *worker) run() {
	defer func() {
		if r := recover(); r != nil {
			w.err = fmt.Errorf("onpolicy: a worker panicked: %v", r)
		}
	}()
	w.err = nil
	w.policy.SetTraining(w.sampler.Rand)
	defer w.policy.SetTraining(nil)
	t := &w.tape
	t.Reset()
	var sc *gfn.Scores
	if w.recompute {
		if w.err = w.sampler.Sample(&w.batch, w.n); w.err == nil {
			sc = w.policy.Score(&w.scores, t, &w.batch)
		}
	} else {
		sc, w.err = w.sampler.Rollout(&w.batch, t, w.n)
	}
	if w.err != nil {
		return
	}
	loss := w.obj.Loss(t, &w.batch, sc)
	w.loss, w.terms = loss.Scalar(), w.obj.Terms(&w.batch)
	if !math.IsNaN(w.loss) && !math.IsInf(w.loss, 0) {
		t.Backward(loss)
	}
}

func (w *worker) runAsync() {
	defer w.wg.Done()
	w.run()
}

// newWorkers sets up a.Workers workers, or none for one.
func (a *Algorithm) newWorkers() error {
	nw := min(a.Workers, a.Trajectories)
	if nw <= 1 {
		return nil
	}
	obj, ok := a.Objective.(gfn.Splittable)
	if !ok || a.ReplayBatches > 0 {
		return errors.New("onpolicy: Workers > 1 needs a Splittable objective (TB, DB, ModifiedDB, SubTB) and no ReplayBatches")
	}
	wg := new(sync.WaitGroup)
	for range nw {
		w := &worker{policy: a.pol.Replica(), recompute: a.Recompute, wg: wg, src: rand.NewPCG(0, 0)}
		w.sampler = policy.Sampler{Policy: w.policy, Rand: rand.New(w.src), Epsilon: a.Epsilon,
			Temperature: a.Temperature, StateRewards: a.sampler.StateRewards}
		w.obj = obj.Replica().(gfn.Splittable)
		w.params = append(w.policy.Params(), w.obj.Params()...)
		w.fn = w.runAsync
		a.workers = append(a.workers, w)
		a.parts = append(a.parts, &w.batch)
	}
	return nil
}

// stepWorkers samples and differentiates the iteration's batch in parts, one
// per worker, concurrently. It adds the gradient of the whole batch's loss to
// the algorithm's parameters, Σ_w (terms_w/Σ terms)·∇loss_w, which is exactly
// the gradient of the objective on the joined batch, leaves the joined batch
// in dst and returns the loss. Every worker's source is reseeded from rng, so
// the run is reproducible and resumes identically.
func (a *Algorithm) stepWorkers(dst *gfn.Batch, rng *rand.Rand) (float64, error) {
	n, ws := a.Trajectories, a.workers
	for i, w := range ws {
		w.n = n*(i+1)/len(ws) - n*i/len(ws)
		w.src.Seed(rng.Uint64(), rng.Uint64())
	}
	wg := ws[0].wg
	wg.Add(len(ws) - 1)
	for _, w := range ws[1:] {
		go w.fn()
	}
	ws[0].run()
	wg.Wait()
	for _, w := range ws {
		if w.err != nil {
			for _, w := range ws {
				autograd.ZeroGrad(w.params...)
			}
			return math.NaN(), w.err
		}
	}
	dst.Concat(a.parts)

	total := 0
	for _, w := range ws {
		total += w.terms
	}
	var loss float64
	for _, w := range ws {
		var s float64
		if total > 0 {
			s = float64(w.terms) / float64(total)
		}
		if w.terms > 0 || math.IsNaN(w.loss) || math.IsInf(w.loss, 0) {
			loss += s * w.loss
		}
		for j, p := range a.params {
			g, q := p.Grad.RawMatrix().Data, w.params[j].Grad.RawMatrix().Data
			for i, v := range q {
				g[i] += s * v
				q[i] = 0
			}
		}
	}
	return loss, nil
}
