package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/zero"
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
	// Recent is the number of most recent training samples whose log-rewards
	// Evaluate summarises (MeanLogR, TopLogR); 0 means 1,000.
	Recent int
	// TopK is the number of best recent log-rewards TopLogR averages; 0
	// means 100.
	TopK int
	// DivergeFactor makes Step report divergence (ErrDiverged) when an
	// iteration's loss exceeds DivergeFactor times the reference loss: the
	// run's first finite loss (at least 1), measured before any update has
	// had a chance to diverge. A loss that has exploded by that factor means
	// a learning rate far too large or a broken reward, and the run will not
	// recover. 0 means 1e4; a negative value turns the check off. A run's
	// losses fall as it trains, so a healthy run stays far below the bound.
	DivergeFactor float64
	// Average keeps an averaged model beside the last iterate (see
	// Averaging); the zero value keeps none.
	Average Averaging
}

// ErrDiverged reports a training loss that exploded: Loss is more than
// Factor times Reference (see Config.DivergeFactor). The iteration's update
// was applied; the previous checkpoint is the last good state.
type ErrDiverged struct {
	Loss, Reference, Factor float64
}

func (e ErrDiverged) Error() string {
	return fmt.Sprintf("train: the loss diverged: %.4g is more than %g times the run's first loss (%.4g); "+
		"lower the learning rate", e.Loss, e.Factor, e.Reference)
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
	diverge  float64 // DivergeFactor, or 0 when off
	ref      meanOf  // the first finite losses
	modes    gfn.ModeTracker
	recent   []float64 // ring of the last Recent log-rewards
	rpos     int
	topK     int
	seed     uint64
	avg      averager // the averaged model, or nil
	avgCfg   Averaging
}

// refLosses is the number of losses the divergence reference averages: the
// first, before any update can have diverged.
const refLosses = 1

// meanOf is a running mean.
type meanOf struct {
	sum float64
	n   int
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
	case cfg.Recent < 0 || cfg.Recent > 1<<24 || cfg.TopK < 0:
		return nil, fmt.Errorf("train: Config.Recent is %d and Config.TopK %d, want Recent in [0, 2²⁴] and TopK ≥ 0", cfg.Recent, cfg.TopK)
	case math.IsNaN(cfg.DivergeFactor) || (cfg.DivergeFactor > 0 && cfg.DivergeFactor <= 1):
		return nil, fmt.Errorf("train: Config.DivergeFactor is %v, want more than 1 (0 for 1e4, negative for none)", cfg.DivergeFactor)
	}
	if err := gfn.CheckEnv(cfg.Env); err != nil {
		return nil, err
	}
	tr := &Trainer{env: cfg.Env, alg: cfg.Algorithm, src: rand.NewPCG(cfg.Seed, cfg.Seed), trueLogZ: math.NaN(),
		diverge: zero.Or(cfg.DivergeFactor, 1e4), recent: make([]float64, 0, zero.Or(cfg.Recent, 1000)),
		topK: zero.Or(cfg.TopK, 100), seed: cfg.Seed}
	if m, ok := cfg.Env.(gfn.ModeFinder); ok {
		tr.modes = m.NewModeTracker()
	}
	if tr.diverge < 0 {
		tr.diverge = 0
	}
	tr.rng = rand.New(tr.src)
	if err := tr.alg.Init(cfg.Env, tr.rng); err != nil {
		return nil, err
	}
	avg, err := newAverager(cfg.Average, tr.alg)
	if err != nil {
		return nil, err
	}
	tr.avg, tr.avgCfg = avg, cfg.Average
	if cfg.Average.Kind == EMAverage {
		avg.Update() // the average starts from the initial weights
	}
	tr.sampler.Env = cfg.Env
	if e, ok := cfg.Env.(gfn.Enumerable); ok {
		tr.enum = e
		tr.emp = gfn.NewEmpirical(e.NumStates(), cfg.Window)
		tr.target, tr.trueLogZ = gfn.TargetDistribution(e)
		if math.IsNaN(tr.trueLogZ) || math.IsInf(tr.trueLogZ, 0) {
			return nil, rewardError(e)
		}
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
	tr.settings = append(tr.settings, cfg.Average.settings()...)
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
	if tr.avg != nil {
		tr.avg.Update()
	}
	info.Iter = tr.iter
	b := &tr.batch
	tr.trajs += b.N
	if tr.emp != nil {
		if e := tr.emp.AddBatch(tr.enum, b); e != nil && err == nil {
			err = e
		}
	}
	for i := 0; i < b.N; i++ {
		if tr.modes != nil {
			tr.modes.Add(b.Terminal(i))
		}
		if len(tr.recent) < cap(tr.recent) {
			tr.recent = append(tr.recent, b.LogReward[i])
		} else {
			tr.recent[tr.rpos] = b.LogReward[i]
			tr.rpos = (tr.rpos + 1) % len(tr.recent)
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
	if l := info.Loss; tr.diverge > 0 && !math.IsNaN(l) {
		if tr.ref.n < refLosses {
			tr.ref.sum += l
			tr.ref.n++
		} else if ref := max(tr.ref.sum/float64(tr.ref.n), 1); l > tr.diverge*ref {
			return info, fmt.Errorf("iteration %d: %w", tr.iter, ErrDiverged{Loss: l, Reference: ref, Factor: tr.diverge})
		}
	}
	return info, nil
}

// rewardError returns an error naming the first state whose log-reward is not
// finite (or +Inf), or that the rewards sum to an infinite Z.
func rewardError(env gfn.Enumerable) error {
	spec := env.Spec()
	s := make(gfn.State, spec.StateDim)
	mask := make([]bool, spec.NumActions)
	for i := 0; i < env.NumStates(); i++ {
		env.StateAt(s, i)
		env.Mask(mask, s)
		terminal := (spec.Exit && mask[spec.NumActions-1]) || (!spec.Exit && !slices.Contains(mask, true))
		if r := env.LogReward(s); terminal && (math.IsNaN(r) || math.IsInf(r, 1)) {
			return fmt.Errorf("train: %w: LogReward of %v is %v", gfn.ErrEnv, s, r)
		}
	}
	return fmt.Errorf("train: %w: the rewards sum to no finite positive Z", gfn.ErrEnv)
}

// Sample draws n trajectories from the trained model (no exploration) into
// dst, using rng and not the trainer's own randomness. With an averaged
// model (Config.Average) it samples the average.
func (tr *Trainer) Sample(dst *gfn.Batch, n int, rng *rand.Rand) error {
	var err error
	if tr.averaged(func() { err = tr.sampler.Rollout(dst, tr.alg.Actor(), n, rng) }) {
		return err
	}
	return tr.sampler.Rollout(dst, tr.alg.Actor(), n, rng)
}

// LogZ returns the algorithm's estimate of log Z (LogPartitioner), or NaN.
func (tr *Trainer) LogZ() float64 {
	if lp, ok := tr.alg.(LogPartitioner); ok {
		return lp.LogZ()
	}
	return math.NaN()
}
