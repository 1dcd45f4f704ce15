package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/zero"
)

// Metrics is what Evaluate measures.
type Metrics struct {
	Iter, Trajectories int
	// Exact compares the exact terminal distribution of the trained model
	// (Learned) with the reward distribution R/Z (Target): Enumerable
	// environments only.
	Exact           gfn.Distances
	Target, Learned []float64
	// Empirical compares the last training samples (the window) with Target,
	// as the papers do (L1Mean is their "l1_dist", KL their "kl_dist"): zero
	// before the first iteration.
	Empirical gfn.Distances
	// ModesFound of NumModes modes were ever found in training: for an
	// Enumerable environment, the states at maximal reward that were
	// sampled; for a gfn.ModeFinder, what its tracker counts (the bit
	// sequences' modes within Hamming distance 30 of a sample).
	ModesFound, NumModes int
	// MeanLogR is the mean log-reward of the most recent training samples
	// (Config.Recent of them) and TopLogR the mean of their TopK largest;
	// NaN before the first iteration.
	MeanLogR, TopLogR float64
	// LogZ is the model's estimate of log Z (NaN without one), TrueLogZ the
	// exact value (NaN when unknown) and LogZErr = |LogZ − TrueLogZ|.
	LogZ, TrueLogZ, LogZErr float64
	// Averaged compares the exact distribution of the averaged model
	// (Config.Average) with Target, as Exact does for the last iterate, and
	// AveragedLogZ is its log Z: zero and NaN without an averaged model.
	Averaged     gfn.Distances
	AveragedLogZ float64
}

// Evaluate measures the model. For an Enumerable environment it computes the
// exact terminal distribution of the trained model (a dynamic programme over
// every state, in batched forward passes), the empirical metrics of the last
// training samples and the modes found; otherwise it reports only LogZ. It
// returns an error, with the metrics it could compute, if a distance is not
// finite because the model's outputs are not (a diverged run), or one
// wrapping gfn.ErrEnv if a step leads to a state whose index is out of range
// or shared with another state.
func (tr *Trainer) Evaluate() (Metrics, error) {
	m := Metrics{Iter: tr.iter, Trajectories: tr.trajs, LogZ: tr.LogZ(), TrueLogZ: tr.trueLogZ, AveragedLogZ: math.NaN()}
	tr.averaged(func() { m.AveragedLogZ = tr.LogZ() })
	m.LogZErr = math.Abs(m.LogZ - m.TrueLogZ)
	m.MeanLogR, m.TopLogR = tr.recentRewards()
	if tr.modes != nil {
		m.ModesFound, m.NumModes = tr.modes.Found(), tr.modes.NumModes()
	}
	if tr.enum == nil {
		return m, nil
	}
	m.Target = tr.target
	var err error
	if m.Learned, err = gfn.ExactDistribution(tr.enum, tr.alg.Model()); err != nil {
		return m, fmt.Errorf("train: %w", err)
	}
	m.Exact = gfn.Compare(m.Learned, m.Target)
	tr.averaged(func() {
		var p []float64
		if p, err = gfn.ExactDistribution(tr.enum, tr.alg.Model()); err == nil {
			m.Averaged = gfn.Compare(p, m.Target)
		}
	})
	if err != nil {
		return m, fmt.Errorf("train: %w", err)
	}
	if tr.emp.Total() > 0 {
		m.Empirical = tr.emp.Distances(m.Target)
	}
	if tr.modes == nil { // the environment's own modes take precedence
		m.ModesFound, m.NumModes = tr.emp.ModesFound(m.Target)
	}
	if math.IsNaN(m.Exact.L1) {
		return m, errorf("the model's exact distribution is not finite (a diverged model)")
	}
	return m, nil
}

// recentRewards returns the mean of the recent log-rewards and that of their
// TopK largest.
func (tr *Trainer) recentRewards() (mean, top float64) {
	if len(tr.recent) == 0 {
		return math.NaN(), math.NaN()
	}
	sorted := slices.Clone(tr.recent)
	slices.Sort(sorted)
	var s float64
	for _, v := range sorted {
		s += v
	}
	k := min(tr.topK, len(sorted))
	var t float64
	for _, v := range sorted[len(sorted)-k:] {
		t += v
	}
	return s / float64(len(sorted)), t / float64(k)
}

// BackwardLearner is an Algorithm with a learned backward policy (the naive
// one trained by the forward loss, or TLM's), which Correlation also
// evaluates.
type BackwardLearner interface {
	// LearnedBackward returns the learned P_B, or nil when there is none.
	LearnedBackward() gfn.Backward
}

// Correlation is the papers' test-set metric: Spearman's ρ between log R(x)
// and the model's estimate of log P(x) over the test objects.
type Correlation struct {
	// Uniform estimates log P(x) with backward trajectories of the uniform
	// P_B; Learned with the algorithm's learned P_B (NaN without one).
	Uniform, Learned float64
	Objects, Samples int
	Seconds          float64 // the time the estimates took
}

// Correlation computes the test-set correlation of a gfn.TestSetter
// environment with samples backward trajectories per object (0 means the
// papers' 10; see gfn.LogProbEstimator). Its randomness comes from the seed
// and the iteration, not from the training stream, so it changes nothing of
// the run and gives the same numbers for the same model.
func (tr *Trainer) Correlation(samples int) (Correlation, error) {
	ts, ok := tr.env.(gfn.TestSetter)
	rev, ok2 := tr.env.(gfn.Reversible)
	if !ok || !ok2 {
		return Correlation{}, errorf("the environment has no test set (gfn.TestSetter) or no backward steps")
	}
	xs, logR := ts.TestObjects()
	c := Correlation{Objects: len(xs), Samples: zero.Or(samples, 10), Learned: math.NaN()}
	start := time.Now()
	est := gfn.LogProbEstimator{Env: rev, Model: tr.alg.Model(), Samples: c.Samples}
	rng := rand.New(rand.NewPCG(tr.seed, uint64(tr.iter)^0xc0))
	var err error
	if c.Uniform, err = est.Correlation(xs, logR, rng); err != nil {
		return c, err
	}
	if bl, ok := tr.alg.(BackwardLearner); ok {
		if pb := bl.LearnedBackward(); pb != nil {
			est.PB = pb
			if c.Learned, err = est.Correlation(xs, logR, rng); err != nil {
				return c, err
			}
		}
	}
	c.Seconds = time.Since(start).Seconds()
	return c, nil
}
