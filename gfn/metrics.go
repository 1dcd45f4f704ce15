package gfn

import (
	"math"
	"slices"

	"github.com/gogfn/gogfn/autograd"
)

// isTerminal reports whether s is a terminal object: with an exit action, a
// state where exit is valid; without, a state with no valid action. mask is
// scratch of length NumActions.
func isTerminal(env Env, spec Spec, s State, mask []bool) bool {
	env.Mask(mask, s)
	if spec.Exit {
		return mask[spec.NumActions-1]
	}
	return !slices.Contains(mask, true)
}

// TargetDistribution returns the reward distribution p(x) = R(x)/Z, indexed by
// state index (zero at states that are not terminal), and log Z.
func TargetDistribution(env Enumerable) (p []float64, logZ float64) {
	spec := env.Spec()
	n := env.NumStates()
	p = make([]float64, n)
	s := make(State, spec.StateDim)
	mask := make([]bool, spec.NumActions)
	mx := math.Inf(-1)
	for i := 0; i < n; i++ {
		env.StateAt(s, i)
		p[i] = math.Inf(-1)
		if isTerminal(env, spec, s, mask) {
			p[i] = env.LogReward(s)
			mx = math.Max(mx, p[i])
		}
	}
	var z float64
	for i, l := range p {
		p[i] = math.Exp(l - mx)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	return p, mx + math.Log(z)
}

// exactChunk is the number of states ExactDistribution evaluates per forward
// pass.
const exactChunk = 2048

// ExactDistribution returns the distribution of the terminal objects that the
// forward policy of m samples, indexed by state index, by dynamic programming
// over the states in index (topological) order: the probability of reaching
// each state is pushed to its children, and the exit probability (or, without
// an exit action, all of it at a state with no valid action) to the state
// itself. The policy is evaluated in batched forward passes.
//
// It returns an error wrapping ErrEnv if a step leads to a state whose index
// is outside [0, NumStates) or is the index of another state (StateAt).
func ExactDistribution(env Enumerable, m Evaluator) ([]float64, error) {
	spec := env.Spec()
	n, d, a := env.NumStates(), spec.StateDim, spec.NumActions
	reach := make([]float64, n)
	p := make([]float64, n)
	reach[0] = 1
	states := make([]int, exactChunk*d)
	next, scratch := make(State, d), make(State, d)
	mask := make([]bool, a)
	var t autograd.Tape
	for lo := 0; lo < n; lo += exactChunk {
		hi := min(lo+exactChunk, n)
		for i := lo; i < hi; i++ {
			env.StateAt(states[(i-lo)*d:(i-lo+1)*d], i)
		}
		t.Reset()
		logPF, _ := m.Evaluate(&t, states[:(hi-lo)*d], hi-lo)
		lp := logPF.Value.RawMatrix().Data
		for i := lo; i < hi; i++ {
			r := reach[i]
			if r == 0 {
				continue
			}
			s := State(states[(i-lo)*d : (i-lo+1)*d])
			env.Mask(mask, s)
			if !spec.Exit && !slices.Contains(mask, true) {
				p[i] += r
				continue
			}
			row := lp[(i-lo)*a : (i-lo+1)*a]
			for act, ok := range mask {
				if !ok {
					continue
				}
				q := r * math.Exp(row[act])
				if spec.Exit && act == a-1 {
					p[i] += q
					continue
				}
				env.Step(next, s, act)
				k, err := CheckIndex(env, next, scratch, n)
				if err != nil {
					return nil, err
				}
				reach[k] += q
			}
		}
	}
	return p, nil
}

// Distances holds distances between a distribution p and a target
// distribution over the same states.
type Distances struct {
	L1     float64 // Σ |p − target|, over every state
	L1Mean float64 // L1 / #states: the papers' "L1" (mean over all H^D cells of a hypergrid)
	KL     float64 // KL(target ‖ p) = Σ target·log(target/p), in nats
	JSD    float64 // Jensen–Shannon divergence, in nats
}

// Compare returns the distances between p and target, exactly: KL is +Inf
// if p is zero where target is not.
//
// It panics if the lengths differ.
func Compare(p, target []float64) Distances { return compare(p, target, 0) }

// compare adds eps to p inside the logarithm of KL (the papers' 1e-9).
func compare(p, target []float64, eps float64) Distances {
	if len(p) != len(target) {
		panic("gfn: Compare of distributions of different lengths")
	}
	var d Distances
	for i, q := range p {
		t := target[i]
		d.L1 += math.Abs(q - t)
		if t > 0 {
			d.KL += t * math.Log(t/(q+eps))
		}
		m := (q + t) / 2
		if t > 0 {
			d.JSD += t * math.Log(t/m) / 2
		}
		if q > 0 {
			d.JSD += q * math.Log(q/m) / 2
		}
	}
	if len(p) > 0 {
		d.L1Mean = d.L1 / float64(len(p))
	}
	return d
}
