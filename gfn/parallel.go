package gfn

import (
	"math"
	"math/rand/v2"
	"sync"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
)

// Splittable is an Objective whose loss over a batch is the mean of terms
// that each depend on one part of the batch, so that the batch can be split
// among goroutines (TrainerConfig.Workers): the loss of the whole batch is
// Σ Terms(part)·Loss(part) / Σ Terms(part), and so is its gradient. TB, DB,
// ModifiedDB and SubTB are Splittable; ZVar (a variance over the batch) and
// FM are not.
type Splittable interface {
	Objective
	// Terms returns the number of terms whose mean is the loss of b.
	Terms(b *Batch) int
	// Replica returns a copy for another goroutine: the same settings, buffers
	// of its own, and parameters that share the original's values but have
	// gradients of their own, in the same order.
	Replica() Objective
}

// replica returns a Policy for another goroutine: its parameters share p's
// values but have gradients of their own (in the order of p.Params), and its
// scratch buffers are its own.
func (p *Policy) replica() *Policy {
	q := &Policy{Env: p.Env, Spec: p.Spec, Backward: p.Backward, FixedLogPB: p.FixedLogPB,
		pbHead: p.pbHead, flowHead: p.flowHead, rev: p.rev, hot: p.hot, sd: p.sd, a: p.a, k: p.k}
	q.Net = &nn.Heads{Trunk: shadowMLP(p.Net.Trunk), Heads: shadowLayers(p.Net.Heads)}
	if p.BackwardNet != nil {
		q.BackwardNet = shadowMLP(p.BackwardNet)
	}
	q.heads = make([]*autograd.Node, len(p.heads))
	return q
}

func shadowLayers(ls []*nn.Linear) []*nn.Linear {
	out := make([]*nn.Linear, len(ls))
	for i, l := range ls {
		out[i] = &nn.Linear{W: autograd.NewParam(l.W.Value), B: autograd.NewParam(l.B.Value)}
	}
	return out
}

func shadowMLP(m *nn.MLP) *nn.MLP { return &nn.MLP{Layers: shadowLayers(m.Layers), Act: m.Act} }

// worker samples and differentiates one part of an iteration's batch on its
// own tape, with a replica of the trainer's policy and objective, so that its
// gradients are its own. Worker 0 draws from the trainer's random source; the
// others' sources are reseeded from it at every iteration, so a run is
// reproducible and resumes identically.
type worker struct {
	policy    *Policy
	sampler   *Sampler
	src       *rand.PCG // nil for worker 0
	tape      autograd.Tape
	batch     Batch
	scores    Scores
	obj       Splittable
	params    []*autograd.Node // aligned with Trainer.params
	recompute bool

	n     int     // trajectories to sample
	loss  float64 // mean loss of the part
	terms int     // Terms of the part
	wg    *sync.WaitGroup
	fn    func() // w.runAsync, bound once so that starting it allocates nothing
}

func (w *worker) run() {
	t := &w.tape
	t.Reset()
	var sc *Scores
	if w.recompute {
		w.sampler.Sample(&w.batch, w.n)
		sc = w.policy.Score(&w.scores, t, &w.batch)
	} else {
		sc = w.sampler.Rollout(&w.batch, t, w.n)
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

// newWorkers sets up tr.Config.Workers workers, or none for one.
func (tr *Trainer) newWorkers() error {
	nw := min(tr.Config.Workers, tr.Config.BatchSize)
	if nw <= 1 {
		return nil
	}
	obj, ok := tr.Objective.(Splittable)
	if !ok || tr.Config.Replay > 0 {
		return errorf("Workers > 1 needs a Splittable objective (TB, DB, ModifiedDB, SubTB) and no replay")
	}
	tr.wg = new(sync.WaitGroup)
	for i := range nw {
		w := &worker{policy: tr.Policy.replica(), recompute: tr.Config.Recompute, wg: tr.wg}
		rng := tr.rng
		if i > 0 {
			w.src = rand.NewPCG(0, 0)
			rng = rand.New(w.src)
		}
		w.sampler = &Sampler{Policy: w.policy, Rand: rng, Epsilon: tr.Sampler.Epsilon, Temperature: tr.Sampler.Temperature}
		w.obj = obj.Replica().(Splittable)
		w.params = append(w.policy.Params(), w.obj.Params()...)
		w.fn = w.runAsync
		tr.workers = append(tr.workers, w)
		tr.parts = append(tr.parts, &w.batch)
	}
	return nil
}

// stepWorkers samples and differentiates the iteration's batch in parts, one
// per worker, concurrently. It adds the gradient of the whole batch's loss to
// the trainer's parameters, Σ_w (terms_w/Σ terms)·∇loss_w, which is exactly
// the gradient of the objective on the joined batch, leaves the joined batch
// in tr.batch and returns the loss.
func (tr *Trainer) stepWorkers() float64 {
	n, ws := tr.Config.BatchSize, tr.workers
	for i, w := range ws {
		w.n = n*(i+1)/len(ws) - n*i/len(ws)
		if w.src != nil {
			w.src.Seed(tr.rng.Uint64(), tr.rng.Uint64())
		}
	}
	tr.wg.Add(len(ws) - 1)
	for _, w := range ws[1:] {
		go w.fn()
	}
	ws[0].run()
	tr.wg.Wait()
	tr.batch.Concat(tr.parts)

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
		for j, p := range tr.params {
			g, q := p.Grad.RawMatrix().Data, w.params[j].Grad.RawMatrix().Data
			for i, v := range q {
				g[i] += s * v
				q[i] = 0
			}
		}
	}
	return loss
}

// Concat makes b the trajectories of parts, in order, reusing b's storage.
// StateLogReward is kept only when every part has it.
//
// It panics if parts is empty or the parts' state sizes differ.
func (b *Batch) Concat(parts []*Batch) {
	if len(parts) == 0 {
		panic("gfn: Batch.Concat of no parts")
	}
	n, m, sd, withR := 0, 0, parts[0].StateDim, true
	for _, p := range parts {
		if p.StateDim != sd {
			panic("gfn: Batch.Concat of batches with different state sizes")
		}
		n, m = n+p.N, m+p.M()
		withR = withR && len(p.StateLogReward) == p.M()+p.N
	}
	b.Resize(n, m, sd)
	ni, mi := 0, 0
	for _, p := range parts {
		pm := p.M()
		copy(b.Len[ni:], p.Len[:p.N])
		copy(b.LogReward[ni:], p.LogReward[:p.N])
		for i := 0; i < p.N; i++ {
			b.Offset[ni+i] = mi + p.Offset[i]
		}
		copy(b.Actions[mi:], p.Actions[:pm])
		copy(b.Back[mi:], p.Back[:pm])
		copy(b.Exit[mi:], p.Exit[:pm])
		for k, tj := range p.Traj[:pm] {
			b.Traj[mi+k] = ni + tj
		}
		copy(b.States[(mi+ni)*sd:], p.States[:(pm+p.N)*sd])
		if withR {
			b.StateLogReward = append(b.StateLogReward, p.StateLogReward[:pm+p.N]...)
		}
		ni, mi = ni+p.N, mi+pm
	}
}
