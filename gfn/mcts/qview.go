package mcts

import (
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
)

var _ softrl.QFunction = (*EdgeFlowQ)(nil)

// EdgeFlowQ is the Q-function view of any GFlowNet model, for planning with
// it: Q(s, a) = log F(s) + log P_F(a|s), the log edge flow, whose softmax over
// the valid actions is P_F(·|s) and whose soft value is log F(s) (−Inf at
// invalid actions). Its models:
//
//   - a policy with a log-flow head (DB, SubTB, FM; policy.Config.Flow);
//   - softrl.SoftPolicy, the model of Soft DQN and Munchausen DQN, whose
//     log P_F = log softmax(Q/λ) and log F = λ·log Σ exp(Q/λ) give back Q
//     itself for Soft DQN (λ = 1) and the edge flows of the GFlowNet problem
//     for Munchausen DQN (λ = 1/(1−α));
//   - a model without a flow head (TB) with LogF, the forward flows that
//     ForwardLogFlows computes from it on an Enumerable environment.
//
// It is for planning, not training: Params returns nil.
type EdgeFlowQ struct {
	Model gfn.Evaluator
	// LogF, when not nil, holds log F(s) of every state of Env by index,
	// and replaces the model's log F.
	LogF []float64
	Env  gfn.Enumerable // the environment of LogF

	idx []int
}

// Q records log P_F(·|s) + log F(s) [n×A] for the n states.
//
// It panics if the model has no log-flow head and LogF is nil.
func (e *EdgeFlowQ) Q(t *autograd.Tape, states []int, n int) *autograd.Node {
	logPF, logF := e.Model.Evaluate(t, states, n)
	if e.LogF != nil {
		d := e.Env.Spec().StateDim
		logF = t.Input(n, 1)
		v := logF.Value.RawMatrix().Data
		for i := range n {
			v[i] = e.LogF[e.Env.Index(gfn.State(states[i*d:(i+1)*d]))]
		}
	}
	if logF == nil {
		panic(fmt.Sprintf("mcts: EdgeFlowQ of a model without log F (%T): set LogF", e.Model))
	}
	return t.Add(logPF, logF)
}

// Params returns nil.
func (e *EdgeFlowQ) Params() []*autograd.Node { return nil }

// forwardChunk is the number of states ForwardLogFlows evaluates per pass.
const forwardChunk = 2048

// ForwardLogFlows returns log F(s) = log Z + log μ(s) for every state of env
// by index, where μ(s) is the probability that the forward policy of m
// visits s and Z = exp(logZ): the flow that m's own P_F carries from a
// source of total flow Z. For a model that satisfies trajectory balance
// with log Z and a backward policy P_B these are the flows F(s) of the
// GFlowNet, and log F(s) + log P_F(a|s) = log P_B(s|s′) + log F(s′) its soft
// Q-values, so that EdgeFlowQ with these flows is the Q-function view of a
// model trained by TB, which has no flow head. The reach probabilities are
// computed by dynamic programming over the states in topological (index)
// order, in log space, with batched forward passes. It returns an error
// wrapping gfn.ErrEnv if a step leaves the enumerated states
// (gfn.CheckIndex).
func ForwardLogFlows(env gfn.Enumerable, m gfn.Evaluator, logZ float64) ([]float64, error) {
	spec := env.Spec()
	n, d, a := env.NumStates(), spec.StateDim, spec.NumActions
	logF := make([]float64, n)
	for i := range logF {
		logF[i] = math.Inf(-1)
	}
	logF[0] = logZ
	chunk := make([]int, forwardChunk*d)
	next, scratch := make(gfn.State, d), make(gfn.State, d)
	mask := make([]bool, a)
	var t autograd.Tape
	for lo := 0; lo < n; lo += forwardChunk {
		k := min(forwardChunk, n-lo)
		for j := range k {
			env.StateAt(chunk[j*d:(j+1)*d], lo+j)
		}
		t.Reset()
		logPF, _ := m.Evaluate(&t, chunk[:k*d], k)
		lp := logPF.Value.RawMatrix().Data
		for j := range k {
			f := logF[lo+j]
			if math.IsInf(f, -1) {
				continue
			}
			s := gfn.State(chunk[j*d : (j+1)*d])
			env.Mask(mask, s)
			for act, ok := range mask {
				if !ok || (spec.Exit && act == a-1) {
					continue
				}
				env.Step(next, s, act)
				c, err := gfn.CheckIndex(env, next, scratch, n)
				if err != nil {
					return nil, fmt.Errorf("mcts: %w", err)
				}
				logF[c] = logAddExp(logF[c], f+lp[j*a+act])
			}
		}
	}
	return logF, nil
}

// logAddExp returns log(eˣ + eʸ).
func logAddExp(x, y float64) float64 {
	hi, lo := max(x, y), min(x, y)
	if math.IsInf(lo, -1) {
		return hi
	}
	return hi + math.Log1p(math.Exp(lo-hi))
}

// ForModel returns a Planner over the Q-function view (EdgeFlowQ) of a
// trained model m, whose backward policy is pb (nil means uniform): with
// the model's own log-flow head when it has one, else with the forward
// flows of m from log Z = logZ (ForwardLogFlows; env must then be
// Enumerable). Set its Rollouts (0: the model's own policy), Eps and
// TrueReward before use.
//
// It returns an error if m has no flow head and either env is not
// Enumerable, logZ is not finite or ForwardLogFlows fails.
func ForModel(env gfn.Env, m gfn.Evaluator, pb gfn.Backward, logZ float64) (*Planner, error) {
	s0 := make(gfn.State, env.Spec().StateDim)
	env.Start(s0)
	var t autograd.Tape
	q := &EdgeFlowQ{Model: m}
	if _, logF := m.Evaluate(&t, s0, 1); logF == nil {
		enum, ok := env.(gfn.Enumerable)
		switch {
		case !ok:
			return nil, fmt.Errorf("mcts: the model (%T) has no flow head and the environment is not Enumerable: no flows to plan with", m)
		case math.IsNaN(logZ) || math.IsInf(logZ, 0):
			return nil, fmt.Errorf("mcts: the model (%T) has no flow head and log Z is %v: no flows to plan with", m, logZ)
		}
		logF, err := ForwardLogFlows(enum, m, logZ)
		if err != nil {
			return nil, err
		}
		q.LogF, q.Env = logF, enum
	}
	return &Planner{Env: env, Q: q, Backward: pb}, nil
}
