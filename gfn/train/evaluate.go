package train

import (
	"math"

	"github.com/gogfn/gogfn/gfn"
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
	// ModesFound of NumModes states at maximal reward were ever sampled in
	// training.
	ModesFound, NumModes int
	// LogZ is the model's estimate of log Z (NaN without one), TrueLogZ the
	// exact value (NaN when unknown) and LogZErr = |LogZ − TrueLogZ|.
	LogZ, TrueLogZ, LogZErr float64
}

// Evaluate measures the model. For an Enumerable environment it computes the
// exact terminal distribution of the trained model (a dynamic programme over
// every state, in batched forward passes), the empirical metrics of the last
// training samples and the modes found; otherwise it reports only LogZ. It
// returns an error, with the metrics it could compute, if a distance is not
// finite because the model's outputs are not (a diverged run).
func (tr *Trainer) Evaluate() (Metrics, error) {
	m := Metrics{Iter: tr.iter, Trajectories: tr.trajs, LogZ: tr.LogZ(), TrueLogZ: tr.trueLogZ}
	m.LogZErr = math.Abs(m.LogZ - m.TrueLogZ)
	if tr.enum == nil {
		return m, nil
	}
	m.Target = tr.target
	m.Learned = gfn.ExactDistribution(tr.enum, tr.alg.Model())
	m.Exact = gfn.Compare(m.Learned, m.Target)
	if tr.emp.Total() > 0 {
		m.Empirical = tr.emp.Distances(m.Target)
	}
	m.ModesFound, m.NumModes = tr.emp.ModesFound(m.Target)
	if math.IsNaN(m.Exact.L1) {
		return m, errorf("the model's exact distribution is not finite (a diverged model)")
	}
	return m, nil
}
