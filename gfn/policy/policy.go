package policy

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/internal/scratch"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/nn"
)

// PBKind says how a Policy models the backward policy P_B.
type PBKind int

const (
	// FixedPB is a backward policy the policy does not train: Config.Backward,
	// or the uniform P_B over parents when that is nil. The zero value.
	FixedPB PBKind = iota
	// TiedPB is a learned head on the forward policy's trunk, initialised to
	// zero so that P_B starts uniform (torchgfn's "tied" estimators).
	TiedPB
	// SeparatePB is a learned network of its own, with the forward trunk's
	// widths and a zero-initialised last layer.
	SeparatePB
)

// String returns "fixed", "tied" or "separate".
func (k PBKind) String() string {
	switch k {
	case FixedPB:
		return "fixed"
	case TiedPB:
		return "tied"
	case SeparatePB:
		return "separate"
	}
	return fmt.Sprintf("PBKind(%d)", int(k))
}

// Config configures New. The zero value is a forward policy with two hidden
// layers of 256 ReLU units, a uniform P_B and no flow head.
type Config struct {
	// Hidden are the widths of the hidden layers; nil means {256, 256}.
	Hidden []int
	// Act is the activation between layers; the zero value is ReLU.
	Act nn.Activation
	// PB chooses how P_B is modelled; the zero value is FixedPB.
	PB PBKind
	// Backward is the backward policy that scores transitions, when it is not
	// the policy's own learned one: nil means uniform over the parents
	// (gfn.Uniform; P_B = 1 in a Tree) for FixedPB and the learned head or
	// network otherwise; any gfn.Backward (gfn.Fixed, gfn.MaxEnt, a policy
	// trained elsewhere) replaces it. With a learned P_B and Backward set,
	// the learned head exists but does not score: whoever owns it trains it
	// (TLM trains a tied head and scores with its frozen copy).
	Backward gfn.Backward
	// Flow adds a log-flow head log F(s), for the objectives that need one
	// (DB, SubTB, FM).
	Flow bool
	// Init draws the initial weights of every layer, with zero biases; nil
	// means PyTorch's default for nn.Linear (weights and biases from
	// U(±1/√fanIn), nn.InitTorch), the initialisation of the papers' reference
	// code. It matters: on the 8×8 hypergrid, TB from this initialisation ends
	// 2,000 iterations at exact L1 ≈ 0.008 (three seeds), where He
	// initialisation, with weights 2.4× larger, wanders between 0.01 and 0.15.
	Init nn.Init
	// Network replaces the MLP: nil means the MLP above. Another network
	// (such as envs/bitseq.Transformer) must have the heads PB and Flow ask
	// for; Hidden, Act and Init do not apply to it, and PB cannot be
	// SeparatePB. The Policy owns it from then on.
	Network Network
}

// Validate returns an error naming the first invalid field of c.
func (c *Config) Validate() error {
	for _, h := range c.Hidden {
		if h < 1 {
			return fmt.Errorf("policy: Config.Hidden has width %d, want positive widths", h)
		}
	}
	if c.Hidden != nil && len(c.Hidden) == 0 {
		return errors.New("policy: Config.Hidden is empty; use nil for the default 256, 256")
	}
	switch c.PB {
	case FixedPB, TiedPB, SeparatePB:
	default:
		return fmt.Errorf("policy: unknown Config.PB %d", int(c.PB))
	}
	if !c.Act.Valid() {
		return fmt.Errorf("policy: unknown Config.Act %d", int(c.Act))
	}
	if c.Network != nil {
		switch {
		case c.PB == SeparatePB:
			return fmt.Errorf("policy: Config.PB separate needs the MLP network, not %T", c.Network)
		case c.Hidden != nil || c.Act != nn.ReLU || c.Init != nil:
			return fmt.Errorf("policy: Config.Hidden, Act and Init apply to the MLP network, not %T", c.Network)
		}
	}
	return nil
}

// Policy is a GFlowNet model over an environment: forward logits from an MLP
// (or another Network), turned into P_F by a log-softmax over the valid
// actions, a backward policy (fixed, or learned with its own parameters) and
// an optional log-flow head. It implements gfn.Evaluator. For an environment
// that is a OneHotEncoder, the MLP's first layer is a gather of weight rows
// instead of a product.
//
// A Policy keeps scratch buffers: it is not safe for concurrent use.
type Policy struct {
	Env  gfn.Env
	Spec gfn.Spec
	// Net holds the MLP's trunk and heads: head 0 gives the forward logits
	// [n×A]; with TiedPB the next head gives backward logits [n×NumBackward];
	// with a flow head the last gives log F [n×1]. It is nil when the policy
	// has another Network.
	Net *nn.Heads
	// BackwardNet is the backward policy's own network (SeparatePB), or nil.
	BackwardNet *BackwardNet
	// PB is as in Config.
	PB PBKind

	pbHead, flowHead int     // indices in Net.Heads, or −1
	net              Network // Config.Network, or nil for the MLP
	flow             bool    // there is a flow head
	rev              gfn.Reversible
	hot              gfn.OneHotEncoder
	backward         gfn.Backward // the P_B that scores transitions: Config.Backward, or nil
	learned          gfn.Backward // the learned P_B (a view of the head or the network), or nil
	scorer           gfn.BackwardScorer

	heads    []*autograd.Node
	idx      []int
	fmask    []bool
	bmask    []bool
	rows     []int
	st       []int // Score's source and target rows
	acts     []int
	sd, a, k int
}

var _ gfn.Evaluator = (*Policy)(nil)

// New returns a Policy for env with weights drawn from rng.
//
// It returns an error if env cannot be trained (gfn.CheckEnv), cfg is invalid,
// or a learned P_B is asked of an environment that is not Reversible.
func New(env gfn.Env, cfg Config, rng *rand.Rand) (*Policy, error) {
	if err := gfn.CheckEnv(env); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	spec := env.Spec()
	hidden := cfg.Hidden
	if hidden == nil {
		hidden = []int{256, 256}
	}
	rev, isRev := env.(gfn.Reversible)
	if cfg.PB != FixedPB && !isRev {
		return nil, fmt.Errorf("policy: a learned backward policy (%v) needs a Reversible environment", cfg.PB)
	}
	if cfg.Network != nil {
		if err := checkNetwork(cfg.Network, env, &cfg); err != nil {
			return nil, err
		}
		cfg.Network.SetTraining(nil)
		p := &Policy{Env: env, Spec: spec, PB: cfg.PB, pbHead: -1, flowHead: -1, net: cfg.Network,
			flow: cfg.Flow, rev: rev, sd: spec.StateDim, a: spec.NumActions}
		p.setBackward(cfg.Backward)
		return p, nil
	}
	trunk := append([]int{spec.InputDim}, hidden...)
	outs := []int{spec.NumActions}
	p := &Policy{Env: env, Spec: spec, PB: cfg.PB,
		pbHead: -1, flowHead: -1, rev: rev, sd: spec.StateDim, a: spec.NumActions}
	if cfg.PB == TiedPB {
		p.pbHead = len(outs)
		outs = append(outs, spec.NumBackward)
	}
	if cfg.Flow {
		p.flowHead = len(outs)
		outs = append(outs, 1)
	}
	p.flow = cfg.Flow
	p.Net = nn.NewHeads(trunk, outs, cfg.Act, rng)
	initLayers(cfg.Init, rng, append(p.Net.Trunk.Layers, p.Net.Heads...)...)
	p.heads = make([]*autograd.Node, len(outs))
	if p.pbHead >= 0 {
		zeroLayer(p.Net.Heads[p.pbHead])
	}
	if cfg.PB == SeparatePB {
		b, err := NewBackwardNet(env, hidden, cfg.Act, cfg.Init, rng)
		if err != nil {
			return nil, err
		}
		p.BackwardNet = b
	}
	if h, ok := env.(gfn.OneHotEncoder); ok && spec.OneHot > 0 {
		p.hot, p.k = h, spec.OneHot
	}
	p.setBackward(cfg.Backward)
	return p, nil
}

// setBackward sets the P_B module that scores transitions and the scorer
// that evaluates it.
func (p *Policy) setBackward(external gfn.Backward) {
	p.backward, p.learned = external, nil
	switch p.PB {
	case TiedPB:
		p.learned = learnedPB{p}
	case SeparatePB:
		p.learned = p.BackwardNet
	}
	p.scorer = gfn.BackwardScorer{Env: p.Env, PB: p.backward}
}

// ownScores reports whether the learned P_B scores transitions.
func (p *Policy) ownScores() bool { return p.learned != nil && p.backward == nil }

// initLayers redraws the layers' weights with init and zeroes their biases,
// or, for a nil init, draws both as PyTorch does (nn.InitTorch).
func initLayers(init nn.Init, rng *rand.Rand, layers ...*nn.Linear) {
	if init == nil {
		nn.InitTorch(rng, layers...)
		return
	}
	for _, l := range layers {
		init(l.W.Value, rng)
		l.B.Value.Zero()
	}
}

// zeroLayer zeroes a head's weights and bias, so that it starts uniform.
func zeroLayer(l *nn.Linear) {
	l.W.Value.Zero()
	l.B.Value.Zero()
}

// Params returns every trainable parameter: ForwardParams then BackwardParams.
func (p *Policy) Params() []*autograd.Node {
	return append(p.ForwardParams(), p.BackwardParams()...)
}

// ForwardParams returns the parameters of the forward policy and flow head,
// the shared trunk included.
func (p *Policy) ForwardParams() []*autograd.Node {
	if p.net != nil {
		return p.net.ForwardParams()
	}
	ps := p.Net.Trunk.Params()
	for i, h := range p.Net.Heads {
		if i != p.pbHead {
			ps = append(ps, h.Params()...)
		}
	}
	return ps
}

// BackwardParams returns the parameters that only the learned backward
// policy uses (its head with TiedPB, its network with SeparatePB), or nil, so
// that it can be trained by its own optimizer (or by TLM).
func (p *Policy) BackwardParams() []*autograd.Node {
	switch {
	case p.net != nil && p.PB == TiedPB:
		return p.net.BackwardParams()
	case p.pbHead >= 0:
		return p.Net.Heads[p.pbHead].Params()
	case p.BackwardNet != nil:
		return p.BackwardNet.Params()
	}
	return nil
}

// Learned reports whether P_B is learned (TiedPB or SeparatePB).
func (p *Policy) Learned() bool { return p.PB == TiedPB || p.PB == SeparatePB }

// HasFlow reports whether the policy has a log-flow head.
func (p *Policy) HasFlow() bool { return p.flow }

// Network returns the policy's Network, or nil for the MLP (Net).
func (p *Policy) Network() Network { return p.net }

// SetTraining switches the network into training mode, in which dropout
// draws its masks from rng, or, with nil, into evaluation mode, in which the
// policy is deterministic. A new Policy is in evaluation mode; the training
// algorithms switch it on for their steps only. The MLP has no dropout: for
// it, SetTraining does nothing.
func (p *Policy) SetTraining(rng *rand.Rand) {
	if p.net != nil {
		p.net.SetTraining(rng)
	}
}

// Backward returns the backward policy the policy scores transitions with:
// Config.Backward when set, else the learned one (a gfn.Backward that
// evaluates the policy's own head or network, with gradients into them), else
// nil for the uniform one.
func (p *Policy) Backward() gfn.Backward {
	if p.ownScores() {
		return p.learned
	}
	return p.backward
}

// LearnedBackward returns the policy's learned P_B (a view of its head or
// its own network, with gradients into them), whether or not it scores
// transitions, or nil without one.
func (p *Policy) LearnedBackward() gfn.Backward { return p.learned }

// TrunkParams returns the parameters of the shared trunk.
func (p *Policy) TrunkParams() []*autograd.Node {
	if p.net != nil {
		return p.net.TrunkParams()
	}
	return p.Net.Trunk.Params()
}

// forward records the networks on t for the n states stored flat in states:
// forward logits [n×A], backward logits [n×NumBackward] (nil unless P_B is
// learned) and log F [n×1] (nil without a flow head).
func (p *Policy) forward(t *autograd.Tape, states []int, n int) (logits, pb, logF *autograd.Node) {
	if p.net != nil {
		logits, pb, logF = p.net.Forward(t, states, n)
		if p.PB != TiedPB {
			pb = nil
		}
		if !p.flow {
			logF = nil
		}
		return logits, pb, logF
	}
	if p.hot != nil {
		p.idx = scratch.Resize(p.idx, n*p.k)
		for i := 0; i < n; i++ {
			p.hot.EncodeIndices(p.idx[i*p.k:i*p.k+p.k], states[i*p.sd:i*p.sd+p.sd])
		}
		p.heads = p.Net.ForwardEmbed(p.heads, t, p.idx, p.k)
		if p.BackwardNet != nil && p.ownScores() {
			pb = p.BackwardNet.Net.ForwardEmbed(t, p.idx, p.k)
		}
	} else {
		x := t.Input(n, p.Spec.InputDim)
		xv := x.Value.RawMatrix().Data
		w := p.Spec.InputDim
		for i := 0; i < n; i++ {
			p.Env.Encode(xv[i*w:i*w+w], states[i*p.sd:i*p.sd+p.sd])
		}
		p.heads = p.Net.Forward(p.heads, t, x)
		if p.BackwardNet != nil && p.ownScores() {
			pb = p.BackwardNet.Net.Forward(t, x)
		}
	}
	logits = p.heads[0]
	if p.pbHead >= 0 {
		pb = p.heads[p.pbHead]
	}
	if p.flowHead >= 0 {
		logF = p.heads[p.flowHead]
	}
	return logits, pb, logF
}

// forwardMasks fills p.fmask [n×A] with the forward masks of the n states;
// a row with no valid action (a terminal state without an exit action) is
// made all valid so that its log-softmax is defined.
func (p *Policy) forwardMasks(states []int, n int) []bool {
	p.fmask = scratch.Resize(p.fmask, n*p.a)
	for i := 0; i < n; i++ {
		row := p.fmask[i*p.a : i*p.a+p.a]
		p.Env.Mask(row, states[i*p.sd:i*p.sd+p.sd])
		if !slices.Contains(row, true) {
			for j := range row {
				row[j] = true
			}
		}
	}
	return p.fmask
}

// Evaluate records on t log P_F [n×A] (−Inf at invalid actions) and log F
// [n×1] (nil without a flow head) for the n states stored flat in states.
// Rows of states with no valid forward action hold the log-softmax over all
// actions, a finite placeholder.
//
// It panics if len(states) < n·StateDim.
func (p *Policy) Evaluate(t *autograd.Tape, states []int, n int) (logPF, logF *autograd.Node) {
	if len(states) < n*p.sd {
		panic(fmt.Sprintf("policy: Evaluate of %d states from %d integers", n, len(states)))
	}
	logits, _, logF := p.forward(t, states, n)
	return t.LogSoftmax(logits, p.forwardMasks(states, n)), logF
}

// LogZ returns log F(s₀) from the flow head, the model's estimate of log Z,
// or NaN without a flow head.
func (p *Policy) LogZ() float64 {
	if !p.flow {
		return math.NaN()
	}
	s0 := make(gfn.State, p.sd)
	p.Env.Start(s0)
	var t autograd.Tape
	_, logF := p.Evaluate(&t, s0, 1)
	return logF.Value.At(0, 0)
}

// learnedPB is the gfn.Backward view of a policy's tied P_B head.
type learnedPB struct{ p *Policy }

// LogProbs records log P_B(·|s) [n×NumBackward] of the head, −Inf at invalid
// actions; rows of states without parents hold a finite placeholder.
func (l learnedPB) LogProbs(t *autograd.Tape, states []int, n int) *autograd.Node {
	p := l.p
	_, pb, _ := p.forward(t, states, n)
	p.bmask = backwardMasks(p.bmask, p.rev, states, n)
	return t.LogSoftmax(pb, p.bmask)
}

// Replica returns a Policy for another goroutine: its parameters share p's
// values but have gradients of their own (in the order of Params), and its
// scratch buffers are its own, so that goroutines can sample and
// differentiate the same model at once and sum their gradients. A fixed P_B
// module is shared, a learned one is the replica's own view.
func (p *Policy) Replica() *Policy {
	q := &Policy{Env: p.Env, Spec: p.Spec, PB: p.PB, pbHead: p.pbHead, flowHead: p.flowHead,
		flow: p.flow, rev: p.rev, hot: p.hot, sd: p.sd, a: p.a, k: p.k}
	if p.net != nil {
		q.net = p.net.Replica()
		q.setBackward(p.backward)
		return q
	}
	q.Net = &nn.Heads{Trunk: shadowMLP(p.Net.Trunk), Heads: shadowLayers(p.Net.Heads)}
	if p.BackwardNet != nil {
		q.BackwardNet = &BackwardNet{Env: p.BackwardNet.Env, hot: p.BackwardNet.hot, Net: shadowMLP(p.BackwardNet.Net)}
	}
	q.heads = make([]*autograd.Node, len(p.heads))
	q.setBackward(p.backward)
	return q
}

func shadowLayers(ls []*nn.Linear) []*nn.Linear {
	out := make([]*nn.Linear, len(ls))
	for i, l := range ls {
		out[i] = &nn.Linear{W: autograd.NewParam(l.W.Value), B: autograd.NewParam(l.B.Value)}
	}
	return out
}

func shadowMLP(m *nn.MLP) *nn.MLP { return &nn.MLP{Layers: shadowLayers(m.Layers), Act: m.Act} }
