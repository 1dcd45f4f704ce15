package bitseq

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/internal/scratch"
	"github.com/gogfn/gogfn/nn"
	"gonum.org/v1/gonum/mat"
)

var _ policy.Network = (*Transformer)(nil)

// Transformer is the policy network of the bit-sequence experiments
// (Malkin et al. 2022, reused by Tiapkin et al. 2024 and Gritsaev et al.
// 2025), a policy.Network. A state is read as n/k + 1 tokens, BOS then the
// slots (Env.Tokens), by a post-norm Transformer encoder (nn.Transformer:
// 3 layers, width 64, 8 heads, feed-forward 64, dropout 0.1) whose output
// layer gives 2^k + 2 + n/k + 1 values at every position. The heads are
// factorised as in the papers' code:
//
//	logit(slot i, word w) = p_i + w_{i,w}
//	p_i     = out[BOS, 2^k + 2 + (i+1)]   (the last n/k + 1 outputs of the BOS row)
//	w_{i,w} = out[slot i, w]              (the first 2^k outputs of the slot's row)
//	log F   = out[BOS, 2^k]
//
// and the backward head is a linear layer [64 × n/k] on the BOS row's
// encoding, zero-initialised so that P_B starts uniform. (The papers' head
// has n/k + 1 outputs, the first one for BOS, which is always masked; it
// never moves from zero, so leaving it out changes nothing.)
//
// Filled slots keep their logits: the policy masks them. Use it as
// policy.Config.Network, or as a Q-network for Soft DQN (softrl.NetworkQ),
// where the logits are the Q-values, as in the papers' code.
//
// Dropout is on only in training mode (SetTraining); a new Transformer is in
// evaluation mode.
type Transformer struct {
	Env *Env
	Net *nn.Transformer // the encoder and its output layer
	PB  *nn.Linear      // [Dim × n/k] backward head on the BOS encoding

	slots, words, seq int // n/k, 2^k, n/k + 1
	tokens, bos, flow []int
}

// NewTransformer returns the transformer policy network for env, with the
// sizes of cfg (its zero value: the papers' sizes; Vocab, Out and MaxLen are
// the environment's and must be left zero) and weights drawn from rng as
// PyTorch initialises the same modules.
//
// It returns an error if cfg sets Vocab, Out or MaxLen, or is invalid.
func NewTransformer(env *Env, cfg nn.TransformerConfig, rng *rand.Rand) (*Transformer, error) {
	if cfg.Vocab != 0 || cfg.Out != 0 || cfg.MaxLen != 0 {
		return nil, fmt.Errorf("bitseq: the transformer's Vocab, Out and MaxLen are the environment's; leave them zero")
	}
	m := &Transformer{Env: env, slots: env.slots, words: env.words, seq: env.slots + 1}
	cfg.Vocab = m.words + 2
	cfg.Out = m.words + 2 + m.seq
	cfg.MaxLen = m.seq
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m.Net = nn.NewTransformer(cfg, rng)
	m.Net.Train, m.Net.Rng = false, nil
	m.PB = &nn.Linear{W: autograd.NewParam(mat.NewDense(m.Net.Config().Dim, m.slots, nil)),
		B: autograd.NewParam(mat.NewDense(1, m.slots, nil))}
	return m, nil
}

// Forward records the logits [n×(n/k)·2^k], the backward logits [n×n/k] and
// log F [n×1] of the n states stored flat in states.
//
// It panics if len(states) < n·n/k or a state holds a value outside
// [0, 2^k].
func (m *Transformer) Forward(t *autograd.Tape, states []int, n int) (logits, back, logF *autograd.Node) {
	if len(states) < n*m.slots {
		panic(fmt.Sprintf("bitseq: Transformer.Forward of %d states from %d integers", n, len(states)))
	}
	L := m.seq
	m.tokens = scratch.Resize(m.tokens, n*L)
	m.bos = scratch.Resize(m.bos, n)
	m.flow = scratch.Resize(m.flow, n)
	for i := range n {
		m.Env.Tokens(m.tokens[i*L:i*L+L], states[i*m.slots:i*m.slots+m.slots])
		m.bos[i], m.flow[i] = i*L, m.words
	}
	h := m.Net.Encode(t, m.tokens, nil, n, L)
	out := t.Affine(h, m.Net.Head.W, m.Net.Head.B)
	logits = m.factorise(t, out, n)
	logF = t.Pick(t.Rows(out, m.bos), m.flow)
	back = t.Affine(t.Rows(h, m.bos), m.PB.W, m.PB.B)
	return logits, back, logF
}

// factorise records the action logits p_i + w_{i,w} of the n sequences'
// outputs out [n·L×Out].
func (m *Transformer) factorise(t *autograd.Tape, out *autograd.Node, n int) *autograd.Node {
	W, S, L := m.words, m.slots, m.seq
	_, width := out.Dims()
	dst := t.Custom(n, S*W, factoriseBack, out)
	meta := dst.Ints(3)
	meta[0], meta[1], meta[2] = W, S, L
	ov, dv := out.Value.RawMatrix().Data, dst.Value.RawMatrix().Data
	for b := range n {
		bos := ov[b*L*width : b*L*width+width]
		for i := range S {
			p := bos[W+2+1+i]
			row := ov[(b*L+1+i)*width : (b*L+1+i)*width+W]
			d := dv[(b*S+i)*W : (b*S+i)*W+W]
			for w, v := range row {
				d[w] = p + v
			}
		}
	}
	return dst
}

// factoriseBack adds the gradient of the factorised logits into the encoder
// output's: each word logit gets its own entry, each position logit the sum
// over its slot's words.
func factoriseBack(dst *autograd.Node, ops []*autograd.Node) {
	out := ops[0]
	if out.Grad == nil {
		return
	}
	meta := dst.Ints(3)
	W, S, L := meta[0], meta[1], meta[2]
	n, _ := dst.Dims()
	_, width := out.Dims()
	og, dg := out.Grad.RawMatrix().Data, dst.Grad.RawMatrix().Data
	for b := range n {
		bos := og[b*L*width : b*L*width+width]
		for i := range S {
			row := og[(b*L+1+i)*width : (b*L+1+i)*width+W]
			g := dg[(b*S+i)*W : (b*S+i)*W+W]
			var s float64
			for w, v := range g {
				row[w] += v
				s += v
			}
			bos[W+2+1+i] += s
		}
	}
}

// Heads reports that the transformer has a backward head and a flow head.
func (m *Transformer) Heads() (back, flow bool) { return true, true }

// ForwardParams returns the encoder's parameters and its output layer's
// (nn.Transformer.Params).
func (m *Transformer) ForwardParams() []*autograd.Node { return m.Net.Params() }

// BackwardParams returns the backward head's weights and bias.
func (m *Transformer) BackwardParams() []*autograd.Node { return m.PB.Params() }

// TrunkParams returns the encoder's parameters: everything but the output
// layer and the backward head.
func (m *Transformer) TrunkParams() []*autograd.Node {
	ps := m.Net.Params()
	return ps[:len(ps)-2]
}

// Replica returns a Transformer whose parameters share m's values, with
// gradients and scratch of its own, in evaluation mode.
func (m *Transformer) Replica() policy.Network {
	c := &Transformer{Env: m.Env, slots: m.slots, words: m.words, seq: m.seq,
		Net: m.Net.Clone(), PB: m.PB.Clone()}
	share := func(dst, src []*autograd.Node) {
		for i, p := range dst {
			p.Value = src[i].Value
		}
	}
	share(c.Net.Params(), m.Net.Params())
	share(c.PB.Params(), m.PB.Params())
	c.SetTraining(nil)
	return c
}

// SetTraining switches dropout on, with masks drawn from rng, or off with
// nil.
func (m *Transformer) SetTraining(rng *rand.Rand) { m.Net.Train, m.Net.Rng = rng != nil, rng }
