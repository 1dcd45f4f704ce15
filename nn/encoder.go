package nn

import (
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// LayerNorm normalises each row over its width and applies a learned gain and
// bias (see autograd.Tape.LayerNorm), as PyTorch's nn.LayerNorm over the last
// dimension.
type LayerNorm struct {
	Gain *autograd.Node // [1×Dim], initially ones
	Bias *autograd.Node // [1×Dim], initially zeros
	Eps  float64        // added to the variance; 0 means PyTorch's 1e-5
}

// NewLayerNorm returns a LayerNorm of width dim with unit gain and zero
// bias, PyTorch's initialisation.
// It panics if dim is not positive.
func NewLayerNorm(dim int) *LayerNorm {
	if dim <= 0 {
		panic("nn: LayerNorm with non-positive width")
	}
	g := mat.NewDense(1, dim, nil)
	for j := range dim {
		g.Set(0, j, 1)
	}
	return &LayerNorm{Gain: autograd.NewParam(g), Bias: autograd.NewParam(mat.NewDense(1, dim, nil))}
}

// Forward returns the normalised x [B×Dim].
// It panics if x does not have Dim columns.
func (n *LayerNorm) Forward(t *autograd.Tape, x *autograd.Node) *autograd.Node {
	return t.LayerNorm(x, n.Gain, n.Bias, n.eps())
}

// AddForward returns Forward(x + Dropout(y, p)) as one fused operation
// (autograd.Tape.AddNorm): the residual connection of a post-norm
// Transformer. rng may be nil when p is 0.
// It panics if x and y differ in shape or do not have Dim columns.
func (n *LayerNorm) AddForward(t *autograd.Tape, x, y *autograd.Node, p float64, rng *rand.Rand) *autograd.Node {
	return t.AddNorm(x, y, n.Gain, n.Bias, n.eps(), p, rng)
}

func (n *LayerNorm) eps() float64 {
	if n.Eps == 0 {
		return 1e-5
	}
	return n.Eps
}

// Params returns the gain and the bias.
func (n *LayerNorm) Params() []*autograd.Node { return []*autograd.Node{n.Gain, n.Bias} }

// Clone returns a deep copy of n with zero gradients.
func (n *LayerNorm) Clone() *LayerNorm {
	return &LayerNorm{Gain: cloneParam(n.Gain), Bias: cloneParam(n.Bias), Eps: n.Eps}
}

// EncoderLayer is one post-norm Transformer encoder layer, PyTorch's
// nn.TransformerEncoderLayer with norm_first = false and a ReLU activation.
// For x [N×Dim] holding sequences of L positions one after the other,
//
//	a = Dropout(Proj(Attention(QKV(x))))         self-attention, per sequence
//	h = Norm1(x + a)
//	f = Dropout(FF2(Dropout(ReLU(FF1(h)))))
//	out = Norm2(h + f)
//
// where Attention is multi-head scaled dot-product attention with dropout on
// its probabilities. Forward records four fused operations (SelfAttention,
// AddNorm, FeedForward, AddNorm of package autograd), which give the same
// numbers as the formulas above written with one operation each, in less
// memory.
type EncoderLayer struct {
	QKV   *Linear // [Dim×3Dim] in-projection: queries, keys and values side by side
	Proj  *Linear // [Dim×Dim] out-projection of the concatenated heads
	Norm1 *LayerNorm
	FF1   *Linear // [Dim×FF]
	FF2   *Linear // [FF×Dim]
	Norm2 *LayerNorm
	Heads int // attention heads; Dim must be a multiple of it
}

// NewEncoderLayer returns a layer initialised as PyTorch initialises
// nn.TransformerEncoderLayer:
//
//   - QKV: weights Glorot (Xavier) uniform over the whole [Dim×3Dim] matrix,
//     U(±√(6/(Dim+3Dim))), bias zero (nn.MultiheadAttention's in_proj);
//   - Proj: weights U(±1/√Dim) (nn.Linear's kaiming_uniform_ with a = √5),
//     bias zero (nn.MultiheadAttention resets it);
//   - FF1, FF2: nn.Linear's default, weights and bias U(±1/√fanIn);
//   - Norm1, Norm2: gain one, bias zero.
//
// It panics if a size is not positive or dim is not a multiple of heads.
func NewEncoderLayer(dim, heads, ff int, rng *rand.Rand) *EncoderLayer {
	if dim <= 0 || heads <= 0 || ff <= 0 || dim%heads != 0 {
		panic("nn: EncoderLayer needs positive sizes with Dim a multiple of Heads")
	}
	l := &EncoderLayer{
		QKV:   NewLinear(dim, 3*dim, GlorotUniform, rng),
		Proj:  NewLinear(dim, dim, TorchUniform, rng),
		Norm1: NewLayerNorm(dim),
		FF1:   NewLinear(dim, ff, TorchUniform, rng),
		FF2:   NewLinear(ff, dim, TorchUniform, rng),
		Norm2: NewLayerNorm(dim),
		Heads: heads,
	}
	fill(l.FF1.B.Value, 1/math.Sqrt(float64(dim)), rng)
	fill(l.FF2.B.Value, 1/math.Sqrt(float64(ff)), rng)
	return l
}

// Forward returns the layer applied to x [N×Dim], N a multiple of seqLen.
// valid is the key-padding mask of autograd.Tape.Attention (nil: none); p is
// the dropout probability (0 at inference) and rng its source (nil if p is 0).
//
// It panics if x does not have Dim rows or N is not a multiple of seqLen.
func (l *EncoderLayer) Forward(t *autograd.Tape, x *autograd.Node, seqLen int, valid []bool, p float64, rng *rand.Rand) *autograd.Node {
	a := t.SelfAttention(x, l.QKV.W, l.QKV.B, l.Proj.W, l.Proj.B, seqLen, l.Heads, valid, p, rng)
	h := l.Norm1.AddForward(t, x, a, p, rng)
	f := t.FeedForward(h, l.FF1.W, l.FF1.B, l.FF2.W, l.FF2.B, p, rng)
	return l.Norm2.AddForward(t, h, f, p, rng)
}

// Params returns QKV, Proj, Norm1, FF1, FF2 and Norm2's parameters, in that
// order.
func (l *EncoderLayer) Params() []*autograd.Node {
	return Params(l.QKV, l.Proj, l.Norm1, l.FF1, l.FF2, l.Norm2)
}

// Clone returns a deep copy of l with zero gradients.
func (l *EncoderLayer) Clone() *EncoderLayer {
	return &EncoderLayer{QKV: l.QKV.Clone(), Proj: l.Proj.Clone(), Norm1: l.Norm1.Clone(),
		FF1: l.FF1.Clone(), FF2: l.FF2.Clone(), Norm2: l.Norm2.Clone(), Heads: l.Heads}
}

func cloneParam(p *autograd.Node) *autograd.Node { return autograd.NewParam(mat.DenseCopyOf(p.Value)) }
