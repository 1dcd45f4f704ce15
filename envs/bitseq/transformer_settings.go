package bitseq

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/nn"
)

var _ gfn.Describer = (*Transformer)(nil)

// TransformerName is the name under which the package registers its
// Transformer (policy.RegisterNetwork): the first of its settings.
const TransformerName = "bitseq.transformer"

// MaxTransformerParams bounds the parameters of a Transformer that
// TransformerFromSettings builds (about 1 GiB of weights), so that the
// settings of a damaged or crafted model file cannot claim more memory.
const MaxTransformerParams = 1 << 27

// base returns e: *Env and *Enum, which embeds it, have it.
func (e *Env) base() *Env { return e }

func registerTransformer() { policy.RegisterNetwork(TransformerName, TransformerFromSettings) }

// Describe returns the settings from which TransformerFromSettings rebuilds
// the network: name (TransformerName), dim, heads, ff, layers, dropout (its
// probability in training mode, 0 for none) and eps (LayerNorm's), with the
// defaults filled in. The sizes that come from the environment (Vocab, Out,
// MaxLen) are not settings; neither is DistinctLayers, which only changes
// the initial weights.
func (m *Transformer) Describe() []gfn.Setting {
	c := m.Net.Config()
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return []gfn.Setting{
		{Key: "name", Value: TransformerName},
		{Key: "dim", Value: strconv.Itoa(c.Dim)},
		{Key: "heads", Value: strconv.Itoa(c.Heads)},
		{Key: "ff", Value: strconv.Itoa(c.FF)},
		{Key: "layers", Value: strconv.Itoa(c.Layers)},
		{Key: "dropout", Value: f(c.Dropout)},
		{Key: "eps", Value: f(c.Eps)},
	}
}

// TransformerFromSettings builds the Transformer for env (an *Env or an
// *Enum) that
// Describe described, with weights drawn from rng: the keys name, dim,
// heads, ff, layers, dropout and eps, each exactly once (a
// policy.NetworkBuilder). It returns an error if env is not a bit-sequence
// environment, or naming the first setting that is missing, repeated,
// unknown or out of range: dim even in [2, 4096], heads a divisor of dim, ff
// in [1, 65536], layers in [1, 64], dropout in [0, 1), eps finite and
// positive, and at most MaxTransformerParams parameters in all, which it
// checks before it allocates.
func TransformerFromSettings(env gfn.Env, settings []gfn.Setting, rng *rand.Rand) (policy.Network, error) {
	b, ok := env.(interface{ base() *Env })
	if !ok {
		return nil, fmt.Errorf("bitseq: the transformer is a network of bit sequences, not of a %T", env)
	}
	e := b.base()
	keys := []string{"name", "dim", "heads", "ff", "layers", "dropout", "eps"}
	vals, err := gfn.SettingValues(settings, TransformerName, keys...)
	if err != nil {
		return nil, fmt.Errorf("bitseq: %w", err)
	}
	var c nn.TransformerConfig
	var errs [6]error
	c.Dim, errs[0] = strconv.Atoi(vals[1])
	c.Heads, errs[1] = strconv.Atoi(vals[2])
	c.FF, errs[2] = strconv.Atoi(vals[3])
	c.Layers, errs[3] = strconv.Atoi(vals[4])
	c.Dropout, errs[4] = strconv.ParseFloat(vals[5], 64)
	c.Eps, errs[5] = strconv.ParseFloat(vals[6], 64)
	if err := notNumbers(keys[1:], vals[1:], errs[:]); err != nil {
		return nil, err
	}
	switch {
	case c.Dim < 2 || c.Dim > 4096 || c.Dim%2 != 0:
		return nil, fmt.Errorf("bitseq: setting \"dim\" is %d, want an even width in [2, 4096]", c.Dim)
	case c.Heads < 1 || c.Heads > c.Dim || c.Dim%c.Heads != 0:
		return nil, fmt.Errorf("bitseq: setting \"heads\" is %d, want a divisor of dim %d", c.Heads, c.Dim)
	case c.FF < 1 || c.FF > 1<<16:
		return nil, fmt.Errorf("bitseq: setting \"ff\" is %d, want a width in [1, 65536]", c.FF)
	case c.Layers < 1 || c.Layers > 64:
		return nil, fmt.Errorf("bitseq: setting \"layers\" is %d, want [1, 64]", c.Layers)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return nil, fmt.Errorf("bitseq: setting \"dropout\" is %v, want a probability in [0, 1)", c.Dropout)
	case !(c.Eps > 0 && c.Eps < math.Inf(1)):
		return nil, fmt.Errorf("bitseq: setting \"eps\" is %v, want a finite eps > 0", c.Eps)
	}
	if n := transformerParams(e, c); n > MaxTransformerParams {
		return nil, fmt.Errorf("bitseq: a transformer of %d parameters, more than %d", n, MaxTransformerParams)
	}
	if c.Dropout == 0 {
		c.Dropout = -1 // none: 0 in nn.TransformerConfig means 0.1
	}
	return NewTransformer(e, c, rng)
}

// transformerParams returns the number of parameters of the Transformer of
// sizes c (defaults filled in) for env: the embedding [(2^k+2)×Dim], each
// layer's in- and out-projections (4·Dim² + 4·Dim), feed-forward blocks
// (2·Dim·FF + FF + Dim) and two LayerNorms (4·Dim), the output layer
// [Dim×(2^k+2+n/k+1)] and the backward head [Dim×n/k], with their biases.
func transformerParams(env *Env, c nn.TransformerConfig) int64 {
	d, ff, l := int64(c.Dim), int64(c.FF), int64(c.Layers)
	vocab := int64(env.words) + 2
	out := vocab + int64(env.slots) + 1
	layer := 4*d*d + 4*d + 2*d*ff + ff + d + 4*d
	return vocab*d + l*layer + d*out + out + d*int64(env.slots) + int64(env.slots)
}
