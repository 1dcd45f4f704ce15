package mcts

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/scratch"
	"github.com/gogfn/gogfn/internal/zero"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

var (
	_ train.Checkpointer   = (*Algorithm)(nil)
	_ train.LogPartitioner = (*Algorithm)(nil)
)

// Algorithm trains a GFlowNet as a Soft DQN Q-network with tree search, as
// Morozov, Tiapkin, Samsonov, Naumov and Vetrov, "Improving GFlowNets with
// Monte Carlo Tree Search" (2024, arXiv 2406.13655) do on the hypergrid. Each
// Step samples Trajectories complete trajectories, planning every step with
// a Planner whose trees take their values from the target network, takes
// one Adam step on a loss over all their transitions (no replay buffer), and
// every HardEvery iterations copies Q_θ into the target network:
//
//	Q_tgt := Q_θ
//	for it = 0, 1, …:
//	    roll out Trajectories trajectories; at each step of each:
//	        plan Rollouts rounds over Q_tgt (Mode ≠ Off)
//	        a ~ softmax(Q̂(root,·)) (All, Inference) or softmax(Q_θ(s,·)) (Train, Off)
//	    loss = RootLoss(Q_θ, Q̂) (All, Train)
//	         or mean_k (Q_θ(s_k, a_k) − r_k − [s′ ≠ s_f]·log Σ_{a′} exp Q_tgt(s′_k, a′))² (Inference, Off)
//	    Adam step on loss
//	    if (it+1) mod HardEvery = 0: Q_tgt := Q_θ
//
// The zero value is the paper's default (mcts_all, 4 rollouts, ε = 0.01,
// MLP 256×256, 16 trajectories, Adam at 1e-3, hard target copy every 3
// iterations, uniform P_B). Model is the Boltzmann policy of Q_θ, so exact
// evaluation measures the network alone; Actor plans over Q_θ with the same
// settings in the modes that act by search (All, Inference), and is the
// Boltzmann policy of Q_θ otherwise.
//
// Where this differs from the paper's code: a terminal node gets no network
// evaluation (its value does not use one), and a new root is evaluated only
// when the chosen child was not in the tree; neither changes a value. The
// search draws its random numbers from the trainer's source, so runs are
// reproducible. Step allocates nothing once Init has sized its buffers.
type Algorithm struct {
	Mode Mode
	// Rollouts is the number of expansion rounds per step; 0 means 4.
	Rollouts int
	// Eps is the E2W exploration coefficient; 0 means DefaultEps (0.01).
	Eps float64
	// TrueReward gives the trees' terminal nodes their true log-reward
	// (Planner.TrueReward); the paper's code does not (false).
	TrueReward bool

	// Q and Target are the online and target Q-functions, with parameters of
	// the same shapes; nil means QNets with Hidden widths, built by Init.
	Q, Target softrl.QFunction
	// Hidden are the widths of the QNets Init builds, with PyTorch's
	// default initialisation of nn.Linear (nn.InitTorch) as in the paper's
	// code; nil means {256, 256}.
	Hidden []int
	// Backward is the backward policy whose log-probabilities reward the
	// non-exit edges; nil means uniform over the parents.
	Backward gfn.Backward

	Trajectories int     // trajectories per iteration; 0 means 16
	LR           float64 // Adam learning rate; 0 means 1e-3
	HardEvery    int     // target copy period in iterations; 0 means 3

	env              gfn.Env
	ownQ             bool
	opt              *optim.Adam
	qParams, tParams []*autograd.Node
	sampler          gfn.Sampler
	planner          Planner // training rollouts: over Target, or Q_θ without search (Off)
	infer            Planner // Actor: over Q_θ
	model            softrl.SoftPolicy
	scorer           gfn.BackwardScorer
	tape, ttape      autograd.Tape
	roll             gfn.Transitions
	uq, ut           softrl.UniqueQ
	y, targets       []float64
	s0               gfn.State // s₀, and its valid actions
	mask0            []bool
	ready            bool
}

// validate returns an error naming the first invalid field.
func (s *Algorithm) validate() error {
	switch {
	case s.Mode < All || s.Mode > Off:
		return fmt.Errorf("mcts: unknown Mode %d", int(s.Mode))
	case s.Rollouts < 0:
		return fmt.Errorf("mcts: Rollouts is %d, want ≥ 0 (0 for 4)", s.Rollouts)
	case !(s.Eps >= 0) || math.IsInf(s.Eps, 1):
		return fmt.Errorf("mcts: Eps is %v, want a finite value ≥ 0 (0 for %v)", s.Eps, DefaultEps)
	case (s.Q == nil) != (s.Target == nil):
		return errors.New("mcts: set both Q and Target, or neither")
	case s.Trajectories < 0 || s.HardEvery < 0:
		return fmt.Errorf("mcts: a negative size (Trajectories %d, HardEvery %d)", s.Trajectories, s.HardEvery)
	case !(s.LR >= 0) || math.IsInf(s.LR, 1):
		return fmt.Errorf("mcts: LR is %v, want a finite value ≥ 0 (0 for 1e-3)", s.LR)
	case s.Hidden != nil && len(s.Hidden) == 0:
		return errors.New("mcts: Hidden is empty; use nil for the default 256, 256")
	}
	for _, h := range s.Hidden {
		if h < 1 {
			return fmt.Errorf("mcts: Hidden has width %d, want positive widths", h)
		}
	}
	return nil
}

// Init checks the configuration, fills in the defaults, builds the
// Q-networks (weights from rng) unless they are given, copies Q into Target,
// and sizes every buffer.
func (s *Algorithm) Init(env gfn.Env, rng *rand.Rand) error {
	if s.ready {
		return errors.New("mcts: Init called twice")
	}
	if err := s.validate(); err != nil {
		return err
	}
	if err := gfn.CheckEnv(env); err != nil {
		return err
	}
	s.env = env
	s.Rollouts = zero.Or(s.Rollouts, 4)
	s.Eps = zero.Or(s.Eps, DefaultEps)
	s.Trajectories = zero.Or(s.Trajectories, 16)
	s.LR = zero.Or(s.LR, 1e-3)
	s.HardEvery = zero.Or(s.HardEvery, 3)
	if s.Q == nil {
		if s.Hidden == nil {
			s.Hidden = []int{256, 256}
		}
		q := softrl.NewQNet(env, s.Hidden, rng)
		nn.InitTorch(rng, q.Net.Layers...) // the paper's code: PyTorch's nn.Linear default
		s.Q, s.Target = q, softrl.NewQNet(env, s.Hidden, rng)
		s.ownQ = true
	}
	s.qParams, s.tParams = s.Q.Params(), s.Target.Params()
	if !slices.EqualFunc(s.qParams, s.tParams, sameShape) {
		return errors.New("mcts: Q and Target have parameters of different numbers or shapes")
	}
	optim.HardUpdate(s.tParams, s.qParams)
	s.opt = &optim.Adam{Params: s.qParams, LR: s.LR}
	s.sampler = gfn.Sampler{Env: env}
	// Without search a Planner is the Boltzmann policy of its Q, with its
	// buffers sized here.
	s.planner = Planner{Env: env, Q: s.Target, Backward: s.Backward, Rollouts: s.Rollouts, Eps: s.Eps,
		TrueReward: s.TrueReward, Record: s.Mode.searchTargets()}
	switch s.Mode {
	case Train:
		s.planner.Behaviour = s.Q
	case Off:
		s.planner = Planner{Env: env, Q: s.Q}
	}
	s.infer = Planner{Env: env, Q: s.Q}
	if s.Mode.searchActions() {
		s.infer = Planner{Env: env, Q: s.Q, Backward: s.Backward, Rollouts: s.Rollouts, Eps: s.Eps, TrueReward: s.TrueReward}
	}
	s.model = softrl.SoftPolicy{Env: env, Q: s.Q}
	s.scorer = gfn.BackwardScorer{Env: env, PB: s.Backward}
	d := env.Spec().StateDim
	s.uq = softrl.UniqueQ{QFunction: s.Q, StateDim: d}
	s.ut = softrl.UniqueQ{QFunction: s.Target, StateDim: d}
	s.warmUp()
	s.ready = true
	return nil
}

// warmUp sizes every buffer for the largest iteration, Trajectories
// trajectories of Spec.MaxLen transitions each: the tapes' arenas (with a
// loss over that many copies of s₀'s first transition, differentiated with
// seed 0 so that no gradient changes) and the planner's trees.
func (s *Algorithm) warmUp() {
	spec := s.env.Spec()
	d, a := spec.StateDim, spec.NumActions
	n := s.Trajectories * spec.MaxLen
	s0 := make(gfn.State, d)
	s.env.Start(s0)
	s.s0, s.mask0 = s0, make([]bool, a)
	s.env.Mask(s.mask0, s0)
	s.uq.Reserve(&s.tape, s0, n)
	s.ut.Reserve(&s.ttape, s0, n)
	tr := &s.roll
	tr.Resize(n, d, a)
	for k := 0; k < n; k++ {
		copy(tr.Source(k), s0)
		copy(tr.Target(k), s0)
		s.env.Mask(tr.Mask[k*a:(k+1)*a], s0)
		copy(tr.NextMask[k*a:(k+1)*a], tr.Mask[k*a:(k+1)*a])
		tr.Actions[k] = a - 1
		tr.Done[k], tr.LogPB[k], tr.LogR[k] = false, 0, 0
		for j := a - 1; j >= 0; j-- { // the first valid action, so that a Pick row is valid
			if tr.Mask[k*a+j] {
				tr.Actions[k] = j
			}
		}
	}
	s.targets = scratch.Resize(s.targets, n*a)
	s.tape.Reset()
	s.tape.BackwardSeed(s.loss(), 0)
	s.planner.StartRollout(s.Trajectories)
	s.infer.StartRollout(s.Trajectories)
}

// sameShape reports whether x and y have the same shape.
func sameShape(x, y *autograd.Node) bool {
	r, c := x.Dims()
	r2, c2 := y.Dims()
	return r == r2 && c == c2
}

// Model returns the Boltzmann policy of Q_θ, softmax(Q_θ(s,·)), the trained
// forward policy without search.
func (s *Algorithm) Model() gfn.Evaluator { return &s.model }

// Actor returns the sampler of the trained model without exploration: a
// Planner over Q_θ with the algorithm's settings in the modes that act by
// search (All, Inference), the Boltzmann policy of Q_θ otherwise.
func (s *Algorithm) Actor() gfn.Actor { return &s.infer }

// LogZ returns log Σₐ exp Q_θ(s₀, a) over the valid actions, the network's
// log F(s₀).
func (s *Algorithm) LogZ() float64 {
	var t autograd.Tape
	return softrl.SoftValue(s.Q.Q(&t, s.s0, 1).Value.RawMatrix().Data, s.mask0, 1)
}

// Step runs iteration it: Trajectories trajectories into dst with rng, and
// one Adam step on the mode's loss over their transitions. It returns a
// gfn.ErrNonFinite, without updating the parameters, if the loss is not
// finite.
func (s *Algorithm) Step(it int, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	info := train.StepInfo{Loss: math.NaN(), GradNorm: math.NaN()}
	if err := s.sampler.Rollout(dst, &s.planner, s.Trajectories, rng); err != nil {
		return info, err
	}
	s.roll.FromBatch(s.env, dst)
	s.scorer.Fill(&s.roll)
	tr := &s.roll
	if s.Mode.searchTargets() {
		a := tr.NumActions
		s.targets = scratch.Resize(s.targets, tr.N*a)
		for k, r := range s.sampler.Rows() {
			copy(s.targets[k*a:(k+1)*a], s.planner.Values[r*a:(r+1)*a])
		}
	}
	s.tape.Reset()
	loss := s.loss()
	l := loss.Scalar()
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return info, gfn.ErrNonFinite{Loss: l, Where: "loss"}
	}
	s.tape.Backward(loss)
	s.opt.Step()
	info.Loss = l
	if (it+1)%s.HardEvery == 0 {
		optim.HardUpdate(s.tParams, s.qParams)
	}
	return info, nil
}

// loss records on s.tape the mode's loss over the transitions s.roll, with
// the search's root values in s.targets.
func (s *Algorithm) loss() *autograd.Node {
	tr := &s.roll
	if s.Mode.searchTargets() {
		return RootLoss(&s.tape, s.uq.Q(&s.tape, tr.States, tr.N), tr, s.targets)
	}
	s.ttape.Reset()
	qNext := s.ut.Q(&s.ttape, tr.Next, tr.N).Value.RawMatrix().Data
	s.y = scratch.Resize(s.y, tr.N)
	softrl.TD{}.Targets(s.y, tr, qNext, nil, nil)
	loss, _ := softrl.TDLoss(&s.tape, &s.uq, tr, s.y, nil, true)
	return loss
}
