package tlm

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/wire"
	"github.com/gogfn/gogfn/internal/zero"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// Norm says how the backward step normalises its loss, −Σ log P_B(s|s′) over
// the transitions of a batch.
type Norm int

const (
	// Sum is the plain sum over the batch's transitions, as the paper's
	// hypergrid code has it. The zero value.
	Sum Norm = iota
	// PerTrajectory divides the sum by the number of trajectories and by
	// Spec.MaxLen: the bit-sequence code's −mean_batch(Σ_t log P_B)/(n/k).
	PerTrajectory
	// PerTransition is the mean over transitions (the molecule code's).
	PerTransition
)

// String returns "sum", "trajectory" or "transition".
func (n Norm) String() string {
	switch n {
	case Sum:
		return "sum"
	case PerTrajectory:
		return "trajectory"
	case PerTransition:
		return "transition"
	}
	return fmt.Sprintf("Norm(%d)", int(n))
}

var (
	_ train.Checkpointer    = (*Algorithm)(nil)
	_ train.Phased          = (*Algorithm)(nil)
	_ train.BackwardLearner = (*Algorithm)(nil)
)

// Algorithm is trajectory likelihood maximisation (Gritsaev, Morozov,
// Samsonov, Tiapkin, "Optimizing Backward Policies in GFlowNets via
// Trajectory Likelihood Maximization", ICLR 2025, arXiv 2410.15474) around
// any forward algorithm: it learns the backward policy P_B by maximising the
// likelihood, under P_B, of the trajectories the forward policy samples,
//
//	L_TLM(θ_B) = −Σ_{transitions s → s′ of the batch} log P_B(s|s′; θ_B),
//
// whose gradient is that of KL(P_F(τ) ‖ P_B(τ|x)·R(x)/Z): the backward
// trajectory distribution is fitted to the forward one. The forward algorithm
// sees a slowly moving copy P̄_B (an exponential moving average of P_B, with
// no gradient into it) as its backward policy: in its losses (TB, DB, SubTB)
// or its rewards (Soft DQN, M-DQN). Each iteration:
//
//	sample trajectories with the forward policy
//	backward step: Adam_B on L_TLM; its learning rate ×Gamma
//	P̄_B ← (1 − Tau)·P̄_B + Tau·P_B
//	forward step of the forward algorithm with P̄_B
//
// (with ForwardFirst, the forward step comes first). P_B's output layer
// starts at zero, so that P_B and P̄_B start exactly uniform.
//
// The zero fields are the paper's hypergrid settings: the fresh batch, the
// sum over transitions, the backward step first, learning rate 1e-3 decayed
// by 0.999 per step, Tau = 0.25, and a P_B head on the forward policy's trunk
// trained together with the trunk (the code's tied=True) when the forward
// algorithm is an onpolicy.Algorithm. A Soft DQN forward algorithm has no
// policy trunk: P_B gets a network of its own there (the code shares the
// Q-network's torso; this is a deliberate difference). The bit-sequence
// code's settings are Past 20, Norm PerTrajectory, Gamma 0.9999, HeadOnly for
// TB; the "pessimistic" backward policy of Jang et al. 2024 is Past 20 with
// Gamma 1.
type Algorithm struct {
	// Forward is the forward algorithm; required. It must be a
	// train.Phased and a train.BackwardUser: onpolicy.Algorithm and
	// softrl.DQN are both.
	Forward train.Algorithm
	// Own gives P_B a network of its own, with Hidden widths (nil means
	// {256, 256}), instead of a head on the forward policy's trunk.
	Own    bool
	Hidden []int
	// HeadOnly trains only the P_B head, not the trunk it shares with the
	// forward policy (the bit-sequence TB code). It needs a shared head.
	HeadOnly bool
	// LR is the backward learning rate; 0 means 1e-3. Gamma multiplies it
	// after every backward step; 0 means 0.999, 1 means no decay.
	LR, Gamma float64
	// Tau is the rate of the moving average P̄_B; 0 means 0.25, 1 means the
	// forward algorithm sees P_B itself after each backward step.
	Tau float64
	// Past, when positive, trains the backward step on a batch drawn
	// uniformly from the last Past batches (the current one included)
	// instead of the fresh one.
	Past int
	// ForwardFirst runs the forward step before the backward step.
	ForwardFirst bool
	// Norm normalises the backward loss; the zero value is Sum.
	Norm Norm

	env     gfn.Env
	fwd     train.Phased
	pb      gfn.Backward     // the P_B being trained
	params  []*autograd.Node // what the backward step trains
	pbOnly  []*autograd.Node // P_B's own parameters (its head or network), averaged into the target
	tparams []*autograd.Node // the target's copies of params ∪ pbOnly, in avgSrc order
	avgSrc  []*autograd.Node
	frozen  gfn.Frozen // P̄_B, as the forward algorithm sees it
	opt     *optim.Adam
	scorer  gfn.BackwardScorer // P_B on transitions, with gradient
	uniform gfn.BackwardScorer // the uniform P_B, for the metric
	touched []*autograd.Node   // every parameter the backward step's passes reach
	tape    autograd.Tape
	past    []gfn.Batch
	npast   int
	shared  bool
	pol     *policy.Policy // the forward policy whose trunk P_B shares, or nil
	ready   bool
}

// validate returns an error naming the first invalid field.
func (a *Algorithm) validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case a.Forward == nil:
		return errors.New("tlm: Forward is nil")
	case !finite(a.LR) || a.LR < 0:
		return fmt.Errorf("tlm: LR is %v, want a finite value ≥ 0 (0 for 1e-3)", a.LR)
	case !(a.Gamma >= 0 && a.Gamma <= 1):
		return fmt.Errorf("tlm: Gamma is %v, want a decay in (0, 1] (0 for 0.999)", a.Gamma)
	case !(a.Tau >= 0 && a.Tau <= 1):
		return fmt.Errorf("tlm: Tau is %v, want a rate in (0, 1] (0 for 0.25)", a.Tau)
	case a.Past < 0 || a.Past > 1<<16:
		return fmt.Errorf("tlm: Past is %d, want a number of batches in [0, 65536]", a.Past)
	case a.Norm < Sum || a.Norm > PerTransition:
		return fmt.Errorf("tlm: unknown Norm %d", int(a.Norm))
	}
	for _, h := range a.Hidden {
		if h < 1 {
			return fmt.Errorf("tlm: Hidden has width %d, want positive widths", h)
		}
	}
	return nil
}

// Init sets up P_B (a head on the forward policy's trunk, or a network of its
// own with weights from rng), its target copy and optimizer, gives the
// forward algorithm the frozen target as its backward policy and initialises
// it.
func (a *Algorithm) Init(env gfn.Env, rng *rand.Rand) error {
	if a.ready {
		return errors.New("tlm: Init called twice")
	}
	if err := a.validate(); err != nil {
		return err
	}
	fwd, ok := a.Forward.(train.Phased)
	user, ok2 := a.Forward.(train.BackwardUser)
	if !ok || !ok2 {
		return fmt.Errorf("tlm: the forward algorithm %T must be a train.Phased and a train.BackwardUser", a.Forward)
	}
	if _, ok := env.(gfn.Reversible); !ok {
		return errors.New("tlm: a learned backward policy needs a Reversible environment")
	}
	a.env, a.fwd = env, fwd
	a.LR, a.Gamma, a.Tau = zero.Or(a.LR, 1e-3), zero.Or(a.Gamma, 0.999), zero.Or(a.Tau, 0.25)
	op, isOnPolicy := a.Forward.(*onpolicy.Algorithm)
	a.shared = !a.Own && isOnPolicy
	if a.HeadOnly && !a.shared {
		return errors.New("tlm: HeadOnly needs a P_B head on the forward policy's trunk (an onpolicy forward algorithm, Own false)")
	}
	if a.shared {
		if op.Policy.PB == policy.SeparatePB {
			return errors.New("tlm: the forward policy has a separate P_B network; use Own for a network of TLM's own")
		}
		op.Policy.PB = policy.TiedPB
	}
	if err := user.SetBackward(&a.frozen); err != nil {
		return err
	}
	var target gfn.Backward
	if a.shared {
		if err := a.Forward.Init(env, rng); err != nil {
			return err
		}
		pol := op.Trained()
		a.pol = pol
		a.pb, a.pbOnly = pol.LearnedBackward(), pol.BackwardParams()
		a.params = a.pbOnly
		if !a.HeadOnly {
			a.params = append(append([]*autograd.Node(nil), a.pbOnly...), pol.TrunkParams()...)
		}
		// The target is a copy of the whole policy; only its trunk and P_B
		// head are read (and averaged).
		cfg := op.Policy
		cfg.Backward = nil
		if net := pol.Network(); net != nil {
			cfg.Network = policy.CloneNetwork(net)
		}
		tp, err := policy.New(env, cfg, rand.New(rand.NewPCG(0, 0)))
		if err != nil {
			return err
		}
		nn.CopyValues(tp.Params(), pol.Params())
		target = tp.LearnedBackward()
		a.avgSrc = append(append([]*autograd.Node(nil), pol.BackwardParams()...), pol.TrunkParams()...)
		a.touched = pol.Params()
		a.tparams = append(append([]*autograd.Node(nil), tp.BackwardParams()...), tp.TrunkParams()...)
	} else {
		hidden := a.Hidden
		if hidden == nil {
			hidden = []int{256, 256}
		}
		net, err := policy.NewBackwardNet(env, hidden, nn.ReLU, nil, rng)
		if err != nil {
			return err
		}
		if err := a.Forward.Init(env, rng); err != nil {
			return err
		}
		cp := net.Copy()
		a.pb, a.pbOnly, a.params, a.touched = net, net.Params(), net.Params(), net.Params()
		target = cp
		a.avgSrc, a.tparams = net.Params(), cp.Params()
	}
	a.frozen.PB = target
	a.opt = &optim.Adam{Params: a.params, LR: a.LR, Schedule: optim.ExpDecay{Gamma: a.Gamma}}
	a.scorer = gfn.BackwardScorer{Env: env, PB: a.pb}
	a.uniform = gfn.BackwardScorer{Env: env}
	a.past = make([]gfn.Batch, a.Past)
	a.ready = true
	return nil
}

// Model returns the forward algorithm's model.
func (a *Algorithm) Model() gfn.Evaluator { return a.Forward.Model() }

// Actor returns the forward algorithm's actor.
func (a *Algorithm) Actor() gfn.Actor { return a.Forward.Actor() }

// LogZ returns the forward algorithm's estimate of log Z, or NaN.
func (a *Algorithm) LogZ() float64 {
	if lp, ok := a.Forward.(train.LogPartitioner); ok {
		return lp.LogZ()
	}
	return math.NaN()
}

// Backward returns the backward policy being trained (with gradients into
// its parameters), and Target its moving average, which the forward
// algorithm uses.
func (a *Algorithm) Backward() gfn.Backward { return a.pb }

// Target returns P̄_B, the moving average of the trained P_B.
func (a *Algorithm) Target() gfn.Backward { return a.frozen.PB }

// Step runs one iteration: the forward algorithm samples into dst, the
// backward step trains P_B and updates P̄_B, and the forward algorithm learns
// with P̄_B (or, with ForwardFirst, learns before the backward step). The
// returned StepInfo has the backward loss in BackwardLoss and the mean
// |log P_B − log P_B uniform| over the batch's transitions in BackwardGap.
// A gfn.ErrNonFinite of the second step comes after the first has updated
// its parameters with a finite loss; the second's are left as they were.
func (a *Algorithm) Step(it int, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	if err := a.Sample(it, dst, rng); err != nil {
		return train.StepInfo{Loss: math.NaN(), GradNorm: math.NaN()}, err
	}
	return a.Learn(it, dst, rng)
}

// Sample samples iteration it's trajectories with the forward algorithm.
func (a *Algorithm) Sample(it int, dst *gfn.Batch, rng *rand.Rand) error {
	return a.fwd.Sample(it, dst, rng)
}

// Learn runs the backward step and the forward algorithm's learning, in the
// configured order.
func (a *Algorithm) Learn(it int, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	if a.ForwardFirst {
		info, err := a.fwd.Learn(it, dst, rng)
		if err != nil {
			return info, err
		}
		return a.backward(info, dst, rng)
	}
	info, err := a.backward(train.StepInfo{}, dst, rng)
	if err != nil {
		return info, err
	}
	bl, gap := info.BackwardLoss, info.BackwardGap
	info, err = a.fwd.Learn(it, dst, rng)
	info.BackwardLoss, info.BackwardGap = bl, gap
	return info, err
}

// backward takes the backward step on dst or a past batch, updates P̄_B and
// records the batch. It fills info's backward fields.
func (a *Algorithm) backward(info train.StepInfo, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	b := dst
	if a.Past > 0 {
		a.past[a.npast%a.Past].CopyFrom(dst)
		a.npast++
		b = &a.past[rng.IntN(min(a.npast, a.Past))]
	}
	if a.pol != nil { // dropout in a shared trunk
		a.pol.SetTraining(rng)
		defer a.pol.SetTraining(nil)
	}
	t := &a.tape
	t.Reset()
	logPB := a.scorer.Batch(t, b) // [M×1], 0 on exit edges
	m := b.M()
	info.BackwardGap = a.gap(logPB, b)
	scale := -1.0
	switch a.Norm {
	case PerTrajectory:
		scale /= float64(b.N * a.env.Spec().MaxLen)
	case PerTransition:
		scale /= float64(max(m, 1))
	}
	loss := t.Scale(scale, t.Sum(logPB))
	info.BackwardLoss = loss.Scalar()
	if math.IsNaN(info.BackwardLoss) || math.IsInf(info.BackwardLoss, 0) {
		autograd.ZeroGrad(a.params...)
		return info, gfn.ErrNonFinite{Loss: info.BackwardLoss, Where: "backward loss"}
	}
	t.Backward(loss)
	a.opt.Step()
	// The pass through a shared trunk also left gradients in the forward
	// policy's parameters that the step did not train (the trunk with
	// HeadOnly, the other heads): they are not the forward loss's.
	autograd.ZeroGrad(a.touched...)
	optim.Polyak(a.tparams, a.avgSrc, a.Tau)
	return info, nil
}

// gap returns the mean |log P_B − log P_B uniform| over the non-exit
// transitions of b, from the recorded log P_B.
func (a *Algorithm) gap(logPB *autograd.Node, b *gfn.Batch) float64 {
	m := b.M()
	u := a.uniform.Batch(&a.tape, b).Value.RawMatrix().Data
	v := logPB.Value.RawMatrix().Data
	var sum float64
	k := 0
	for j := 0; j < m; j++ {
		if !b.Exit[j] {
			sum += math.Abs(v[j] - u[j])
			k++
		}
	}
	if k == 0 {
		return 0
	}
	return sum / float64(k)
}

// Settings lists the configuration a checkpoint must match: TLM's, then the
// forward algorithm's with the prefix "forward.".
func (a *Algorithm) Settings() []gfn.Setting {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	s := []gfn.Setting{
		{Key: "algorithm", Value: "tlm"},
		{Key: "tlm.shared", Value: strconv.FormatBool(a.shared)},
		{Key: "tlm.hidden", Value: fmt.Sprint(a.Hidden)},
		{Key: "tlm.head_only", Value: strconv.FormatBool(a.HeadOnly)},
		{Key: "tlm.lr", Value: f(a.LR)},
		{Key: "tlm.gamma", Value: f(a.Gamma)},
		{Key: "tlm.tau", Value: f(a.Tau)},
		{Key: "tlm.past", Value: strconv.Itoa(a.Past)},
		{Key: "tlm.forward_first", Value: strconv.FormatBool(a.ForwardFirst)},
		{Key: "tlm.norm", Value: a.Norm.String()},
	}
	if c, ok := a.Forward.(train.Checkpointer); ok {
		for _, fs := range c.Settings() {
			s = append(s, gfn.Setting{Key: "forward." + fs.Key, Value: fs.Value})
		}
	}
	return s
}

// MarshalBinary encodes the forward algorithm's state, P_B's own network
// (when it is TLM's), the target, the backward optimizer and the past
// batches.
func (a *Algorithm) MarshalBinary() ([]byte, error) {
	c, ok := a.Forward.(train.Checkpointer)
	if !ok {
		return nil, fmt.Errorf("tlm: the forward algorithm %T cannot be checkpointed", a.Forward)
	}
	fs, err := c.MarshalBinary()
	if err != nil {
		return nil, err
	}
	e := wire.AppendBytes(nil, fs)
	var ps bytes.Buffer
	if err := nn.WriteParams(&ps, a.ownParams()); err != nil {
		return nil, err
	}
	e = wire.AppendBytes(e, ps.Bytes())
	opt, err := a.opt.MarshalBinary()
	if err != nil {
		return nil, err
	}
	e = wire.AppendBytes(e, opt)
	e = wire.AppendInt(e, a.npast)
	for i := 0; i < min(a.npast, a.Past); i++ {
		b, err := a.past[i].MarshalBinary()
		if err != nil {
			return nil, err
		}
		e = wire.AppendBytes(e, b)
	}
	return e, nil
}

// ownParams returns the parameters TLM holds that the forward algorithm does
// not save: P_B's own network, when it has one, and the target's.
func (a *Algorithm) ownParams() []*autograd.Node {
	if a.shared {
		return a.tparams
	}
	return append(append([]*autograd.Node(nil), a.params...), a.tparams...)
}

// UnmarshalBinary restores what MarshalBinary encoded; on error the
// algorithm is unchanged.
func (a *Algorithm) UnmarshalBinary(data []byte) error {
	c, ok := a.Forward.(train.Checkpointer)
	if !ok {
		return fmt.Errorf("tlm: the forward algorithm %T cannot be checkpointed", a.Forward)
	}
	d := wire.NewDecoder(data)
	fs, ps, opt := d.Bytes(len(data)), d.Bytes(len(data)), d.Bytes(len(data))
	npast := d.Int()
	if d.Err() == nil && (npast < 0 || (a.Past == 0 && npast != 0)) {
		return fmt.Errorf("tlm: %d past batches", npast)
	}
	past := make([]gfn.Batch, min(max(npast, 0), a.Past))
	for i := range past {
		if b := d.Bytes(len(data)); d.Err() == nil {
			if err := past[i].UnmarshalBinary(b); err != nil {
				d.Fail(err)
			} else if err := past[i].Validate(a.env); err != nil {
				d.Fail(err)
			}
		}
	}
	if err := d.Done(); err != nil {
		return fmt.Errorf("tlm: %v", err)
	}
	own := a.ownParams()
	copies := make([]*autograd.Node, len(own))
	for i, p := range own {
		r, cc := p.Dims()
		copies[i] = autograd.NewParam(mat.NewDense(r, cc, nil))
	}
	if err := nn.ReadParams(bytes.NewReader(ps), copies); err != nil {
		return fmt.Errorf("tlm: %v", err)
	}
	if err := (&optim.Adam{Params: a.params, Schedule: a.opt.Schedule}).UnmarshalBinary(opt); err != nil {
		return fmt.Errorf("tlm: %v", err)
	}
	if err := c.UnmarshalBinary(fs); err != nil {
		return err
	}
	nn.CopyValues(own, copies)
	if err := a.opt.UnmarshalBinary(opt); err != nil {
		return fmt.Errorf("tlm: %v", err) // cannot happen: the same state was read above
	}
	a.npast = npast
	for i := range past {
		a.past[i].CopyFrom(&past[i])
	}
	return nil
}

// LearnedBackward returns the trained P_B (train.BackwardLearner).
func (a *Algorithm) LearnedBackward() gfn.Backward { return a.pb }

// WriteModel writes the forward algorithm's model file (train.ModelWriter):
// the model that samples. With a P_B head on the forward policy's trunk the
// file holds it, as the policy's learned backward policy.
func (a *Algorithm) WriteModel(w io.Writer, provenance []gfn.Setting) error {
	mw, ok := a.Forward.(train.ModelWriter)
	if !ok {
		return fmt.Errorf("tlm: the forward algorithm %T cannot write a model file", a.Forward)
	}
	return mw.WriteModel(w, provenance)
}

// ModelParams returns the forward algorithm's model parameters
// (train.Averageable), or nil if it has none to average.
func (a *Algorithm) ModelParams() []*autograd.Node {
	if m, ok := a.Forward.(train.Averageable); ok {
		return m.ModelParams()
	}
	return nil
}
