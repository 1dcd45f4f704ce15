package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/gfn"
)

// Config configures New.
type Config struct {
	Env       gfn.Env   // required
	Algorithm Algorithm // required, e.g. &onpolicy.Algorithm{Objective: objective.NewTB()}
	// Seed seeds the trainer's PCG source (both words), from which the
	// algorithm draws its initial weights first and then all its randomness.
	Seed uint64
	// Window is the number of most recent training samples the empirical
	// metrics use (Enumerable environments); 0 means gfn.DefaultWindow.
	Window int
}

// Trainer runs a training Algorithm: it owns the random source, the iteration
// and trajectory counters, the empirical window of training samples,
// evaluation, checkpoints and sampling, so that every algorithm gets them
// the same way. It is not safe for concurrent use.
//
// Intended use by a command or a service:
//
//	tr, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: 1})
//	if resume { err = tr.Load(path) }        // continues bit-identically
//	for tr.Iter() < iters {
//		info, err := tr.Step()
//		if tr.Iter()%evalEvery == 0 { m, err := tr.Evaluate() … }
//		if tr.Iter()%saveEvery == 0 { err = tr.Save(path) }   // atomic
//	}
//	err = tr.Sample(&batch, n, rng)                           // no exploration
type Trainer struct {
	env      gfn.Env
	alg      Algorithm
	src      *rand.PCG
	rng      *rand.Rand
	batch    gfn.Batch
	iter     int
	trajs    int
	emp      *gfn.Empirical
	enum     gfn.Enumerable
	target   []float64 // R/Z of an Enumerable environment
	trueLogZ float64
	sampler  gfn.Sampler
	settings []gfn.Setting
	seed     uint64
}

// New returns a Trainer for cfg, with the algorithm initialised.
//
// It returns an error if Env or Algorithm is nil, Window is negative, or the
// algorithm's Init fails (a bad setting, an environment it cannot train).
func New(cfg Config) (*Trainer, error) {
	switch {
	case cfg.Env == nil:
		return nil, errors.New("train: Config.Env is nil")
	case cfg.Algorithm == nil:
		return nil, errors.New("train: Config.Algorithm is nil")
	case cfg.Window < 0:
		return nil, fmt.Errorf("train: Config.Window is %d, want ≥ 0 (0 for %d)", cfg.Window, gfn.DefaultWindow)
	}
	if err := gfn.CheckEnv(cfg.Env); err != nil {
		return nil, err
	}
	tr := &Trainer{env: cfg.Env, alg: cfg.Algorithm, src: rand.NewPCG(cfg.Seed, cfg.Seed), trueLogZ: math.NaN(), seed: cfg.Seed}
	tr.rng = rand.New(tr.src)
	if err := tr.alg.Init(cfg.Env, tr.rng); err != nil {
		return nil, err
	}
	tr.sampler.Env = cfg.Env
	if e, ok := cfg.Env.(gfn.Enumerable); ok {
		tr.enum = e
		tr.emp = gfn.NewEmpirical(e.NumStates(), cfg.Window)
		tr.target, tr.trueLogZ = gfn.TargetDistribution(e)
	}
	for _, s := range gfn.Describe(cfg.Env) {
		tr.settings = append(tr.settings, gfn.Setting{Key: "env." + s.Key, Value: s.Value})
	}
	if c, ok := cfg.Algorithm.(Checkpointer); ok {
		tr.settings = append(tr.settings, c.Settings()...)
	}
	window := cfg.Window
	if window == 0 {
		window = gfn.DefaultWindow
	}
	tr.settings = append(tr.settings, gfn.Setting{Key: "window", Value: fmt.Sprint(window)})
	return tr, nil
}

// Env returns the environment.
func (tr *Trainer) Env() gfn.Env { return tr.env }

// Algorithm returns the algorithm.
func (tr *Trainer) Algorithm() Algorithm { return tr.alg }

// Settings returns the settings a checkpoint of this trainer records: the
// environment's (with the prefix "env."), the algorithm's, and the window.
func (tr *Trainer) Settings() []gfn.Setting { return tr.settings }

// Iter returns the number of iterations done.
func (tr *Trainer) Iter() int { return tr.iter }

// Trajectories returns the number of trajectories sampled for training.
func (tr *Trainer) Trajectories() int { return tr.trajs }

// Batch returns the trajectories sampled by the last iteration.
func (tr *Trainer) Batch() *gfn.Batch { return &tr.batch }

// Step runs one training iteration. The iteration's trajectories count and
// enter the empirical window even when its loss is not finite; that error
// (wrapping gfn.ErrNonFinite) leaves the parameters as they were. Any other
// error (an environment that broke its contract, say) leaves the counters as
// they were. Errors name the iteration, counted from 1.
func (tr *Trainer) Step() (StepInfo, error) {
	info, err := tr.alg.Step(tr.iter, &tr.batch, tr.rng)
	if err != nil && !errors.As(err, new(gfn.ErrNonFinite)) {
		return info, fmt.Errorf("iteration %d: %w", tr.iter+1, err)
	}
	tr.iter++
	info.Iter = tr.iter
	b := &tr.batch
	tr.trajs += b.N
	if tr.emp != nil {
		if e := tr.emp.AddBatch(tr.enum, b); e != nil && err == nil {
			err = e
		}
	}
	info.MeanLen = float64(b.M()) / float64(b.N)
	info.MaxLogR = math.Inf(-1)
	for _, r := range b.LogReward[:b.N] {
		info.MaxLogR = math.Max(info.MaxLogR, r)
	}
	if err != nil {
		return info, fmt.Errorf("iteration %d: %w", tr.iter, err)
	}
	return info, nil
}

// Sample draws n trajectories from the trained model (no exploration) into
// dst, using rng and not the trainer's own randomness.
func (tr *Trainer) Sample(dst *gfn.Batch, n int, rng *rand.Rand) error {
	return tr.sampler.Rollout(dst, tr.alg.Actor(), n, rng)
}

// LogZ returns the algorithm's estimate of log Z (LogPartitioner), or NaN.
func (tr *Trainer) LogZ() float64 {
	if lp, ok := tr.alg.(LogPartitioner); ok {
		return lp.LogZ()
	}
	return math.NaN()
}
