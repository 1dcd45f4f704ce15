package softrl

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/scratch"
	"github.com/gogfn/gogfn/internal/wire"
	"github.com/gogfn/gogfn/internal/zero"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// MunchausenAlpha is the Munchausen coefficient α of Tiapkin et al. 2024 in
// every experiment (with λ = 1/(1−α)).
const MunchausenAlpha = 0.15

var (
	_ train.Checkpointer    = (*DQN)(nil)
	_ train.Phased          = (*DQN)(nil)
	_ train.BackwardLearner = (*DQN)(nil)
	_ train.BackwardUser    = (*DQN)(nil)
)

// DQN trains a GFlowNet forward policy as the optimal policy of an
// entropy-regularised MDP (Tiapkin, Morozov, Naumov, Vetrov, "Generative Flow
// Networks as Entropy-Regularized Reinforcement Learning", AISTATS 2024, arXiv
// 2310.12934): Soft DQN, or Munchausen DQN when Alpha > 0. The MDP's reward
// is log P_B(s|s′) on ordinary edges and log R(x) on the exit edge, without
// discount; its soft-optimal Q is the log edge flow, so softmax(Q/λ) is the
// forward policy (see TD for the targets).
//
// Each Step is one iteration of the paper's algorithm: roll out Trajectories
// episodes with the behaviour policy softmax(Q/λ), add their transitions to
// the replay buffer (with their current TD errors as priorities), and after
// LearningStarts iterations draw BatchSize transitions, take one Adam step on
// the mean TD loss, write the errors back as priorities and update the
// target network:
//
//	λ = 1/(1−α); Q_tgt := Q
//	for it = 0, 1, …:
//	    roll out Trajectories episodes with softmax(Q(s,·)/λ)
//	    push each transition with priority Huber(td)
//	    if it > LearningStarts:
//	        draw BatchSize transitions by priority
//	        y = r + [s′ ≠ s_f]·λ·logsumexp(Q_tgt(s′,·)/λ) + α·clip(λ·log π_tgt(a|s), L0, 0)
//	        Adam step on mean Huber(Q(s,a) − y); write the errors back
//	        Q_tgt ← (1−τ)·Q_tgt + τ·Q
//
// The zero values of the settings are the paper's hypergrid settings (MLP
// 256×256, 16 trajectories, prioritized replay of 100,000 transitions with
// α_PER = 0.5 and β from 0 to 1, batch 256, Huber, τ = 0.25, learning from
// iteration 17); the bit-sequence settings are PERAlpha 0.9, BetaStart =
// BetaEnd = 0.1, ApplyWeights, LeafCoeff 5, HardEvery 5, L0 −25,
// LearningStarts 50.
//
// Where this differs from the papers' code, on purpose: importance weights
// are normalised by their largest value in the batch (see Replay.Sample);
// Double is our reading of a soft double-DQN target (see TD); Squared is r²,
// not ½r²; and every network pass evaluates each distinct state of its batch
// once (UniqueQ), which changes the cost, not the values. The initial
// priority of a new transition uses the Q_θ(s, a) computed for the rollout,
// which is exact: nothing is updated in between. Step allocates nothing once
// its buffers have grown (Init sizes them).
type DQN struct {
	// Q and Target are the online and target Q-functions, with parameters of
	// the same shapes; nil means QNets with Hidden widths, built by Init.
	Q, Target QFunction
	// Hidden are the widths of the QNets Init builds; nil means {256, 256}.
	Hidden []int
	// Backward is the backward policy whose log-probabilities are the
	// rewards of the non-exit edges; nil means uniform over the parents. A
	// learned one (with a Params method, such as a policy.BackwardNet) is
	// trained by the TD loss itself, which back-propagates into the rewards
	// (the "naive" learned P_B), with an Adam optimizer of its own at
	// BackwardLR; RefreshPB is then implied.
	Backward gfn.Backward
	// BackwardLR is the learning rate of a learned Backward; 0 means LR.
	BackwardLR float64
	// RefreshPB recomputes log P_B of every batch drawn from the buffer, for
	// a backward policy that changes during training; otherwise the rewards
	// computed when a transition was added are used.
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
	// WeightDecay is Adam's decoupled weight decay; 0 means none (bitseq
	// uses 1e-5).
	WeightDecay float64

	env              gfn.Env
	td               TD
	lambda           float64
	ownQ             bool // Q and Target were built by Init
	opt              *optim.Adam
	pbParams         []*autograd.Node // of a learned Backward, or nil
	backOpt          *optim.Adam      // trains pbParams
	qParams, tParams []*autograd.Node
	replay           *Replay
	sampler          gfn.Sampler
	actor, infer     Boltzmann
	model            SoftPolicy
	scorer           gfn.BackwardScorer
	tape, ttape      autograd.Tape
	roll, batch      gfn.Transitions
	qNext, qsa       []float64
	qOnNext          []float64
	y, errs, w       []float64
	both             []int
	ut, uq           *UniqueQ // Target and Q, evaluated once per distinct state
	ready            bool
}

// Lambda returns the entropy coefficient λ = 1/(1−Alpha).
func (s *DQN) Lambda() float64 { return 1 / (1 - s.Alpha) }

// Replay returns the replay buffer, or nil before Init.
func (s *DQN) Replay() *Replay { return s.replay }

// validate returns an error naming the first invalid field.
func (s *DQN) validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case !(s.Alpha >= 0 && s.Alpha < 1):
		return fmt.Errorf("softrl: Alpha is %v, want a Munchausen coefficient in [0, 1)", s.Alpha)
	case !finite(s.L0) || s.L0 > 0:
		return fmt.Errorf("softrl: L0 is %v, want a finite value ≤ 0 (0 for −100)", s.L0)
	case !(s.Epsilon >= 0 && s.Epsilon <= 1):
		return fmt.Errorf("softrl: Epsilon is %v, want a probability in [0, 1]", s.Epsilon)
	case (s.Q == nil) != (s.Target == nil):
		return errors.New("softrl: set both Q and Target, or neither")
	case s.Trajectories < 0 || s.BatchSize < 0 || s.Capacity < 0 || s.BetaIterations < 0 || s.HardEvery < 0:
		return fmt.Errorf("softrl: a negative size (Trajectories %d, BatchSize %d, Capacity %d, BetaIterations %d, HardEvery %d)",
			s.Trajectories, s.BatchSize, s.Capacity, s.BetaIterations, s.HardEvery)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"LeafCoeff", s.LeafCoeff}, {"PERAlpha", s.PERAlpha}, {"BetaStart", s.BetaStart}, {"BetaEnd", s.BetaEnd},
		{"Tau", s.Tau}, {"LR", s.LR}, {"WeightDecay", s.WeightDecay}} {
		if !finite(f.v) || f.v < 0 {
			return fmt.Errorf("softrl: %s is %v, want a finite value ≥ 0 (0 for the default)", f.name, f.v)
		}
	}
	if s.Tau > 1 {
		return fmt.Errorf("softrl: Tau is %v, want at most 1", s.Tau)
	}
	for _, h := range s.Hidden {
		if h < 1 {
			return fmt.Errorf("softrl: Hidden has width %d, want positive widths", h)
		}
	}
	if s.Hidden != nil && len(s.Hidden) == 0 {
		return errors.New("softrl: Hidden is empty; use nil for the default 256, 256")
	}
	return nil
}

// Init checks the configuration, fills in the defaults, builds the
// Q-networks (weights from rng) unless they are given, copies Q into Target,
// and sizes every buffer.
func (s *DQN) Init(env gfn.Env, rng *rand.Rand) error {
	if s.ready {
		return errors.New("softrl: Init called twice")
	}
	if err := s.validate(); err != nil {
		return err
	}
	if err := gfn.CheckEnv(env); err != nil {
		return err
	}
	s.env = env
	s.Trajectories = zero.Or(s.Trajectories, 16)
	s.BatchSize = zero.Or(s.BatchSize, 256)
	s.Capacity = zero.Or(s.Capacity, 100_000)
	s.LearningStarts = zero.Or(s.LearningStarts, 16)
	s.PERAlpha = zero.Or(s.PERAlpha, 0.5)
	s.BetaEnd = zero.Or(s.BetaEnd, 1)
	s.BetaIterations = zero.Or(s.BetaIterations, 62_500)
	s.Tau = zero.Or(s.Tau, 0.25)
	s.LR = zero.Or(s.LR, 1e-3)
	s.LeafCoeff = zero.Or(s.LeafCoeff, 1)
	s.L0 = zero.Or(s.L0, -100)
	if s.Q == nil {
		if s.Hidden == nil {
			s.Hidden = []int{256, 256}
		}
		s.Q, s.Target = NewQNet(env, s.Hidden, rng), NewQNet(env, s.Hidden, rng)
		s.ownQ = true
	}
	s.qParams, s.tParams = s.Q.Params(), s.Target.Params()
	if len(s.qParams) != len(s.tParams) {
		return errors.New("softrl: Q and Target have different parameters")
	}
	for i, p := range s.qParams {
		if r, c := p.Dims(); r != s.tParams[i].Value.RawMatrix().Rows || c != s.tParams[i].Value.RawMatrix().Cols {
			return errors.New("softrl: Q and Target have parameters of different shapes")
		}
	}
	optim.HardUpdate(s.tParams, s.qParams)
	s.td = TD{Alpha: s.Alpha, L0: s.L0, Double: s.Double}
	s.lambda = s.td.Lambda()
	s.opt = &optim.Adam{Params: s.qParams, LR: s.LR, WeightDecay: s.WeightDecay}
	if l, ok := s.Backward.(interface{ Params() []*autograd.Node }); ok && len(l.Params()) > 0 {
		s.pbParams, s.RefreshPB = l.Params(), true
		s.backOpt = &optim.Adam{Params: s.pbParams, LR: zero.Or(s.BackwardLR, s.LR)}
	}
	spec := env.Spec()
	a, d := spec.NumActions, spec.StateDim
	if s.UniformReplay {
		s.replay = NewReplay(s.Capacity, d, a)
	} else {
		s.replay = NewPrioritizedReplay(s.Capacity, d, a, s.PERAlpha)
	}
	s.sampler = gfn.Sampler{Env: env}
	s.actor = Boltzmann{Q: s.Q, Lambda: s.lambda, Epsilon: s.Epsilon, Record: true}
	s.infer = Boltzmann{Q: s.Q, Lambda: s.lambda}
	s.model = SoftPolicy{Env: env, Q: s.Q, Lambda: s.lambda}
	s.scorer = gfn.BackwardScorer{Env: env, PB: s.Backward}
	s.uq, s.ut = &UniqueQ{QFunction: s.Q, StateDim: d}, &UniqueQ{QFunction: s.Target, StateDim: d}
	maxN := s.Trajectories * spec.MaxLen
	s.warmUp(maxN, s.Trajectories, s.BatchSize)
	s.ready = true
	return nil
}

// warmUp sizes the arenas of the tapes for the largest passes they make, so
// that later iterations do not grow them: each pass runs on copies of s₀,
// once through the UniqueQ (sizing its buffers) and once on every row
// followed by a gather (sizing the nodes the pass makes when no state
// repeats).
func (s *DQN) warmUp(maxN, trajs, batch int) {
	n := max(maxN, 2*batch, trajs)
	d := s.env.Spec().StateDim
	states := make([]int, n*d)
	s.env.Start(gfn.State(states[:d]))
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
	for _, b := range []*Boltzmann{&s.actor, &s.infer} {
		b.uq = UniqueQ{QFunction: s.Q, StateDim: d}
		size(&b.tape, &b.uq)
	}
	if s.Double {
		size(&s.ttape, s.ut, s.uq)
	} else {
		size(&s.ttape, s.ut)
	}
	size(&s.tape, s.uq)
}

// Model returns the Boltzmann policy of Q (softmax(Q/λ)), the trained
// forward policy.
func (s *DQN) Model() gfn.Evaluator { return &s.model }

// Actor returns the Boltzmann policy of Q without exploration.
func (s *DQN) Actor() gfn.Actor { return &s.infer }

// LogZ returns the soft value of s₀, λ·log Σₐ exp(Q(s₀, a)/λ): the model's
// log F(s₀), its estimate of log Z.
func (s *DQN) LogZ() float64 {
	d := s.env.Spec().StateDim
	s0 := make(gfn.State, d)
	s.env.Start(s0)
	var t autograd.Tape
	_, logF := s.model.Evaluate(&t, s0, 1)
	return logF.Value.At(0, 0)
}

// Step runs iteration it: a rollout into dst with rng, its transitions into
// the buffer, and after LearningStarts iterations one learning step. It
// returns a gfn.ErrNonFinite, without updating the parameters, if the loss or
// the TD error of a new transition is not finite; then the rollout's
// transitions are not added.
func (s *DQN) Step(it int, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	if err := s.Sample(it, dst, rng); err != nil {
		return train.StepInfo{Loss: math.NaN(), GradNorm: math.NaN()}, err
	}
	return s.Learn(it, dst, rng)
}

// Sample rolls out iteration it's trajectories into dst with rng and splits
// them into transitions.
func (s *DQN) Sample(it int, dst *gfn.Batch, rng *rand.Rand) error {
	s.setTraining(rng)
	defer s.setTraining(nil)
	if err := s.sampler.Rollout(dst, &s.actor, s.Trajectories, rng); err != nil {
		return err
	}
	s.roll.FromBatch(s.env, dst)
	return nil
}

// Learn computes the rewards of the transitions Sample made (with the
// backward policy as it is now), adds them to the buffer and, after
// LearningStarts iterations, takes one learning step.
func (s *DQN) Learn(it int, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	info := train.StepInfo{Loss: math.NaN(), GradNorm: math.NaN()}
	s.scorer.Fill(&s.roll)
	if err := s.add(); err != nil {
		return info, err
	}
	if it > s.LearningStarts && s.replay.Len() > 0 {
		s.setTraining(rng)
		loss, err := s.learn(s.beta(it), rng)
		s.setTraining(nil)
		if err != nil {
			return info, err
		}
		info.Loss = loss
		if s.HardEvery > 0 {
			if it%s.HardEvery == 0 {
				optim.HardUpdate(s.tParams, s.qParams)
			}
		} else {
			optim.Polyak(s.tParams, s.qParams, s.Tau)
		}
	}
	return info, nil
}

// SetBackward makes pb the backward policy of the rewards, before Init, and
// refreshes the rewards of replayed transitions (a wrapper such as TLM
// changes pb during training).
func (s *DQN) SetBackward(pb gfn.Backward) error {
	if s.ready {
		return errors.New("softrl: SetBackward after Init")
	}
	s.Backward, s.RefreshPB = pb, true
	return nil
}

// beta returns the importance-sampling exponent of iteration it.
func (s *DQN) beta(it int) float64 {
	f := min(float64(it)/float64(s.BetaIterations), 1)
	return s.BetaStart + f*(s.BetaEnd-s.BetaStart)
}

// add adds the rollout's transitions to the buffer, with their current TD
// errors as priorities for a prioritized one. One target-network pass over
// the rollout's source states gives both Q_tgt(s,·) and Q_tgt(s′,·): within a
// trajectory, the target of transition k is the source of k+1.
func (s *DQN) add() error {
	tr := &s.roll
	if !s.replay.Prioritized() {
		s.replay.Add(tr, nil)
		return nil
	}
	n, a := tr.N, tr.NumActions
	rows, qOn := s.sampler.Rows(), s.actor.Values
	s.ttape.Reset()
	qT := s.ut.Q(&s.ttape, tr.States, n).Value.RawMatrix().Data
	s.qNext, s.qsa = scratch.Resize(s.qNext, n*a), scratch.Resize(s.qsa, n)
	var qOnNext []float64
	if s.Double {
		s.qOnNext = scratch.Resize(s.qOnNext, n*a)
		qOnNext = s.qOnNext
	}
	for k := 0; k < n; k++ {
		s.qsa[k] = qOn[rows[k]*a+tr.Actions[k]]
		if !tr.Done[k] {
			copy(s.qNext[k*a:(k+1)*a], qT[(k+1)*a:(k+2)*a])
			if s.Double {
				copy(qOnNext[k*a:(k+1)*a], qOn[rows[k+1]*a:(rows[k+1]+1)*a])
			}
		}
	}
	s.y, s.errs = scratch.Resize(s.y, n), scratch.Resize(s.errs, n)
	s.td.Targets(s.y, tr, s.qNext, qT, qOnNext)
	for k := 0; k < n; k++ {
		e := s.tdLoss(s.qsa[k] - s.y[k])
		if tr.Done[k] {
			e *= s.LeafCoeff
		}
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return gfn.ErrNonFinite{Loss: e, Where: "TD error"}
		}
		s.errs[k] = e
	}
	s.replay.Add(tr, s.errs)
	return nil
}

func (s *DQN) tdLoss(r float64) float64 {
	if s.Squared {
		return r * r
	}
	return huberLoss(r)
}

// learn takes one optimizer step on a batch from the buffer and returns the
// loss.
func (s *DQN) learn(beta float64, rng *rand.Rand) (float64, error) {
	n := s.BatchSize
	b := &s.batch
	if err := s.replay.Sample(b, n, beta, rng); err != nil {
		return math.NaN(), err
	}
	a, d := b.NumActions, b.StateDim
	if s.RefreshPB {
		s.scorer.Fill(b)
	}

	// Targets, from the target network (and the online one for Double), on a
	// tape of their own so that Backward does not traverse them.
	s.ttape.Reset()
	var qNext, qCur, qOn []float64
	if s.Alpha > 0 {
		s.both = scratch.Resize(s.both, 2*n*d)
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
	s.y, s.errs = scratch.Resize(s.y, n), scratch.Resize(s.errs, n)
	s.td.Targets(s.y, b, qNext, qCur, qOn)

	var w []float64
	if s.LeafCoeff != 1 || s.ApplyWeights {
		s.w = scratch.Resize(s.w, n)
		w = s.w
		for k := range w {
			w[k] = 1
			if b.Done[k] {
				w[k] = s.LeafCoeff
			}
			if s.ApplyWeights {
				w[k] *= b.Weight[k]
			}
		}
	}
	t := &s.tape
	t.Reset()
	pred := t.Pick(s.uq.Q(t, b.States, n), b.Actions[:n])
	if s.pbParams != nil {
		// The naive learned P_B: the reward log P_B(s|s′) is part of the
		// target, and the loss back-propagates into it. The residual is the
		// same, Q − (log P_B + rest), written (Q − log P_B) − rest.
		pred = t.Sub(pred, s.scorer.Transitions(t, b))
		for k := range s.y {
			s.y[k] -= b.LogPB[k]
		}
	}
	loss, e := tdLoss(t, pred, s.y[:n], w, s.Squared)
	ev := e.Value.RawMatrix().Data
	for k := range s.errs {
		s.errs[k] = ev[k]
		if s.ApplyWeights {
			s.errs[k] = ev[k] / b.Weight[k]
		}
	}
	l := loss.Scalar()
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return l, gfn.ErrNonFinite{Loss: l, Where: "loss"}
	}
	t.Backward(loss)
	s.opt.Step()
	if s.backOpt != nil {
		s.backOpt.Step()
	}
	s.replay.Update(b.Slot, s.errs)
	return l, nil
}

// Settings lists the configuration a checkpoint must match.
func (s *DQN) Settings() []gfn.Setting {
	name := "softdqn"
	if s.Alpha > 0 {
		name = "mdqn"
	}
	q := fmt.Sprint(s.Hidden)
	if !s.ownQ {
		q = fmt.Sprintf("%T", s.Q)
	}
	pb := "uniform"
	if s.Backward != nil {
		pb = fmt.Sprintf("%T", s.Backward)
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []gfn.Setting{
		{Key: "algorithm", Value: name},
		{Key: "q", Value: q},
		{Key: "backward", Value: pb},
		{Key: "refresh_pb", Value: strconv.FormatBool(s.RefreshPB)},
		{Key: "backward_lr", Value: f(zero.Or(s.BackwardLR, s.LR))},
		{Key: "alpha", Value: f(s.Alpha)},
		{Key: "l0", Value: f(s.L0)},
		{Key: "double", Value: strconv.FormatBool(s.Double)},
		{Key: "squared", Value: strconv.FormatBool(s.Squared)},
		{Key: "epsilon", Value: f(s.Epsilon)},
		{Key: "leaf_coeff", Value: f(s.LeafCoeff)},
		{Key: "trajectories", Value: strconv.Itoa(s.Trajectories)},
		{Key: "batch_size", Value: strconv.Itoa(s.BatchSize)},
		{Key: "capacity", Value: strconv.Itoa(s.Capacity)},
		{Key: "learning_starts", Value: strconv.Itoa(s.LearningStarts)},
		{Key: "uniform_replay", Value: strconv.FormatBool(s.UniformReplay)},
		{Key: "per_alpha", Value: f(s.PERAlpha)},
		{Key: "beta", Value: fmt.Sprintf("%s→%s over %d", f(s.BetaStart), f(s.BetaEnd), s.BetaIterations)},
		{Key: "apply_weights", Value: strconv.FormatBool(s.ApplyWeights)},
		{Key: "tau", Value: f(s.Tau)},
		{Key: "hard_every", Value: strconv.Itoa(s.HardEvery)},
		{Key: "lr", Value: f(s.LR)},
		{Key: "weight_decay", Value: f(s.WeightDecay)},
	}
}

// MarshalBinary encodes the online and target parameters, Adam's state and
// the replay buffer.
func (s *DQN) MarshalBinary() ([]byte, error) {
	var ps bytes.Buffer
	if err := nn.WriteParams(&ps, s.allParams()); err != nil {
		return nil, err
	}
	e := wire.AppendBytes(nil, ps.Bytes())
	for _, o := range []*optim.Adam{s.opt, s.backOpt} {
		var b []byte
		if o != nil {
			var err error
			if b, err = o.MarshalBinary(); err != nil {
				return nil, err
			}
		}
		e = wire.AppendBytes(e, b)
	}
	rb, err := s.replay.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return wire.AppendBytes(e, rb), nil
}

// UnmarshalBinary restores what MarshalBinary encoded. Every value is
// checked first (parameter shapes and checksum, Adam's state, the buffer's
// transitions against the environment); on error the algorithm is unchanged.
func (s *DQN) UnmarshalBinary(data []byte) error {
	d := wire.NewDecoder(data)
	params, opt, back, rb := d.Bytes(len(data)), d.Bytes(len(data)), d.Bytes(len(data)), d.Bytes(len(data))
	if err := d.Done(); err != nil {
		return fmt.Errorf("softrl: %v", err)
	}
	if (len(back) > 0) != (s.backOpt != nil) {
		return errors.New("softrl: the state's backward optimizer does not match the algorithm's")
	}
	all := s.allParams()
	// Decode into copies, then apply.
	copies := make([]*autograd.Node, len(all))
	for i, p := range all {
		copies[i] = autograd.NewParam(mat.DenseCopyOf(p.Value))
	}
	if err := nn.ReadParams(bytes.NewReader(params), copies); err != nil {
		return fmt.Errorf("softrl: %v", err)
	}
	adam := &optim.Adam{Params: s.qParams}
	if err := adam.UnmarshalBinary(opt); err != nil {
		return fmt.Errorf("softrl: %v", err)
	}
	if s.backOpt != nil {
		if err := (&optim.Adam{Params: s.pbParams}).UnmarshalBinary(back); err != nil {
			return fmt.Errorf("softrl: %v", err)
		}
	}
	replay := s.emptyReplay()
	if err := replay.UnmarshalBinary(rb); err != nil {
		return err
	}
	if err := replay.Validate(s.env); err != nil {
		return err
	}
	nn.CopyValues(all, copies)
	if err := s.opt.UnmarshalBinary(opt); err != nil {
		return fmt.Errorf("softrl: %v", err) // cannot happen: the same state was read above
	}
	if s.backOpt != nil {
		if err := s.backOpt.UnmarshalBinary(back); err != nil {
			return fmt.Errorf("softrl: %v", err) // cannot happen either
		}
	}
	s.replay = replay
	return nil
}

// allParams returns the online, target and learned-P_B parameters.
func (s *DQN) allParams() []*autograd.Node {
	return append(append(append([]*autograd.Node(nil), s.qParams...), s.tParams...), s.pbParams...)
}

// emptyReplay returns a buffer like s.replay, empty.
func (s *DQN) emptyReplay() *Replay {
	spec := s.env.Spec()
	if s.UniformReplay {
		return NewReplay(s.Capacity, spec.StateDim, spec.NumActions)
	}
	return NewPrioritizedReplay(s.Capacity, spec.StateDim, spec.NumActions, s.PERAlpha)
}

// LearnedBackward returns the backward policy when it is learned (the naive
// one, trained by the TD loss), or nil (train.BackwardLearner).
func (s *DQN) LearnedBackward() gfn.Backward {
	if s.pbParams == nil {
		return nil
	}
	return s.Backward
}

// ModelParams returns the online Q-function's parameters, the model that
// Model, Actor and LogZ read (train.Averageable).
func (s *DQN) ModelParams() []*autograd.Node { return s.Q.Params() }
