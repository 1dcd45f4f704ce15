package gfn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/optim"
)

// SoftDQN trains a GFlowNet forward policy as the optimal policy of an
// entropy-regularised MDP (Tiapkin, Morozov, Naumov, Vetrov, "Generative Flow
// Networks as Entropy-Regularized Reinforcement Learning", AISTATS 2024, arXiv
// 2310.12934): Soft DQN, or Munchausen DQN when Alpha > 0. The MDP's reward is
// log P_B(s|s′) on ordinary edges and log R(x) on the exit edge, without
// discount; its soft-optimal Q is the log edge flow, so softmax(Q/λ) is the
// forward policy (see TD for the targets).
//
// Each Step is one iteration of the paper's algorithm (ALGORITHMS.md §3.7):
// roll out Trajectories episodes with the behaviour policy softmax(Q/λ), add
// their transitions to the replay buffer (with their current TD errors as
// priorities), and after LearningStarts iterations draw BatchSize transitions,
// take one optimizer step on the mean TD loss, write the errors back as
// priorities and update the target network.
//
// The zero values of the settings are the hypergrid settings of the paper's
// train_softdqn.py (§3.4). Env, Q, Target and Rng are required; Q and Target
// must have parameters of the same shapes. The first Step copies Q into
// Target and sets the Lambda of a *QNet or *QTable Q and Target to λ.
//
// Where this differs from the papers' code, on purpose: importance weights
// are normalised by their largest value in the batch (see Replay.Sample);
// Double is our reading of a soft double-DQN target (see TD); Squared is r²,
// not ½r²; and every network pass evaluates each distinct state of its batch
// once (UniqueQ), which changes the cost, not the values. The initial
// priority of a new transition uses the Q_θ(s, a) computed for the rollout,
// which is exact: nothing is updated in between. Step allocates nothing once
// its buffers have grown (the first Step sizes them).
type SoftDQN struct {
	Env    Env
	Q      QFunction // online network Q_θ
	Target QFunction // target network Q_tgt, same architecture as Q
	Rng    *rand.Rand
	// PB is the backward policy whose log-probabilities are the rewards;
	// nil means UniformBackward, which needs a Reversible Env.
	PB BackwardPolicy
	// RefreshPB recomputes log P_B of every sampled batch with PB, for a
	// backward policy that changes during training (a learned P_B);
	// otherwise the rewards computed when a transition was added are used.
	RefreshPB bool

	Alpha   float64 // Munchausen α; 0 is Soft DQN (MunchausenAlpha = 0.15 for M-DQN)
	L0      float64 // lower clip of the Munchausen term; 0 means −100
	Double  bool    // double-DQN bootstrap (see TD)
	Squared bool    // squared TD error instead of Huber with δ = 1
	Epsilon float64 // probability of a uniform action in rollouts; 0 means none
	// LeafCoeff multiplies the TD losses (and priorities) of Done
	// transitions; 0 means 1 (bitseq uses 5 or 2).
	LeafCoeff float64

	Trajectories int // episodes per iteration; 0 means 16
	BatchSize    int // transitions per optimizer step; 0 means 256
	Capacity     int // replay capacity in transitions; 0 means 100,000
	// LearningStarts is the number of iterations before learning: learning
	// happens at iterations it > LearningStarts, counted from 0. 0 means 16;
	// a negative value means learning from the first iteration.
	LearningStarts int

	UniformReplay bool    // uniform replay instead of prioritized
	PERAlpha      float64 // priority exponent; 0 means 0.5
	// The importance-sampling exponent β goes linearly from BetaStart (0 by
	// default) to BetaEnd (0 means 1) over BetaIterations iterations (0 means
	// 62,500, the paper's 10⁶ trajectories) and then stays at BetaEnd.
	BetaStart, BetaEnd float64
	BetaIterations     int
	// ApplyWeights multiplies each TD loss by its importance weight (bitseq);
	// the hypergrid code does not (false).
	ApplyWeights bool

	Tau       float64 // Polyak coefficient of the target update; 0 means 0.25
	HardEvery int     // when positive, hard-copy the target every HardEvery iterations instead
	LR        float64 // Adam learning rate; 0 means 1e-3
	// Opt, when not nil, replaces Adam{Params: Q.Params(), LR: LR}.
	Opt optim.Optimizer
	// Window is the number of most recent sampled terminal objects kept in
	// Samples when Env is Enumerable; 0 means 200,000 (DefaultWindow).
	Window int

	it                 int
	ready              bool
	td                 TD
	lambda             float64
	spec               Spec
	qParams, tParams   []*autograd.Node
	replay             *Replay
	tape, ttape, rtape autograd.Tape
	roll, batch        Transitions
	cur                []int
	curMask            []bool
	last, succ         []int
	qOn, qNext, qsa    []float64
	y, errs, w         []float64
	both               []int
	samples            *Empirical
	uq, ut             *UniqueQ // Q and Target, evaluated once per distinct state
	enum               Enumerable
}

// MunchausenAlpha is the Munchausen coefficient α of Tiapkin et al. 2024 in
// every experiment (with λ = 1/(1−α)).
const MunchausenAlpha = 0.15

// SoftDQNStats describes one iteration.
type SoftDQNStats struct {
	Iteration   int     // counted from 0
	Transitions int     // transitions added to the buffer
	Learned     bool    // whether an optimizer step was taken
	Loss        float64 // the mean TD loss, NaN when Learned is false
	Beta        float64 // the importance-sampling exponent used
}

// Lambda returns the entropy coefficient λ = 1/(1−Alpha).
func (s *SoftDQN) Lambda() float64 { return 1 / (1 - s.Alpha) }

// Replay returns the replay buffer, or nil before the first Step.
func (s *SoftDQN) Replay() *Replay { return s.replay }

// Iteration returns the number of Steps taken.
func (s *SoftDQN) Iteration() int { return s.it }

func (s *SoftDQN) init() {
	if s.Env == nil || s.Q == nil || s.Target == nil || s.Rng == nil {
		panic("gfn: SoftDQN needs Env, Q, Target and Rng")
	}
	if !(s.Alpha >= 0 && s.Alpha < 1) {
		panic(fmt.Sprintf("gfn: SoftDQN with Munchausen α = %v outside [0, 1)", s.Alpha))
	}
	s.spec = s.Env.Spec()
	if s.PB == nil {
		rev, ok := s.Env.(Reversible)
		if !ok {
			panic("gfn: SoftDQN with a nil PB needs a Reversible environment")
		}
		s.PB = &UniformBackward{Env: rev}
	}
	s.td = TD{Alpha: s.Alpha, L0: s.L0, Double: s.Double}
	s.lambda = s.td.Lambda()
	for _, q := range []QFunction{s.Q, s.Target} {
		switch q := q.(type) {
		case *QNet:
			q.Lambda = s.lambda
		case *QTable:
			q.Lambda = s.lambda
		}
	}
	s.qParams, s.tParams = s.Q.Params(), s.Target.Params()
	optim.HardUpdate(s.tParams, s.qParams)
	if s.Opt == nil {
		s.Opt = &optim.Adam{Params: s.qParams, LR: or(s.LR, 1e-3)}
	}
	capacity := orInt(s.Capacity, 100_000)
	a, d := s.spec.NumActions, s.spec.StateDim
	if s.UniformReplay {
		s.replay = NewReplay(capacity, d, a)
	} else {
		s.replay = NewPrioritizedReplay(capacity, d, a, or(s.PERAlpha, 0.5))
	}
	b := orInt(s.Trajectories, 16)
	s.cur, s.curMask, s.last = make([]int, b*d), make([]bool, b*a), make([]int, b)
	maxN, bs := b*s.spec.MaxLen, orInt(s.BatchSize, 256)
	s.qNext = make([]float64, maxN*a)
	s.y, s.errs, s.w = make([]float64, max(maxN, bs)), make([]float64, max(maxN, bs)), make([]float64, bs)
	s.both = make([]int, 2*bs*d)
	s.uq, s.ut = &UniqueQ{QFunction: s.Q, StateDim: d}, &UniqueQ{QFunction: s.Target, StateDim: d}
	s.warmUp(maxN, b, bs)
	if e, ok := s.Env.(Enumerable); ok {
		s.enum = e
		s.samples = NewEmpirical(e.NumStates(), s.Window)
	}
	s.ready = true
}

// warmUp sizes the arenas of the tapes for the largest passes they make, so
// that later iterations do not grow them: each pass runs on copies of s₀,
// once through the UniqueQ (sizing its buffers) and once on every row
// followed by a gather (sizing the nodes the pass makes when no state
// repeats).
func (s *SoftDQN) warmUp(maxN, trajs, batch int) {
	n := max(maxN, 2*batch, trajs)
	d := s.spec.StateDim
	states := make([]int, n*d)
	s.Env.Start(State(states[:d]))
	for i := 1; i < n; i++ {
		copy(states[i*d:(i+1)*d], states[:d])
	}
	zeros := make([]int, n)
	size := func(t *autograd.Tape, us ...*UniqueQ) {
		t.Reset()
		for _, u := range us {
			u.Q(t, states, n)
		}
		t.Reset()
		for _, u := range us {
			t.Rows(u.QFunction.Q(t, states, n), zeros)
		}
	}
	size(&s.rtape, s.uq)
	if s.Double {
		size(&s.ttape, s.ut, s.uq)
	} else {
		size(&s.ttape, s.ut)
	}
	size(&s.tape, s.uq)
}

// Step runs one iteration. It returns an ErrNonFinite, without updating the
// parameters, if the loss or the TD error of a new transition is not finite.
// It panics if Env, Q, Target or Rng is nil, Alpha is outside [0, 1), PB is
// nil for an environment that is not Reversible, or a trajectory exceeds
// Spec.MaxLen.
func (s *SoftDQN) Step() (SoftDQNStats, error) {
	if !s.ready {
		s.init()
	}
	it := s.it
	st := SoftDQNStats{Iteration: it, Loss: math.NaN(), Beta: s.beta()}
	s.rollout()
	st.Transitions = s.roll.N
	if err := s.add(); err != nil {
		s.it++
		return st, err
	}
	ls := s.LearningStarts
	if ls == 0 {
		ls = 16
	}
	if it > ls && s.replay.Len() > 0 {
		loss, err := s.learn(st.Beta)
		if err != nil {
			s.it++
			return st, err
		}
		st.Learned, st.Loss = true, loss
		switch {
		case s.HardEvery > 0:
			if it%s.HardEvery == 0 {
				optim.HardUpdate(s.tParams, s.qParams)
			}
		default:
			optim.Polyak(s.tParams, s.qParams, or(s.Tau, 0.25))
		}
	}
	s.it++
	return st, nil
}

// beta returns the importance-sampling exponent of the current iteration.
func (s *SoftDQN) beta() float64 {
	b0, b1 := s.BetaStart, or(s.BetaEnd, 1)
	n := orInt(s.BetaIterations, 62_500)
	f := min(float64(s.it)/float64(n), 1)
	return b0 + f*(b1-b0)
}

// add computes log P_B of the rollout's transitions and adds them to the
// buffer, with their current TD errors as priorities for a prioritized one.
// One target-network pass over the rollout's source states gives both
// Q_tgt(s,·) and, through succ, Q_tgt(s′,·).
func (s *SoftDQN) add() error {
	tr := &s.roll
	s.PB.LogPB(tr)
	if !s.replay.Prioritized() {
		s.replay.Add(tr, nil)
		return nil
	}
	n, a := tr.N, tr.NumActions
	s.ttape.Reset()
	qT := s.ut.Q(&s.ttape, tr.States, n).Value.RawMatrix().Data
	s.qNext = grow(s.qNext, n*a)
	var qOnNext []float64
	if s.Double {
		qOnNext = s.qOn[n*a : 2*n*a] // free space after the rollout's rows
	}
	for k := 0; k < n; k++ {
		if j := s.succ[k]; j >= 0 {
			copy(s.qNext[k*a:(k+1)*a], qT[j*a:(j+1)*a])
			if s.Double {
				copy(qOnNext[k*a:(k+1)*a], s.qOn[j*a:(j+1)*a])
			}
		}
	}
	s.y, s.errs = grow(s.y, n), grow(s.errs, n)
	s.td.Targets(s.y, tr, s.qNext, qT, qOnNext)
	leaf := or(s.LeafCoeff, 1)
	for k := 0; k < n; k++ {
		e := s.tdLoss(s.qsa[k] - s.y[k])
		if tr.Done[k] {
			e *= leaf
		}
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return ErrNonFinite{Step: s.it + 1, Loss: e, Where: "loss"}
		}
		s.errs[k] = e
	}
	s.replay.Add(tr, s.errs)
	return nil
}

func (s *SoftDQN) tdLoss(r float64) float64 {
	if s.Squared {
		return r * r
	}
	return huberLoss(r)
}

// learn takes one optimizer step on a batch from the buffer and returns the
// loss.
func (s *SoftDQN) learn(beta float64) (float64, error) {
	n := orInt(s.BatchSize, 256)
	b := &s.batch
	if err := s.replay.Sample(b, n, beta, s.Rng); err != nil {
		return math.NaN(), err
	}
	a, d := b.NumActions, b.StateDim
	if s.RefreshPB {
		s.PB.LogPB(b)
	}

	// Targets, from the target network (and the online one for Double), on a
	// tape of their own so that Backward does not traverse them.
	s.ttape.Reset()
	var qNext, qCur, qOn []float64
	if s.Alpha > 0 {
		s.both = grow(s.both, 2*n*d)
		copy(s.both, b.States[:n*d])
		copy(s.both[n*d:], b.Next[:n*d])
		q := s.ut.Q(&s.ttape, s.both, 2*n).Value.RawMatrix().Data
		qCur, qNext = q[:n*a], q[n*a:2*n*a]
	} else {
		qNext = s.ut.Q(&s.ttape, b.Next, n).Value.RawMatrix().Data
	}
	if s.Double {
		qOn = s.uq.Q(&s.ttape, b.Next, n).Value.RawMatrix().Data
	}
	s.y, s.errs = grow(s.y, n), grow(s.errs, n)
	s.td.Targets(s.y, b, qNext, qCur, qOn)

	leaf := or(s.LeafCoeff, 1)
	var w []float64
	if leaf != 1 || s.ApplyWeights {
		s.w = grow(s.w, n)
		w = s.w
		for k := range w {
			w[k] = 1
			if b.Done[k] {
				w[k] = leaf
			}
			if s.ApplyWeights {
				w[k] *= b.Weight[k]
			}
		}
	}
	t := &s.tape
	t.Reset()
	loss, e := TDLoss(t, s.uq, b, s.y, w, s.Squared)
	ev := e.Value.RawMatrix().Data
	for k := range s.errs {
		s.errs[k] = ev[k]
		if s.ApplyWeights {
			s.errs[k] = ev[k] / b.Weight[k]
		}
	}
	l := loss.Scalar()
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return l, ErrNonFinite{Step: s.it + 1, Loss: l, Where: "loss"}
	}
	t.Backward(loss)
	s.Opt.Step()
	s.replay.Update(b.Slot, s.errs)
	return l, nil
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func or(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
