package gfn

import (
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
)

var _ FixedBackward = (*MaxEnt)(nil)

// MaxEnt is the maximum-entropy backward policy of Mohammadpour, Bengio,
// Frejinger and Bacon (AISTATS 2024): P_B(s|s′) = n(s)/n(s′), where n(s) is
// the number of paths from s₀ to s (n(s₀) = 1, and n(s′) is the sum of n
// over the parents of s′). It makes every complete trajectory to an object
// equally likely under P_B, which maximises the entropy of the trajectory
// distribution that P_F must match. On the hypergrid n(x) = (Σᵢ xᵢ)!/Πᵢ xᵢ!;
// in a tree it is 1, and P_B = 1.
//
// NewMaxEnt computes log n for every state of an Enumerable environment by
// dynamic programming in log space (the counts overflow float64 quickly: a
// 20⁴ hypergrid has states with more than 10⁴⁰ paths) and keeps a table of
// log P_B [NumStates × NumBackward], so that LogProbsAt is a lookup. It is
// safe for concurrent use.
type MaxEnt struct {
	env  Enumerable
	logN []float64 // [NumStates] log n(s)
	rows []float64 // [NumStates × NumBackward] log P_B(·|s)
	nb   int
}

// maxMaxEntStates bounds the tables NewMaxEnt builds.
const maxMaxEntStates = 1 << 24

// NewMaxEnt returns the MaxEnt backward policy of env. It returns an error if
// env is not Reversible, has more than 2²⁴ states, or its backward steps do
// not lead to states of smaller index (a topological order).
func NewMaxEnt(env Enumerable) (*MaxEnt, error) {
	rev, ok := env.(Reversible)
	if !ok {
		return nil, errorf("MaxEnt needs a Reversible environment")
	}
	n := env.NumStates()
	if n > maxMaxEntStates {
		return nil, errorf("MaxEnt of %d states: at most %d", n, maxMaxEntStates)
	}
	spec := env.Spec()
	nb := spec.NumBackward
	m := &MaxEnt{env: env, logN: make([]float64, n), rows: make([]float64, n*nb), nb: nb}
	s, p := make(State, spec.StateDim), make(State, spec.StateDim)
	mask := make([]bool, nb)
	parents := make([]int, nb)
	for i := 0; i < n; i++ {
		env.StateAt(s, i)
		rev.BackwardMask(mask, s)
		row := m.rows[i*nb : (i+1)*nb]
		hi := math.Inf(-1)
		for b, ok := range mask {
			parents[b] = -1
			row[b] = math.Inf(-1)
			if !ok {
				continue
			}
			rev.BackwardStep(p, s, b)
			j := env.Index(p)
			if j < 0 || j >= i {
				return nil, errorf("MaxEnt: the parent %v of %v has index %d, not below %d", p, s, j, i)
			}
			parents[b] = j
			hi = math.Max(hi, m.logN[j])
		}
		if math.IsInf(hi, -1) { // s₀, or a state without parents
			m.logN[i] = 0
			continue
		}
		var sum float64
		for _, j := range parents {
			if j >= 0 {
				sum += math.Exp(m.logN[j] - hi)
			}
		}
		m.logN[i] = hi + math.Log(sum)
		for b, j := range parents {
			if j >= 0 {
				row[b] = m.logN[j] - m.logN[i]
			}
		}
	}
	return m, nil
}

// LogPaths returns log n(s), the logarithm of the number of paths from s₀ to
// s.
func (m *MaxEnt) LogPaths(s State) float64 { return m.logN[m.env.Index(s)] }

// LogProbsAt writes log P_B(·|s) = log n(parent) − log n(s) of every backward
// action of s into dst, −Inf at invalid ones.
//
// It panics if s is not a state of the environment.
func (m *MaxEnt) LogProbsAt(dst []float64, _ []bool, s State) {
	i := m.env.Index(s)
	if i < 0 || i >= len(m.logN) {
		panic(fmt.Sprintf("gfn: MaxEnt of %v, index %d", s, i))
	}
	copy(dst[:m.nb], m.rows[i*m.nb:(i+1)*m.nb])
}

// LogProbs records the MaxEnt log-probabilities of the n states as a
// constant.
func (m *MaxEnt) LogProbs(t *autograd.Tape, states []int, n int) *autograd.Node {
	return fixedLogProbs(t, m, m.env.Spec(), states, n)
}
