package mcts

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/testenv"
)

// junk is the value test Q-functions give invalid actions, which the
// planner must never read.
const junk = 50

// funcQ is a QFunction given by a function of one state.
type funcQ struct {
	env gfn.Env
	f   func(dst []float64, s gfn.State)
}

func (q funcQ) Q(t *autograd.Tape, states []int, n int) *autograd.Node {
	sp := q.env.Spec()
	a, d := sp.NumActions, sp.StateDim
	out := t.Input(n, a)
	v := out.Value.RawMatrix().Data
	for i := 0; i < n; i++ {
		q.f(v[i*a:(i+1)*a], gfn.State(states[i*d:(i+1)*d]))
	}
	return out
}

func (funcQ) Params() []*autograd.Node { return nil }

// qStar writes the exact soft Q-values Q*(s,·) of env with the uniform
// backward policy into dst, by recursion over the states below s (tiny
// environments only), and junk at invalid actions: Q*(s, exit) = log R(s),
// Q*(s, a) = log P_B(s|s′) + V*(s′), V*(s′) = log Σ exp Q*(s′,·), and
// V*(x) = log R(x) at a state without valid action.
func qStar(env gfn.Env, dst []float64, s gfn.State) {
	sp := env.Spec()
	a := sp.NumActions
	mask := make([]bool, a)
	env.Mask(mask, s)
	next := make(gfn.State, sp.StateDim)
	for act, ok := range mask {
		switch {
		case !ok:
			dst[act] = junk
		case sp.Exit && act == a-1:
			dst[act] = env.LogReward(s)
		default:
			env.Step(next, s, act)
			dst[act] = logPB(env, s, next, act) + vStar(env, next)
		}
	}
}

// vStar returns V*(s).
func vStar(env gfn.Env, s gfn.State) float64 {
	sp := env.Spec()
	mask := make([]bool, sp.NumActions)
	env.Mask(mask, s)
	if !slices.Contains(mask, true) {
		return env.LogReward(s)
	}
	q := make([]float64, sp.NumActions)
	qStar(env, q, s)
	return softrl.SoftValue(q, mask, 1)
}

// logPB returns log P_B(s|next) of the uniform backward policy (0 in a tree
// that is not Reversible).
func logPB(env gfn.Env, s, next gfn.State, a int) float64 {
	rev, ok := env.(gfn.Reversible)
	if !ok {
		return 0
	}
	nb := env.Spec().NumBackward
	row, m := make([]float64, nb), make([]bool, nb)
	(&gfn.Uniform{Env: rev}).LogProbsAt(row, m, next)
	return row[rev.BackwardAction(s, a)]
}

// starQ returns Q* as a function.
func starQ(env gfn.Env) funcQ {
	return funcQ{env, func(dst []float64, s gfn.State) { qStar(env, dst, s) }}
}

// tableStar returns a QTable holding the true log edge flows
// log F(s) + log P_F(a|s) of testenv.Flows, junk at invalid actions.
func tableStar(env testenv.Tiny) *softrl.QTable {
	fl := testenv.NewFlows(env)
	q := softrl.NewQTable(env)
	w := q.W.Value.RawMatrix().Data
	a := env.Spec().NumActions
	for i := range env.NumStates() {
		for j := range a {
			w[i*a+j] = junk
			if lp := fl.LogPF[i][j]; !math.IsInf(lp, -1) {
				w[i*a+j] = fl.LogF[i] + lp
			}
		}
	}
	return q
}

// perturbed returns Q* plus a normal perturbation of scale sigma, a fixed
// function of the state.
func perturbed(env gfn.Env, sigma float64, seed uint64) funcQ {
	noise := map[string][]float64{}
	rng := rand.New(rand.NewPCG(seed, seed))
	return funcQ{env, func(dst []float64, s gfn.State) {
		qStar(env, dst, s)
		key := fmtState(s)
		z, ok := noise[key]
		if !ok {
			z = make([]float64, len(dst))
			for i := range z {
				z[i] = sigma * rng.NormFloat64()
			}
			noise[key] = z
		}
		for i := range dst {
			dst[i] += z[i]
		}
	}}
}

func fmtState(s gfn.State) string {
	b := make([]byte, 0, 4*len(s))
	for _, v := range s {
		b = append(b, byte(v), byte(v>>8), ',')
	}
	return string(b)
}

// treeSize returns the number of nodes of the complete search tree below s:
// s, and below each valid action a terminal node or the tree of the child.
func treeSize(env gfn.Env, s gfn.State) int {
	sp := env.Spec()
	mask := make([]bool, sp.NumActions)
	env.Mask(mask, s)
	n := 1
	next := make(gfn.State, sp.StateDim)
	for act, ok := range mask {
		switch {
		case !ok:
		case sp.Exit && act == sp.NumActions-1:
			n++
		default:
			env.Step(next, s, act)
			n += treeSize(env, next)
		}
	}
	return n
}

// start returns s₀ and its mask.
func start(env gfn.Env) (gfn.State, []bool) {
	sp := env.Spec()
	s := make(gfn.State, sp.StateDim)
	env.Start(s)
	m := make([]bool, sp.NumActions)
	env.Mask(m, s)
	return s, m
}

// maxDiff returns the largest |a[j] − b[j]| over the valid j.
func maxDiff(a, b []float64, valid []bool) float64 {
	var m float64
	for j, ok := range valid {
		if ok {
			m = max(m, math.Abs(a[j]-b[j]))
		}
	}
	return m
}
