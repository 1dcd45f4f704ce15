package gfn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/internal/scratch"
)

// LogProbEstimator estimates log P(x), the log-probability that a model's
// forward policy samples the object x, where enumerating its trajectories is
// out of reach, by importance sampling over backward trajectories:
//
//	P(x) = E_{τ ~ P_B(·|x)} [ P_F(τ) / P_B(τ|x) ],
//	log P(x) ≈ log (1/K) Σ_k exp(Σ_t log P_F(τ_k) − Σ_t log P_B(τ_k|x)),
//
// with K trajectories τ_k drawn backwards from x to s₀ by P_B (and, with an
// exit action, the exit edge's log P_F(s_f|x) added). Any P_B that reaches
// every trajectory P_F can take gives an unbiased estimate of P(x); the
// papers' bit-sequence correlation metric uses K = 10 and the uniform P_B, or
// the learned one. All trajectories of a chunk of objects advance together,
// one batched pass of the model (and of a learned P_B) per backward step.
//
// An estimator keeps scratch buffers: it is not safe for concurrent use.
type LogProbEstimator struct {
	Env   Reversible
	Model Evaluator
	// PB draws the backward trajectories; nil means the uniform P_B.
	PB Backward
	// Samples is K, the trajectories per object; 0 means 10.
	Samples int
	// Chunk bounds the number of trajectories that advance together (the
	// rows of one pass); 0 means 4096.
	Chunk int

	tape    autograd.Tape
	cur     []int     // [rows·D] current states
	par     []int     // [n·D] parents of the active rows
	logw    []float64 // [rows] Σ log P_F − Σ log P_B so far
	active  []int     // rows not at s₀
	acts    []int     // forward action from each active row's parent
	row     []float64 // scratch log P_B row
	bmask   []bool
	fmask   []bool
	tmp     State
	uniform Uniform
}

// Estimate writes into dst (length len(xs)) the estimates of log P(x) of the
// objects xs, drawing the backward trajectories from rng. It returns an
// error if a backward step leads to a state from which no forward action
// leads back (a broken environment).
//
// It panics if dst is shorter than xs.
func (e *LogProbEstimator) Estimate(dst []float64, xs []State, rng *rand.Rand) error {
	if len(dst) < len(xs) {
		panic(fmt.Sprintf("gfn: Estimate of %d objects into %d values", len(xs), len(dst)))
	}
	k := e.Samples
	if k == 0 {
		k = 10
	}
	per := max(e.Chunk, k) / k
	if e.Chunk == 0 {
		per = max(4096/k, 1)
	}
	for lo := 0; lo < len(xs); lo += per {
		hi := min(lo+per, len(xs))
		if err := e.chunk(dst[lo:hi], xs[lo:hi], k, rng); err != nil {
			return err
		}
	}
	return nil
}

// chunk estimates the objects xs with k trajectories each.
func (e *LogProbEstimator) chunk(dst []float64, xs []State, k int, rng *rand.Rand) error {
	spec := e.Env.Spec()
	d, a, nb := spec.StateDim, spec.NumActions, spec.NumBackward
	rows := len(xs) * k
	e.cur = scratch.Resize(e.cur, rows*d)
	e.logw = scratch.Resize(e.logw, rows)
	e.row, e.bmask = scratch.Resize(e.row, nb), scratch.Resize(e.bmask, nb)
	e.fmask, e.tmp = scratch.Resize(e.fmask, a), scratch.Resize(e.tmp, d)
	for i, x := range xs {
		for j := 0; j < k; j++ {
			copy(e.cur[(i*k+j)*d:], x)
		}
	}
	clear(e.logw)
	if spec.Exit { // the exit edge x → s_f
		e.tape.Reset()
		e.par = scratch.Resize(e.par, len(xs)*d)
		for i, x := range xs {
			copy(e.par[i*d:], x)
		}
		lp, _ := e.Model.Evaluate(&e.tape, e.par, len(xs))
		v := lp.Value.RawMatrix().Data
		for r := range e.logw {
			e.logw[r] = v[(r/k)*a+a-1]
		}
	}
	pb := e.PB
	if pb == nil {
		e.uniform.Env = e.Env
		pb = &e.uniform
	}
	fixed, _ := pb.(FixedBackward)
	for {
		e.active = e.active[:0]
		for r := 0; r < rows; r++ {
			e.Env.BackwardMask(e.bmask, State(e.cur[r*d:(r+1)*d]))
			for _, ok := range e.bmask {
				if ok {
					e.active = append(e.active, r)
					break
				}
			}
		}
		n := len(e.active)
		if n == 0 {
			break
		}
		e.tape.Reset()
		var lpb []float64 // [n×nb] for a learned P_B
		if fixed == nil {
			e.par = scratch.Resize(e.par, n*d)
			for i, r := range e.active {
				copy(e.par[i*d:], e.cur[r*d:(r+1)*d])
			}
			lpb = pb.LogProbs(&e.tape, e.par, n).Value.RawMatrix().Data
		}
		e.par = scratch.Resize(e.par, n*d)
		e.acts = scratch.Resize(e.acts, n)
		for i, r := range e.active {
			s := State(e.cur[r*d : (r+1)*d])
			row := e.row
			if fixed != nil {
				fixed.LogProbsAt(row, e.bmask, s)
			} else {
				copy(row, lpb[i*nb:(i+1)*nb])
			}
			b := drawLog(rng, row)
			if b < 0 {
				return fmt.Errorf("%w: the backward policy has no valid action at %v", ErrEnv, s)
			}
			e.logw[r] -= row[b]
			p := State(e.par[i*d : (i+1)*d])
			e.Env.BackwardStep(p, s, b)
			act := ForwardAction(e.Env, p, s, b, e.fmask, e.tmp)
			if act < 0 {
				return fmt.Errorf("%w: no forward action leads from %v back to %v", ErrEnv, p, s)
			}
			e.acts[i] = act
		}
		lp, _ := e.Model.Evaluate(&e.tape, e.par, n)
		v := lp.Value.RawMatrix().Data
		for i, r := range e.active {
			e.logw[r] += v[i*a+e.acts[i]]
			copy(e.cur[r*d:(r+1)*d], e.par[i*d:(i+1)*d])
		}
	}
	for i := range xs {
		w := e.logw[i*k : (i+1)*k]
		hi := math.Inf(-1)
		for _, v := range w {
			hi = math.Max(hi, v)
		}
		if math.IsInf(hi, -1) {
			dst[i] = hi
			continue
		}
		var s float64
		for _, v := range w {
			s += math.Exp(v - hi)
		}
		dst[i] = hi + math.Log(s/float64(k))
	}
	return nil
}

// drawLog draws an index with probability exp(logp[i]) (normalised over the
// finite entries), or returns −1 if none is finite.
func drawLog(rng *rand.Rand, logp []float64) int {
	hi, last := math.Inf(-1), -1
	for i, v := range logp {
		if v > hi {
			hi = v
		}
		if !math.IsInf(v, -1) && !math.IsNaN(v) {
			last = i
		}
	}
	if last < 0 {
		return -1
	}
	var z float64
	for _, v := range logp {
		if !math.IsNaN(v) {
			z += math.Exp(v - hi)
		}
	}
	u := rng.Float64() * z
	for i, v := range logp {
		if math.IsNaN(v) {
			continue
		}
		u -= math.Exp(v - hi)
		if u < 0 {
			return i
		}
	}
	return last
}

// Correlation returns Spearman's ρ between the log-rewards logR of the
// objects xs and the estimates of their log-probabilities: the papers'
// test-set correlation of a model (TestSetter gives xs and logR).
func (e *LogProbEstimator) Correlation(xs []State, logR []float64, rng *rand.Rand) (float64, error) {
	got := make([]float64, len(xs))
	if err := e.Estimate(got, xs, rng); err != nil {
		return math.NaN(), err
	}
	return Spearman(logR, got), nil
}
