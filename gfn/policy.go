package gfn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
)

// BackwardKind says how a Policy models the backward policy P_B.
type BackwardKind int

const (
	// UniformPB is P_B(s|s') = 1/#parents(s'), the default. For an
	// environment that is not Reversible it assumes a tree: log P_B = 0.
	UniformPB BackwardKind = iota
	// FixedPB is a backward policy given by PolicyConfig.FixedLogPB (for
	// example the MaxEnt P_B of Mohammadpour et al. 2024).
	FixedPB
	// TiedPB is a learned head on the forward policy's trunk, initialised to
	// zero so that P_B starts uniform (torchgfn's "tied" estimators).
	TiedPB
	// SeparatePB is a learned network of its own, with the forward trunk's
	// widths and a zero-initialised last layer.
	SeparatePB
)

// String returns "uniform", "fixed", "tied" or "separate".
func (k BackwardKind) String() string {
	switch k {
	case UniformPB:
		return "uniform"
	case FixedPB:
		return "fixed"
	case TiedPB:
		return "tied"
	case SeparatePB:
		return "separate"
	}
	return fmt.Sprintf("BackwardKind(%d)", int(k))
}

// PolicyConfig configures NewPolicy. The zero value is a forward policy with
// two hidden layers of 256 ReLU units, a uniform P_B and no flow head.
type PolicyConfig struct {
	// Hidden are the widths of the hidden layers; nil means {256, 256}.
	Hidden []int
	// Act is the activation between layers; the zero value is ReLU.
	Act nn.Activation
	// Backward chooses the backward policy; the zero value is UniformPB.
	Backward BackwardKind
	// FixedLogPB writes into dst (length Spec.NumBackward) log P_B of every
	// backward action of s, −Inf at invalid ones. FixedPB requires it.
	FixedLogPB func(dst []float64, s State)
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
}

// Policy is a GFlowNet model over an environment: forward logits from an MLP,
// turned into P_F by a log-softmax over the valid actions, a backward policy
// (uniform, fixed or learned) and an optional log-flow head. It implements
// Evaluator. For an environment that is a OneHotEncoder, the first layer is a
// gather of weight rows instead of a product.
//
// A Policy keeps scratch buffers: it is not safe for concurrent use.
type Policy struct {
	Env  Env
	Spec Spec
	// Net holds the trunk and heads: head 0 gives the forward logits [n×A];
	// with TiedPB the next head gives backward logits [n×NumBackward]; with a
	// flow head the last gives log F [n×1].
	Net *nn.Heads
	// BackwardNet is the backward policy's own network (SeparatePB), or nil.
	BackwardNet *nn.MLP
	// Backward and FixedLogPB are as in PolicyConfig.
	Backward   BackwardKind
	FixedLogPB func(dst []float64, s State)

	pbHead, flowHead int // indices in Net.Heads, or −1
	rev              Reversible
	hot              OneHotEncoder

	heads    []*autograd.Node
	idx      []int
	fmask    []bool
	bmask    []bool
	rows     []int
	acts     []int
	fixed    []float64
	sd, a, k int
}

var _ Evaluator = (*Policy)(nil)

// NewPolicy returns a Policy for env with weights drawn from rng.
//
// It panics if a learned or fixed P_B is asked of an environment that is not
// Reversible, if FixedPB comes without FixedLogPB, or if a width is not
// positive.
func NewPolicy(env Env, cfg PolicyConfig, rng *rand.Rand) *Policy {
	spec := env.Spec()
	hidden := cfg.Hidden
	if hidden == nil {
		hidden = []int{256, 256}
	}
	rev, isRev := env.(Reversible)
	if cfg.Backward != UniformPB && !isRev {
		panic("gfn: a fixed or learned backward policy needs a Reversible environment")
	}
	if cfg.Backward == FixedPB && cfg.FixedLogPB == nil {
		panic("gfn: FixedPB without FixedLogPB")
	}
	trunk := append([]int{spec.InputDim}, hidden...)
	outs := []int{spec.NumActions}
	p := &Policy{Env: env, Spec: spec, Backward: cfg.Backward, FixedLogPB: cfg.FixedLogPB,
		pbHead: -1, flowHead: -1, rev: rev, sd: spec.StateDim, a: spec.NumActions}
	if cfg.Backward == TiedPB {
		p.pbHead = len(outs)
		outs = append(outs, spec.NumBackward)
	}
	if cfg.Flow {
		p.flowHead = len(outs)
		outs = append(outs, 1)
	}
	p.Net = nn.NewHeads(trunk, outs, cfg.Act, rng)
	initLayers(cfg.Init, rng, append(p.Net.Trunk.Layers, p.Net.Heads...)...)
	p.heads = make([]*autograd.Node, len(outs))
	if p.pbHead >= 0 {
		zeroLayer(p.Net.Heads[p.pbHead])
	}
	if cfg.Backward == SeparatePB {
		p.BackwardNet = nn.NewMLP(append(trunk, spec.NumBackward), cfg.Act, rng)
		initLayers(cfg.Init, rng, p.BackwardNet.Layers...)
		zeroLayer(p.BackwardNet.Layers[len(p.BackwardNet.Layers)-1])
	}
	if h, ok := env.(OneHotEncoder); ok && spec.OneHot > 0 {
		p.hot, p.k = h, spec.OneHot
	}
	return p
}

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
// that it can be trained by its own optimizer.
func (p *Policy) BackwardParams() []*autograd.Node {
	switch {
	case p.pbHead >= 0:
		return p.Net.Heads[p.pbHead].Params()
	case p.BackwardNet != nil:
		return p.BackwardNet.Params()
	}
	return nil
}

// Learned reports whether P_B is learned (TiedPB or SeparatePB).
func (p *Policy) Learned() bool { return p.Backward == TiedPB || p.Backward == SeparatePB }

// forward records the networks on t for the n states stored flat in states:
// forward logits [n×A], backward logits [n×NumBackward] (nil unless P_B is
// learned) and log F [n×1] (nil without a flow head).
func (p *Policy) forward(t *autograd.Tape, states []int, n int) (logits, pb, logF *autograd.Node) {
	var x *autograd.Node
	if p.hot != nil {
		p.idx = sized(p.idx, n*p.k)
		for i := 0; i < n; i++ {
			p.hot.EncodeIndices(p.idx[i*p.k:i*p.k+p.k], states[i*p.sd:i*p.sd+p.sd])
		}
		p.heads = p.Net.ForwardEmbed(p.heads, t, p.idx, p.k)
		if p.BackwardNet != nil {
			pb = p.BackwardNet.ForwardEmbed(t, p.idx, p.k)
		}
	} else {
		x = t.Input(n, p.Spec.InputDim)
		xv := x.Value.RawMatrix().Data
		w := p.Spec.InputDim
		for i := 0; i < n; i++ {
			p.Env.Encode(xv[i*w:i*w+w], states[i*p.sd:i*p.sd+p.sd])
		}
		p.heads = p.Net.Forward(p.heads, t, x)
		if p.BackwardNet != nil {
			pb = p.BackwardNet.Forward(t, x)
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
	p.fmask = sized(p.fmask, n*p.a)
	for i := 0; i < n; i++ {
		row := p.fmask[i*p.a : i*p.a+p.a]
		p.Env.Mask(row, states[i*p.sd:i*p.sd+p.sd])
		if !anyValid(row) {
			for j := range row {
				row[j] = true
			}
		}
	}
	return p.fmask
}

func anyValid(mask []bool) bool {
	for _, v := range mask {
		if v {
			return true
		}
	}
	return false
}

// Evaluate records on t log P_F [n×A] (−Inf at invalid actions) and log F
// [n×1] (nil without a flow head) for the n states stored flat in states.
// Rows of states with no valid forward action hold the log-softmax over all
// actions, a finite placeholder.
//
// It panics if len(states) < n·StateDim.
func (p *Policy) Evaluate(t *autograd.Tape, states []int, n int) (logPF, logF *autograd.Node) {
	if len(states) < n*p.sd {
		panic(fmt.Sprintf("gfn: Evaluate of %d states from %d integers", n, len(states)))
	}
	logits, _, logF := p.forward(t, states, n)
	return t.LogSoftmax(logits, p.forwardMasks(states, n)), logF
}

// BackwardLogProbs records on t log P_B(parent by action b | s) [n×NumBackward]
// for the n states stored flat in states, −Inf at invalid actions. Rows of
// states without parents (s₀) hold −Inf for a uniform or fixed P_B and a
// finite placeholder for a learned one. With a uniform or fixed P_B no
// gradient flows. Soft RL (log P_B as a reward) and TLM use it.
//
// It panics if the environment is not Reversible.
func (p *Policy) BackwardLogProbs(t *autograd.Tape, states []int, n int) *autograd.Node {
	if p.rev == nil {
		panic("gfn: BackwardLogProbs of an environment that is not Reversible")
	}
	nb := p.Spec.NumBackward
	p.bmask = sized(p.bmask, n*nb)
	for i := 0; i < n; i++ {
		p.rev.BackwardMask(p.bmask[i*nb:i*nb+nb], states[i*p.sd:i*p.sd+p.sd])
	}
	if p.Learned() {
		_, pb, _ := p.forward(t, states, n)
		for i := 0; i < n; i++ {
			if row := p.bmask[i*nb : i*nb+nb]; !anyValid(row) {
				row[0] = true
			}
		}
		return t.LogSoftmax(pb, p.bmask)
	}
	out := t.Input(n, nb)
	v := out.Value.RawMatrix().Data
	for i := 0; i < n; i++ {
		p.fixedRow(v[i*nb:i*nb+nb], p.bmask[i*nb:i*nb+nb], states[i*p.sd:i*p.sd+p.sd])
	}
	return out
}

// fixedRow writes the uniform or fixed log P_B of every backward action of s.
func (p *Policy) fixedRow(dst []float64, mask []bool, s State) {
	if p.Backward == FixedPB {
		p.FixedLogPB(dst, s)
		return
	}
	var c int
	for _, ok := range mask {
		if ok {
			c++
		}
	}
	l := -math.Log(float64(c))
	for j, ok := range mask {
		dst[j] = math.Inf(-1)
		if ok {
			dst[j] = l
		}
	}
}

// LogPB returns the uniform or fixed log P_B(s|s') of the backward action b
// at s' (the parent s is BackwardStep(s', b)), without a tape: the
// per-transition reward of the soft-RL view. With a non-Reversible
// environment and a uniform P_B it is 0.
//
// It panics if P_B is learned (use BackwardLogProbs).
func (p *Policy) LogPB(next State, b int) float64 {
	if p.Learned() {
		panic("gfn: LogPB of a learned backward policy; use BackwardLogProbs")
	}
	if p.rev == nil {
		return 0
	}
	nb := p.Spec.NumBackward
	p.bmask = sized(p.bmask, nb)
	p.fixed = sized(p.fixed, nb)
	p.rev.BackwardMask(p.bmask, next)
	p.fixedRow(p.fixed, p.bmask, next)
	return p.fixed[b]
}

// Score records on t the scores of every transition of b, in b's order, with
// one batched forward pass over its M+N states, and returns them in dst (a new
// Scores when dst is nil). It is how a stored batch (replay) is scored.
//
// It panics if b is empty.
func (p *Policy) Score(dst *Scores, t *autograd.Tape, b *Batch) *Scores {
	m := b.M()
	if b.N < 1 || m < 1 {
		panic("gfn: Score of an empty batch")
	}
	logits, pb, logF := p.forward(t, b.States, m+b.N)
	p.rows = sized(p.rows, 2*m)
	src, tgt := p.rows[:m], p.rows[m:]
	for j := 0; j < m; j++ {
		src[j] = j + b.Traj[j]
		tgt[j] = src[j] + 1
	}
	return p.scores(dst, t, b, logits, pb, logF, src, tgt)
}
