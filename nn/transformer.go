package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// TransformerConfig sizes a Transformer. The zero value of each field but
// Vocab selects the default in its comment: the network of the bit-sequence
// experiments of Malkin et al. (2022) and of the papers that reuse their code.
type TransformerConfig struct {
	Vocab   int     // number of token ids, [0, Vocab); required
	Out     int     // output width at each position; 0 means Vocab
	Dim     int     // model width d_model; 0 means 64; must be even
	Heads   int     // attention heads; 0 means 8; must divide Dim
	FF      int     // hidden width of the feed-forward blocks; 0 means 64
	Layers  int     // encoder layers; 0 means 3
	Dropout float64 // dropout probability in training mode; 0 means 0.1, negative means none
	MaxLen  int     // longest sequence Forward accepts; 0 means 512
	Eps     float64 // LayerNorm eps; 0 means 1e-5

	// DistinctLayers draws each layer's initial weights independently. By
	// default every layer starts as a copy of the first, as PyTorch's
	// nn.TransformerEncoder does (it deep-copies one layer).
	DistinctLayers bool
}

// withDefaults returns c with its zero fields set to their defaults.
func (c TransformerConfig) withDefaults() TransformerConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Out, c.Vocab)
	def(&c.Dim, 64)
	def(&c.Heads, 8)
	def(&c.FF, 64)
	def(&c.Layers, 3)
	def(&c.MaxLen, 512)
	switch {
	case c.Dropout == 0:
		c.Dropout = 0.1
	case c.Dropout < 0:
		c.Dropout = 0
	}
	if c.Eps == 0 {
		c.Eps = 1e-5
	}
	return c
}

// Validate returns an error naming the first invalid field of c, with its
// defaults filled in.
func (c TransformerConfig) Validate() error {
	d := c.withDefaults()
	for _, f := range []struct {
		name string
		v    int
	}{{"Vocab", d.Vocab}, {"Out", d.Out}, {"Dim", d.Dim}, {"Heads", d.Heads}, {"FF", d.FF}, {"Layers", d.Layers}, {"MaxLen", d.MaxLen}} {
		if f.v <= 0 {
			return fmt.Errorf("nn: TransformerConfig.%s is %d, want a positive size", f.name, f.v)
		}
	}
	switch {
	case d.Dim%2 != 0:
		return fmt.Errorf("nn: TransformerConfig.Dim is %d, want an even width (sine and cosine columns)", d.Dim)
	case d.Dim%d.Heads != 0:
		return fmt.Errorf("nn: TransformerConfig.Heads %d does not divide Dim %d", d.Heads, d.Dim)
	case !(d.Dropout <= 1):
		return fmt.Errorf("nn: TransformerConfig.Dropout is %v, want at most 1", d.Dropout)
	case !(d.Eps >= 0):
		return fmt.Errorf("nn: TransformerConfig.Eps is %v, want ≥ 0", d.Eps)
	}
	return nil
}

// Transformer is a post-norm Transformer encoder with a linear output at every
// position, as the bit-sequence GFlowNet code builds it (a token embedding,
// sinusoidal positions, PyTorch's nn.TransformerEncoder and an nn.Linear):
// for B sequences of L tokens,
//
//	x⁰ = Dropout(Embed[token] + PE[position])      [B·L×Dim]
//	xˡ = Layers[l](xˡ⁻¹)                           (see EncoderLayer)
//	out = Head(x^Layers)                           [B·L×Out]
//
// with PE[p, 2i] = sin(p·10000^(−2i/Dim)) and PE[p, 2i+1] = cos(p·10000^(−2i/Dim))
// (Vaswani et al. 2017, §3.5). The embedding is not scaled by √Dim: the
// papers' code adds the encoding to the raw embedding. Row b·L+i of every
// [B·L×·] matrix is position i of sequence b, and attention never crosses
// from one sequence to another.
//
// For the bit-sequence task of n bits in words of k bits, the papers' code
// uses Vocab = 2^k + 2 (the words, EMPTY = 2^k and BOS = 2^k + 1),
// Out = 2^k + 2 + n/k + 1, and sequences of n/k + 1 tokens, BOS first: the
// position logits come from the BOS row, the word logits of slot i from
// row i.
//
// Given the same parameters and inputs, Forward and its gradients agree with
// PyTorch's float64 modules to about 1e-14 (the tests compare them). What
// differs on purpose: dropout masks come from this package's generator (see
// autograd.Tape.Dropout), and a dropped infinite or NaN element becomes 0
// rather than NaN; a sequence whose keys are all masked attends to nothing
// and gives 0 where PyTorch gives NaN (see autograd.Tape.Attention); and the
// softmax uses its own exponential, within two units in the last place.
//
// Dropout applies only when Train is set, PyTorch's training mode; then its
// randomness comes from Rng. The parameters are only read by Forward, so a
// shallow copy (c := *m) with its own Rng can run forward passes on another
// goroutine with another tape; Backward calls that share parameters must not
// run concurrently (see package autograd).
type Transformer struct {
	Embed  *autograd.Node // [Vocab×Dim] token embedding, initially N(0, 1) as nn.Embedding
	Layers []*EncoderLayer
	Head   *Linear // [Dim×Out] output layer, nn.Linear's default initialisation

	Train bool       // training mode: dropout on
	Rng   *rand.Rand // source of the dropout masks; required when Train is set

	cfg TransformerConfig // with defaults filled in
	pe  []float64         // [MaxLen×Dim] positional encoding, shared by copies
}

// NewTransformer returns a Transformer initialised as PyTorch initialises the
// same modules (see NewEncoderLayer and the field comments), in training
// mode, with rng drawn for the weights and kept as the source of dropout.
//
// It panics if cfg is invalid (Validate) or rng is nil.
func NewTransformer(cfg TransformerConfig, rng *rand.Rand) *Transformer {
	if err := cfg.Validate(); err != nil || rng == nil {
		panic(fmt.Sprintf("nn: invalid TransformerConfig %+v or nil rng: %v", cfg, err))
	}
	c := cfg.withDefaults()
	m := &Transformer{Train: true, Rng: rng, cfg: c, pe: positionalEncoding(c.MaxLen, c.Dim)}
	for i := range c.Layers {
		var l *EncoderLayer
		if i == 0 || c.DistinctLayers {
			l = NewEncoderLayer(c.Dim, c.Heads, c.FF, rng)
		} else {
			l = m.Layers[0].Clone()
		}
		l.Norm1.Eps, l.Norm2.Eps = c.Eps, c.Eps
		m.Layers = append(m.Layers, l)
	}
	e := mat.NewDense(c.Vocab, c.Dim, nil)
	fillNormal(e, 1, rng)
	m.Embed = autograd.NewParam(e)
	m.Head = NewLinear(c.Dim, c.Out, TorchUniform, rng)
	fill(m.Head.B.Value, 1/math.Sqrt(float64(c.Dim)), rng)
	return m
}

// positionalEncoding returns the [n×d] sinusoidal encoding, row p for
// position p, computed as the papers' code computes it.
func positionalEncoding(n, d int) []float64 {
	pe := make([]float64, n*d)
	for i := 0; 2*i < d; i++ {
		div := math.Exp(float64(2*i) * (-math.Log(10000) / float64(d)))
		for p := range n {
			pe[p*d+2*i] = math.Sin(float64(p) * div)
			pe[p*d+2*i+1] = math.Cos(float64(p) * div)
		}
	}
	return pe
}

// Config returns the configuration with its defaults filled in.
func (m *Transformer) Config() TransformerConfig { return m.cfg }

// Forward returns the output [B·L×Out] for B sequences of L tokens, tokens[b·L+i]
// the token at position i of sequence b: row b·L+i is the output at that
// position. A GFlowNet policy reads its heads from these rows (for example
// from the row of a leading BOS token and from each slot's row).
//
// It panics if len(tokens) ≠ B·L, L exceeds MaxLen, a token is outside
// [0, Vocab), or Train is set with a nil Rng.
func (m *Transformer) Forward(t *autograd.Tape, tokens []int, B, L int) *autograd.Node {
	return t.Affine(m.Encode(t, tokens, nil, B, L), m.Head.W, m.Head.B) // = m.Head.Forward, in one node
}

// Encode returns the last layer's output [B·L×Dim], before Head, for extra
// heads to read. valid is a key-padding mask of length B·L (nil: none):
// position j of sequence b is attended to only if valid[b·L+j] (see
// autograd.Tape.Attention, which also says what an all-padding sequence
// gives). Forward uses no mask, as the papers' code.
//
// It panics as Forward does, and if valid is not nil and has the wrong length.
func (m *Transformer) Encode(t *autograd.Tape, tokens []int, valid []bool, B, L int) *autograd.Node {
	if B < 1 || L < 1 || len(tokens) != B*L || L > m.cfg.MaxLen {
		panic(fmt.Sprintf("nn: Transformer on %d tokens as %d sequences of %d (MaxLen %d)", len(tokens), B, L, m.cfg.MaxLen))
	}
	p := 0.0
	if m.Train {
		p = m.cfg.Dropout
		if p > 0 && m.Rng == nil {
			panic("nn: Transformer in training mode with a nil Rng")
		}
	}
	d := m.cfg.Dim
	pe := t.Input(L, d)
	copy(pe.Value.RawMatrix().Data, m.pe[:L*d])
	x := t.Dropout(t.EmbedPositions(m.Embed, pe, tokens), p, m.Rng)
	for _, l := range m.Layers {
		x = l.Forward(t, x, L, valid, p, m.Rng)
	}
	return x
}

// Params returns Embed, then each layer's parameters in order (see
// EncoderLayer.Params), then Head's weights and bias.
func (m *Transformer) Params() []*autograd.Node {
	ps := []*autograd.Node{m.Embed}
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return append(ps, m.Head.Params()...)
}

// Clone returns a deep copy of m with zero gradients, in the same mode and
// sharing its Rng, for example a target network.
func (m *Transformer) Clone() *Transformer {
	c := *m
	c.Embed = cloneParam(m.Embed)
	c.Layers = make([]*EncoderLayer, len(m.Layers))
	for i, l := range m.Layers {
		c.Layers[i] = l.Clone()
	}
	c.Head = m.Head.Clone()
	return &c
}

var (
	_ Module = (*Transformer)(nil)
	_ Module = (*EncoderLayer)(nil)
	_ Module = (*LayerNorm)(nil)
)
