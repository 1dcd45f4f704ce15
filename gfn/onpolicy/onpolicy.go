package onpolicy

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/wire"
	"github.com/gogfn/gogfn/internal/zero"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

var (
	_ train.Checkpointer    = (*Algorithm)(nil)
	_ train.Phased          = (*Algorithm)(nil)
	_ train.BackwardLearner = (*Algorithm)(nil)
	_ train.BackwardUser    = (*Algorithm)(nil)
)

// Algorithm trains a policy.Policy by minimising a gfn.Objective on the
// trajectories it samples: each iteration samples Trajectories trajectories
// with the behaviour policy (the model with ε-uniform and temperature
// exploration), computes the objective from the forward passes recorded while
// sampling, back-propagates and takes an Adam step. Its zero fields are the
// settings of the papers' hypergrid runs.
//
// The policy gets a flow head when the objective needs one (gfn.Needs), and a
// learned P_B has an Adam optimizer of its own.
type Algorithm struct {
	// Objective is the loss; required (objective.NewTB(), &objective.DB{}, …).
	Objective gfn.Objective
	// Policy configures the model (nil Hidden is 256×256). A flow head is added
	// when the objective needs one.
	Policy policy.Config
	// Trajectories is the number of trajectories per iteration; 0 means 16.
	Trajectories int
	// LR is the learning rate of the policy; 0 means 1e-3.
	LR float64
	// ObjectiveLR is the learning rate of the objective's parameters (TB's
	// log Z); 0 means 0.1.
	ObjectiveLR float64
	// BackwardLR is the learning rate of a learned P_B; 0 means LR.
	BackwardLR float64
	// WeightDecay is Adam's decoupled weight decay of the policy; 0 means none.
	WeightDecay float64
	// Epsilon and Temperature shape the behaviour policy (see policy.Actor).
	Epsilon, Temperature float64
	// ClipNorm clips the global gradient norm; 0 means no clipping.
	ClipNorm float64
	// ReplayBatches, when positive, keeps the last ReplayBatches batches; each
	// iteration then also scores one of them drawn uniformly (with
	// Policy.Score) and trains on the mean of both losses.
	ReplayBatches int
	// Recompute samples without recording and then scores the batch in one
	// batched forward pass (Policy.Score), instead of back-propagating through
	// the per-step passes recorded while sampling. It costs one more forward
	// pass, but the backward pass then runs on [M×hidden] products instead of
	// one small product per step. On the hypergrid the recorded passes are
	// faster (BenchmarkTrainHypergrid); Recompute may pay off for policies
	// whose per-step products are too small to run efficiently. The
	// trajectories drawn are the same; losses agree up to rounding.
	Recompute bool
	// Workers splits each iteration's trajectories among this many goroutines
	// (at most Trajectories), each sampling and back-propagating its part on
	// its own tape; their gradients are combined exactly (gfn.Splittable), so
	// a step computes the same loss and gradient as one goroutine would on
	// the same trajectories. The trajectories themselves differ with the
	// number of workers (each has its own random stream, drawn from the
	// iteration's), so a run is reproducible for a given Workers. It needs a
	// Splittable objective, no ReplayBatches, and an environment whose
	// methods are safe for concurrent use (they are called from several
	// goroutines at once). A panic in a worker is returned by Step as an
	// error. 0 or 1 means one goroutine. It pays with enough work per
	// iteration: on a 2-vCPU machine, TB on the 8×8 hypergrid with two
	// workers ran at 0.84× the speed of one with 16 trajectories, 1.27× with
	// 64 and 1.9× with 256.
	Workers int

	env     gfn.Env
	pol     *policy.Policy
	sampler policy.Sampler
	infer   policy.Actor
	opt     *optim.Adam // the policy, flow head and the objective's parameters
	backOpt *optim.Adam // a learned P_B, or nil
	params  []*autograd.Node
	tape    autograd.Tape
	replay  []gfn.Batch
	nrep    int // batches stored in replay
	rs, ss  gfn.Scores
	workers []*worker // Workers > 1
	parts   []*gfn.Batch
	ready   bool
}

// validate returns an error naming the first invalid field.
func (a *Algorithm) validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	for _, f := range []struct {
		name string
		v    float64
	}{{"LR", a.LR}, {"ObjectiveLR", a.ObjectiveLR}, {"BackwardLR", a.BackwardLR}, {"WeightDecay", a.WeightDecay},
		{"Temperature", a.Temperature}, {"ClipNorm", a.ClipNorm}} {
		if !finite(f.v) || f.v < 0 {
			return fmt.Errorf("onpolicy: %s is %v, want a finite value ≥ 0 (0 for the default)", f.name, f.v)
		}
	}
	switch {
	case a.Objective == nil:
		return errors.New("onpolicy: Objective is nil")
	case !(a.Epsilon >= 0 && a.Epsilon <= 1):
		return fmt.Errorf("onpolicy: Epsilon is %v, want a probability in [0, 1]", a.Epsilon)
	case a.Trajectories < 0:
		return fmt.Errorf("onpolicy: Trajectories is %d, want ≥ 0 (0 for 16)", a.Trajectories)
	case a.ReplayBatches < 0:
		return fmt.Errorf("onpolicy: ReplayBatches is %d, want ≥ 0", a.ReplayBatches)
	case a.Workers < 0:
		return fmt.Errorf("onpolicy: Workers is %d, want ≥ 0", a.Workers)
	}
	return a.Policy.Validate()
}

// Init checks the configuration, fills in the defaults and builds the policy
// (weights from rng) and its optimizers. It returns an error if a field is
// invalid, the environment cannot be trained, or the objective needs what
// the environment lacks (parents, an exit action).
func (a *Algorithm) Init(env gfn.Env, rng *rand.Rand) error {
	if a.ready {
		return errors.New("onpolicy: Init called twice")
	}
	if err := a.validate(); err != nil {
		return err
	}
	if err := gfn.CheckEnv(env); err != nil {
		return err
	}
	needs := a.Objective.Needs()
	if _, ok := env.(gfn.Reversible); needs.Parents && !ok {
		return fmt.Errorf("onpolicy: %T needs the parents of states: a Reversible environment", a.Objective)
	}
	if needs.Exit && !env.Spec().Exit {
		return fmt.Errorf("onpolicy: %T needs an environment with an exit action", a.Objective)
	}
	a.Trajectories = zero.Or(a.Trajectories, 16)
	a.LR = zero.Or(a.LR, 1e-3)
	a.ObjectiveLR = zero.Or(a.ObjectiveLR, 0.1)
	a.BackwardLR = zero.Or(a.BackwardLR, a.LR)
	a.Temperature = zero.Or(a.Temperature, 1)
	a.Policy.Flow = a.Policy.Flow || needs.Flow
	pol, err := policy.New(env, a.Policy, rng)
	if err != nil {
		return err
	}
	a.env, a.pol = env, pol
	a.sampler = policy.Sampler{Policy: pol, Epsilon: a.Epsilon, Temperature: a.Temperature, StateRewards: needs.Exit}
	a.infer = policy.Actor{Policy: pol}
	a.opt = &optim.Adam{Params: pol.ForwardParams(), LR: a.LR, WeightDecay: a.WeightDecay}
	if ps := a.Objective.Params(); len(ps) > 0 {
		a.opt.Groups = []optim.Group{{Params: ps, LR: a.ObjectiveLR}}
	}
	a.params = append(pol.Params(), a.Objective.Params()...)
	if bp := pol.BackwardParams(); len(bp) > 0 && a.Policy.Backward == nil {
		a.backOpt = &optim.Adam{Params: bp, LR: a.BackwardLR}
	}
	a.replay = make([]gfn.Batch, a.ReplayBatches)
	if err := a.newWorkers(); err != nil {
		return err
	}
	a.ready = true
	return nil
}

// Policy returns the trained model (nil before Init).
func (a *Algorithm) Model() gfn.Evaluator { return a.pol }

// Trained returns the policy being trained (nil before Init).
func (a *Algorithm) Trained() *policy.Policy { return a.pol }

// Actor returns the policy without exploration, for sampling.
func (a *Algorithm) Actor() gfn.Actor { return &a.infer }

// Optimizers returns the optimizer of the policy, the flow head and the
// objective's parameters, and that of a learned P_B (nil without one).
func (a *Algorithm) Optimizers() (forward, backward *optim.Adam) { return a.opt, a.backOpt }

// LogZ returns the model's estimate of log Z: the objective's learned log Z
// (gfn.LogPartitioner), else log F(s₀) of the flow head, else NaN.
func (a *Algorithm) LogZ() float64 {
	if lp, ok := a.Objective.(gfn.LogPartitioner); ok {
		return lp.LogPartition()
	}
	return a.pol.LogZ()
}

// Step runs one training iteration: it samples a.Trajectories trajectories
// into dst with rng, computes the loss, back-propagates and steps the
// optimizers. If the loss or the gradient is not finite it returns a
// gfn.ErrNonFinite and leaves the parameters as they were.
func (a *Algorithm) Step(it int, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	if len(a.workers) > 0 {
		info := train.StepInfo{Loss: math.NaN(), GradNorm: math.NaN()}
		lv, err := a.stepWorkers(dst, rng)
		if err != nil {
			return info, err
		}
		return a.finish(info, nil, lv)
	}
	if err := a.Sample(it, dst, rng); err != nil {
		return train.StepInfo{Loss: math.NaN(), GradNorm: math.NaN()}, err
	}
	return a.Learn(it, dst, rng)
}

// Sample samples iteration it's trajectories into dst with rng, recording
// the forward passes for Learn (or, with Recompute, without recording).
//
// It panics with Workers, which sample and learn together.
func (a *Algorithm) Sample(it int, dst *gfn.Batch, rng *rand.Rand) error {
	if len(a.workers) > 0 {
		panic("onpolicy: Sample with Workers")
	}
	a.tape.Reset()
	a.sampler.Rand = rng
	a.pol.SetTraining(rng) // until the end of Learn
	var err error
	if a.Recompute {
		err = a.sampler.Sample(dst, a.Trajectories)
	} else {
		err = a.sampler.Record(dst, &a.tape, a.Trajectories)
	}
	if err != nil {
		a.pol.SetTraining(nil)
	}
	return err
}

// Learn computes the loss of the batch Sample left in dst (scoring it now,
// so that a backward policy updated since Sample is the one used), back-
// propagates and steps the optimizers.
func (a *Algorithm) Learn(it int, dst *gfn.Batch, rng *rand.Rand) (train.StepInfo, error) {
	info := train.StepInfo{Loss: math.NaN(), GradNorm: math.NaN()}
	a.pol.SetTraining(rng)
	defer a.pol.SetTraining(nil)
	t := &a.tape
	var sc *gfn.Scores
	if a.Recompute {
		sc = a.pol.Score(&a.ss, t, dst)
	} else {
		sc = a.sampler.Scores(t, dst)
	}
	loss := a.Objective.Loss(t, dst, sc)
	if a.nrep > 0 {
		rb := &a.replay[rng.IntN(a.nrep)]
		rl := a.Objective.Loss(t, rb, a.pol.Score(&a.rs, t, rb))
		loss = t.Scale(0.5, t.Add(loss, rl))
	}
	if len(a.replay) > 0 {
		a.replay[it%len(a.replay)].CopyFrom(dst)
		a.nrep = min(a.nrep+1, len(a.replay))
	}
	return a.finish(info, loss, loss.Scalar())
}

// SetBackward makes pb the backward policy that scores transitions, before
// Init (Policy.Backward). A learned P_B of the policy is then trained by
// whoever owns pb, not by this algorithm.
func (a *Algorithm) SetBackward(pb gfn.Backward) error {
	if a.ready {
		return errors.New("onpolicy: SetBackward after Init")
	}
	a.Policy.Backward = pb
	return nil
}

// finish back-propagates loss (nil when the gradient is already in place),
// whose value is lv, clips and steps the optimizers.
func (a *Algorithm) finish(info train.StepInfo, loss *autograd.Node, lv float64) (train.StepInfo, error) {
	info.Loss = lv
	if math.IsNaN(lv) || math.IsInf(lv, 0) {
		autograd.ZeroGrad(a.params...)
		return info, gfn.ErrNonFinite{Loss: lv, Where: "loss"}
	}
	if loss != nil {
		a.tape.Backward(loss)
	}
	maxNorm := a.ClipNorm
	if maxNorm == 0 {
		maxNorm = math.Inf(1)
	}
	info.GradNorm = optim.ClipGradNorm(a.params, maxNorm)
	if math.IsNaN(info.GradNorm) || math.IsInf(info.GradNorm, 0) {
		autograd.ZeroGrad(a.params...)
		return info, gfn.ErrNonFinite{Loss: lv, Where: "gradient"}
	}
	a.opt.Step()
	if a.backOpt != nil {
		a.backOpt.Step()
	}
	return info, nil
}

// Settings lists the configuration a checkpoint must match.
func (a *Algorithm) Settings() []gfn.Setting {
	s := []gfn.Setting{
		{Key: "algorithm", Value: "onpolicy"},
		{Key: "objective", Value: fmt.Sprintf("%T", a.Objective)},
	}
	if d, ok := a.Objective.(gfn.Describer); ok {
		for _, o := range d.Describe() {
			s = append(s, gfn.Setting{Key: "objective." + o.Key, Value: o.Value})
		}
	}
	s = append(s, policySettings(&a.Policy)...)
	for _, f := range []struct {
		k string
		v float64
	}{{"lr", a.LR}, {"lr_objective", a.ObjectiveLR}, {"lr_backward", a.BackwardLR}, {"weight_decay", a.WeightDecay},
		{"epsilon", a.Epsilon}, {"temperature", a.Temperature}, {"clip_norm", a.ClipNorm}} {
		s = append(s, gfn.Setting{Key: f.k, Value: strconv.FormatFloat(f.v, 'g', -1, 64)})
	}
	for _, f := range []struct {
		k string
		v int
	}{{"trajectories", a.Trajectories}, {"replay_batches", a.ReplayBatches}, {"workers", max(a.Workers, 1)}} {
		s = append(s, gfn.Setting{Key: f.k, Value: strconv.Itoa(f.v)})
	}
	return append(s, gfn.Setting{Key: "recompute", Value: strconv.FormatBool(a.Recompute)})
}

// policySettings lists a policy's architecture.
func policySettings(c *policy.Config) []gfn.Setting {
	hidden := c.Hidden
	if hidden == nil {
		hidden = []int{256, 256}
	}
	pb := "uniform"
	if c.Backward != nil {
		pb = fmt.Sprintf("%T", c.Backward)
	}
	if c.PB != policy.FixedPB {
		pb = c.PB.String()
	}
	init := "torch"
	if c.Init != nil {
		init = "custom"
	}
	return []gfn.Setting{
		{Key: "policy.hidden", Value: fmt.Sprint(hidden)},
		{Key: "policy.activation", Value: c.Act.String()},
		{Key: "policy.backward", Value: pb},
		{Key: "policy.flow", Value: strconv.FormatBool(c.Flow)},
		{Key: "policy.init", Value: init},
	}
}

// MarshalBinary encodes the parameters (policy, then objective), the
// optimizers' states and the replayed batches.
func (a *Algorithm) MarshalBinary() ([]byte, error) {
	var ps bytes.Buffer
	if err := nn.WriteParams(&ps, a.params); err != nil {
		return nil, err
	}
	e := wire.AppendBytes(nil, ps.Bytes())
	for _, o := range []*optim.Adam{a.opt, a.backOpt} {
		var b []byte
		if o != nil {
			var err error
			if b, err = o.MarshalBinary(); err != nil {
				return nil, err
			}
		}
		e = wire.AppendBytes(e, b)
	}
	e = wire.AppendInt(e, a.nrep)
	for i := 0; i < a.nrep; i++ {
		b, err := a.replay[i].MarshalBinary()
		if err != nil {
			return nil, err
		}
		e = wire.AppendBytes(e, b)
	}
	return e, nil
}

// UnmarshalBinary restores what MarshalBinary encoded. Every value is checked
// first (parameter shapes and checksum, optimizer states, replayed batches
// replayed through the environment); on error the algorithm is unchanged.
func (a *Algorithm) UnmarshalBinary(data []byte) error {
	d := wire.NewDecoder(data)
	params := d.Bytes(len(data))
	opt, back := d.Bytes(len(data)), d.Bytes(len(data))
	nrep := d.Count(1, len(a.replay))
	replay := make([]gfn.Batch, nrep)
	for i := range replay {
		if b := d.Bytes(len(data)); d.Err() == nil {
			if err := replay[i].UnmarshalBinary(b); err != nil {
				d.Fail(err)
			} else if err := replay[i].Validate(a.env); err != nil {
				d.Fail(err)
			}
		}
	}
	if err := d.Done(); err != nil {
		return fmt.Errorf("onpolicy: %v", err)
	}
	if (len(back) > 0) != (a.backOpt != nil) {
		return errors.New("onpolicy: the state's backward optimizer does not match the algorithm's")
	}
	// Apply, undoing what was applied if a later part does not fit.
	var undo bytes.Buffer
	if err := nn.WriteParams(&undo, a.params); err != nil {
		return err
	}
	optUndo, _ := a.opt.MarshalBinary()
	var backUndo []byte
	if a.backOpt != nil {
		backUndo, _ = a.backOpt.MarshalBinary()
	}
	if err := nn.ReadParams(bytes.NewReader(params), a.params); err != nil {
		return fmt.Errorf("onpolicy: %v", err)
	}
	restore := func(err error) error {
		nn.ReadParams(bytes.NewReader(undo.Bytes()), a.params)
		a.opt.UnmarshalBinary(optUndo)
		if a.backOpt != nil {
			a.backOpt.UnmarshalBinary(backUndo)
		}
		return fmt.Errorf("onpolicy: %v", err)
	}
	if err := a.opt.UnmarshalBinary(opt); err != nil {
		return restore(err)
	}
	if a.backOpt != nil {
		if err := a.backOpt.UnmarshalBinary(back); err != nil {
			return restore(err)
		}
	}
	a.nrep = nrep
	for i := range replay {
		a.replay[i].CopyFrom(&replay[i])
	}
	return nil
}

// ModelParams returns the parameters of the model, the policy's then the
// objective's (train.Averageable): the same as Params.
func (a *Algorithm) ModelParams() []*autograd.Node { return a.Params() }

// Params returns every parameter the algorithm trains: the policy's, then the
// objective's.
func (a *Algorithm) Params() []*autograd.Node { return slices.Clone(a.params) }

// LearnedBackward returns the policy's learned P_B (TiedPB, SeparatePB), or
// nil (train.BackwardLearner).
func (a *Algorithm) LearnedBackward() gfn.Backward { return a.pol.LearnedBackward() }
