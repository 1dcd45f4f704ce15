package gfn

// The Trainer is what `gfn train` drives. Intended use by a CLI or service:
//
//	tr, err := gfn.NewTrainer(gfn.TrainerConfig{
//		Env:       hypergrid.New(2, 8, hypergrid.Standard),
//		Objective: gfn.NewTB(),
//		Seed:      1,
//	})
//	if resume { err = tr.Load(ckpt) }          // continues bit-identically
//	for tr.Iter() < iters {
//		info, err := tr.Step()                 // *ErrNonFinite: stop or skip
//		if tr.Iter()%evalEvery == 0 {
//			m, err := tr.Evaluate()            // exact + empirical metrics
//			... write m as a JSON line ...
//		}
//		if tr.Iter()%saveEvery == 0 { err = tr.Save(ckpt) } // atomic
//	}
//	tr.Sample(&batch, n, rand.New(rand.NewPCG(seed, 0))) // `gfn sample`

import (
	"math"
	"math/rand/v2"
	"sync"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/optim"
)

// TrainerConfig configures NewTrainer. Zero fields take the defaults of the
// papers' hypergrid runs.
type TrainerConfig struct {
	Env       Env       // required
	Objective Objective // required, e.g. NewTB()
	// Policy configures the model (see PolicyConfig; nil Hidden is 256×256).
	// Set Policy.Flow for objectives that need a log-flow head.
	Policy PolicyConfig
	// BatchSize is the number of trajectories per iteration; 0 means 16.
	BatchSize int
	// LR is the learning rate of the policy; 0 means 1e-3.
	LR float64
	// ObjectiveLR is the learning rate of the objective's parameters (TB's
	// log Z); 0 means 0.1.
	ObjectiveLR float64
	// BackwardLR is the learning rate of a learned P_B, which has its own Adam
	// optimizer; 0 means LR.
	BackwardLR float64
	// WeightDecay is Adam's decoupled weight decay of the policy; 0 means none.
	WeightDecay float64
	// Epsilon and Temperature shape the behaviour policy (see Sampler).
	Epsilon, Temperature float64
	// ClipNorm clips the global gradient norm; 0 means no clipping.
	ClipNorm float64
	// Replay, when positive, keeps the last Replay batches; each iteration
	// then also scores one of them drawn uniformly (with Policy.Score) and
	// trains on the mean of both losses.
	Replay int
	// Window is the empirical metric's window; 0 means 200,000 samples.
	Window int
	// Recompute samples without recording (Sampler.Sample) and then scores
	// the batch in one batched forward pass (Policy.Score), instead of
	// back-propagating through the per-step passes recorded while sampling
	// (Sampler.Rollout). It costs one more forward pass, but the backward
	// pass then runs on [M×hidden] products instead of one small product per
	// step. On the hypergrid the recorded passes are faster
	// (BenchmarkTrainHypergrid in bench/gfn_test.go: 1.36 ms against 1.77 ms
	// per iteration on D=2, H=8); Recompute may pay off for policies whose
	// per-step products are too small to run efficiently. The trajectories
	// drawn are the same; losses agree up to rounding.
	Recompute bool
	// Workers splits each iteration's trajectories among this many goroutines
	// (at most BatchSize), each sampling and back-propagating its part on its
	// own tape; their gradients are combined exactly (see Splittable), so a
	// step computes the same loss and gradient as one goroutine would on the
	// same trajectories. The trajectories themselves differ with the number of
	// workers (each has its own random stream, drawn from the trainer's), so a
	// run is reproducible for a given Workers. It needs a Splittable objective
	// and no Replay. 0 or 1 means one goroutine. It pays with enough work per
	// iteration: on a 2-vCPU machine, TB on the 8×8 hypergrid with two workers
	// ran at 0.84× the speed of one with BatchSize 16, 1.27× with 64 and 1.9×
	// with 256.
	Workers int
	// Seed seeds the trainer's PCG source (both words); the policy's weights
	// are drawn from it first.
	Seed uint64
}

// StepInfo describes one training iteration.
type StepInfo struct {
	Iter     int     // iterations done, this one included
	Loss     float64 // the loss that was minimised
	GradNorm float64 // global gradient norm before clipping
	MeanLen  float64 // mean number of transitions per trajectory
	MaxLogR  float64 // largest log-reward in the batch
}

// Metrics is what Evaluate measures.
type Metrics struct {
	Iter, Trajectories int
	// Exact compares the exact terminal distribution of the forward policy
	// (Learned) with the reward distribution (Target): Enumerable envs only.
	Exact           Distances
	Target, Learned []float64
	// Empirical compares the last Window training samples with Target, as
	// the papers do (L1Mean is their "l1_dist", KL their "kl_dist").
	Empirical Distances
	// ModesFound of NumModes states at maximal reward were ever sampled.
	ModesFound, NumModes int
	// LogZ is the model's estimate of log Z: TB's learned log Z, else log F(s₀)
	// of a flow head, else NaN. TrueLogZ is the exact value; LogZErr = |LogZ −
	// TrueLogZ|.
	LogZ, TrueLogZ, LogZErr float64
}

// Trainer runs on-policy GFlowNet training: sample a batch of trajectories,
// compute the objective from the scores recorded while sampling, back-propagate
// and take an Adam step. It is not safe for concurrent use.
type Trainer struct {
	Config    TrainerConfig
	Policy    *Policy
	Sampler   *Sampler
	Objective Objective
	// Opt updates the forward policy, flow head and the objective's
	// parameters (in a group with ObjectiveLR); BackOpt the learned P_B, or
	// is nil.
	Opt, BackOpt *optim.Adam

	src    *rand.PCG
	rng    *rand.Rand
	tape   autograd.Tape
	batch  Batch
	replay []Batch
	nrep   int // batches stored in replay
	rs, ss Scores
	params []*autograd.Node // every trained parameter
	emp    *Empirical
	enum   Enumerable
	iter   int
	trajs  int
	infer  Sampler

	workers []*worker // Workers > 1
	parts   []*Batch  // the workers' batches
	wg      *sync.WaitGroup
}

// NewTrainer returns a Trainer for cfg.
//
// It returns an error if Env or Objective is nil or a size is negative.
func NewTrainer(cfg TrainerConfig) (*Trainer, error) {
	if cfg.Env == nil || cfg.Objective == nil {
		return nil, errorf("TrainerConfig needs an Env and an Objective")
	}
	if cfg.BatchSize < 0 || cfg.Replay < 0 || cfg.Window < 0 || cfg.ClipNorm < 0 || cfg.Workers < 0 {
		return nil, errorf("negative size in TrainerConfig")
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = 16
	}
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	if cfg.ObjectiveLR == 0 {
		cfg.ObjectiveLR = 0.1
	}
	if cfg.BackwardLR == 0 {
		cfg.BackwardLR = cfg.LR
	}
	tr := &Trainer{Config: cfg, Objective: cfg.Objective, src: rand.NewPCG(cfg.Seed, cfg.Seed)}
	tr.rng = rand.New(tr.src)
	tr.Policy = NewPolicy(cfg.Env, cfg.Policy, tr.rng)
	tr.Sampler = &Sampler{Policy: tr.Policy, Rand: tr.rng, Epsilon: cfg.Epsilon, Temperature: cfg.Temperature}
	tr.Opt = &optim.Adam{Params: tr.Policy.ForwardParams(), LR: cfg.LR, WeightDecay: cfg.WeightDecay}
	if ps := cfg.Objective.Params(); len(ps) > 0 {
		tr.Opt.Groups = []optim.Group{{Params: ps, LR: cfg.ObjectiveLR}}
	}
	tr.params = append(tr.Policy.Params(), cfg.Objective.Params()...)
	if bp := tr.Policy.BackwardParams(); len(bp) > 0 {
		tr.BackOpt = &optim.Adam{Params: bp, LR: cfg.BackwardLR}
	}
	tr.replay = make([]Batch, cfg.Replay)
	if e, ok := cfg.Env.(Enumerable); ok {
		tr.enum = e
		tr.emp = NewEmpirical(e.NumStates(), cfg.Window)
	}
	if err := tr.newWorkers(); err != nil {
		return nil, err
	}
	return tr, nil
}

// Iter returns the number of iterations done.
func (tr *Trainer) Iter() int { return tr.iter }

// Trajectories returns the number of trajectories sampled for training.
func (tr *Trainer) Trajectories() int { return tr.trajs }

// Batch returns the batch of the last iteration.
func (tr *Trainer) Batch() *Batch { return &tr.batch }

// Step runs one training iteration. If the loss or the gradient is not finite
// it returns an ErrNonFinite and leaves the parameters as they were (the
// sampled batch still counts).
func (tr *Trainer) Step() (StepInfo, error) {
	tr.iter++
	info := StepInfo{Iter: tr.iter}
	if len(tr.workers) > 0 {
		return tr.finish(info, nil, tr.stepWorkers())
	}
	t := &tr.tape
	t.Reset()
	n := tr.Config.BatchSize
	b := &tr.batch
	var sc *Scores
	if tr.Config.Recompute {
		tr.Sampler.Sample(b, n)
		sc = tr.Policy.Score(&tr.ss, t, b)
	} else {
		sc = tr.Sampler.Rollout(b, t, n)
	}
	loss := tr.Objective.Loss(t, b, sc)
	if tr.nrep > 0 {
		rb := &tr.replay[tr.rng.IntN(tr.nrep)]
		rl := tr.Objective.Loss(t, rb, tr.Policy.Score(&tr.rs, t, rb))
		loss = t.Scale(0.5, t.Add(loss, rl))
	}
	if len(tr.replay) > 0 {
		tr.replay[(tr.iter-1)%len(tr.replay)].CopyFrom(b)
		tr.nrep = min(tr.nrep+1, len(tr.replay))
	}
	return tr.finish(info, loss, loss.Scalar())
}

// finish completes an iteration whose batch is in tr.batch and whose loss has
// value lv: it records the samples, back-propagates loss (nil when the
// gradient is already in place), clips and steps the optimizers.
func (tr *Trainer) finish(info StepInfo, loss *autograd.Node, lv float64) (StepInfo, error) {
	b, n := &tr.batch, tr.Config.BatchSize
	tr.trajs += n
	if tr.emp != nil {
		tr.emp.AddBatch(tr.enum, b)
	}
	info.MeanLen = float64(b.M()) / float64(n)
	info.MaxLogR = math.Inf(-1)
	for _, r := range b.LogReward[:n] {
		info.MaxLogR = math.Max(info.MaxLogR, r)
	}
	info.Loss = lv
	if math.IsNaN(info.Loss) || math.IsInf(info.Loss, 0) {
		autograd.ZeroGrad(tr.params...)
		return info, ErrNonFinite{Step: tr.iter, Loss: info.Loss, Where: "loss"}
	}
	if loss != nil {
		tr.tape.Backward(loss)
	}
	maxNorm := tr.Config.ClipNorm
	if maxNorm == 0 {
		maxNorm = math.Inf(1)
	}
	info.GradNorm = optim.ClipGradNorm(tr.params, maxNorm)
	if math.IsNaN(info.GradNorm) || math.IsInf(info.GradNorm, 0) {
		autograd.ZeroGrad(tr.params...)
		return info, ErrNonFinite{Step: tr.iter, Loss: info.Loss, Where: "gradient"}
	}
	tr.Opt.Step()
	if tr.BackOpt != nil {
		tr.BackOpt.Step()
	}
	return info, nil
}

// LogZ returns the model's estimate of log Z: TB's learned log Z, else
// log F(s₀) from a flow head, else NaN.
func (tr *Trainer) LogZ() float64 {
	if tb, ok := tr.Objective.(*TB); ok && tb.LogZ != nil {
		return tb.LogZ.Value.At(0, 0)
	}
	if tr.Policy.flowHead < 0 {
		return math.NaN()
	}
	s0 := make(State, tr.Policy.Spec.StateDim)
	tr.Policy.Env.Start(s0)
	var t autograd.Tape
	_, logF := tr.Policy.Evaluate(&t, s0, 1)
	return logF.Value.At(0, 0)
}

// Evaluate measures the model. For an Enumerable environment it computes the
// exact terminal distribution of the forward policy (a dynamic programme over
// every state, in batched forward passes), the empirical metrics of the last
// training samples and the modes found; otherwise it reports only LogZ.
func (tr *Trainer) Evaluate() (Metrics, error) {
	m := Metrics{Iter: tr.iter, Trajectories: tr.trajs, LogZ: tr.LogZ(), TrueLogZ: math.NaN(), LogZErr: math.NaN()}
	if tr.enum == nil {
		return m, nil
	}
	m.Target, m.TrueLogZ = TargetDistribution(tr.enum)
	m.LogZErr = math.Abs(m.LogZ - m.TrueLogZ)
	m.Learned = ExactDistribution(tr.enum, tr.Policy)
	m.Exact = Compare(m.Learned, m.Target)
	m.Empirical = tr.emp.Distances(m.Target)
	m.ModesFound, m.NumModes = tr.emp.ModesFound(m.Target)
	return m, nil
}

// Sample draws n trajectories from the trained forward policy (no
// exploration, no gradient bookkeeping) into dst, using rng and not the
// trainer's own randomness.
func (tr *Trainer) Sample(dst *Batch, n int, rng *rand.Rand) {
	tr.infer.Policy, tr.infer.Rand = tr.Policy, rng
	tr.infer.Sample(dst, n)
}
