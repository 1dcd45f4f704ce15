package bench

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

// The bit-sequence setting of the transformer benchmarks: n = 120 bits in
// words of k = 8, so 15 slots plus a BOS token, 2⁸ words + EMPTY + BOS, and
// the papers' output head of 2^k+2 + n/k+1 = 274 columns; 16 sequences per
// step.
const (
	bitK     = 8
	bitSlots = 120 / bitK
	bitLen   = bitSlots + 1
	bitVocab = 1<<bitK + 2
	bitOut   = bitVocab + bitSlots + 1
	bitBatch = 16
)

// bitConfig is the papers' network for that setting, with every default.
var bitConfig = nn.TransformerConfig{Vocab: bitVocab, Out: bitOut}

// transformerFlops returns the flops of the matrix products of one forward
// pass on B sequences of L tokens (element-wise work is not counted): per
// layer the in-projection, the two attention products, the out-projection
// and the feed-forward block, then the head. A backward pass costs twice as
// much (the gradients of both operands of every product).
func transformerFlops(c nn.TransformerConfig, B, L int) float64 {
	n, d, ff := float64(B*L), float64(c.Dim), float64(c.FF)
	layer := 2*n*d*3*d + 2*2*float64(B*L*L)*d + 2*n*d*d + 2*2*n*d*ff
	return float64(c.Layers)*layer + 2*n*d*float64(c.Out)
}

// bitTokens returns the 16 states of step s of a rollout: BOS, then s
// random words in random slots and EMPTY elsewhere.
func bitTokens(dst []int, s int, rng *rand.Rand) []int {
	dst = dst[:0]
	for range bitBatch {
		dst = append(dst, bitVocab-1)
		filled := rng.Perm(bitSlots)[:s]
		row := len(dst)
		for range bitSlots {
			dst = append(dst, bitVocab-2) // EMPTY
		}
		for _, i := range filled {
			dst[row+i] = rng.IntN(1 << bitK)
		}
	}
	return dst
}

// trBench is a transformer with its tape, optimizer and the tokens of a
// whole rollout: tokens[s] holds the 16 states after s steps.
type trBench struct {
	m      *nn.Transformer
	params []*autograd.Node
	opt    *optim.Adam
	tape   autograd.Tape
	tokens [][]int
}

func newTrBench() *trBench {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewTransformer(bitConfig, rng)
	b := &trBench{m: m, params: m.Params(), opt: &optim.Adam{Params: m.Params(), LR: 1e-3, WeightDecay: 1e-5}}
	for s := range bitSlots {
		b.tokens = append(b.tokens, bitTokens(nil, s, rng))
	}
	return b
}

// iteration runs forwards on steps [0, steps) into one loss, its backward
// pass and, if adam is set, an Adam step, timing the phases into split.
func (b *trBench) iteration(steps int, adam bool, split *[3]time.Duration) {
	t := &b.tape
	t0 := time.Now()
	t.Reset()
	var loss *autograd.Node
	for s := range steps {
		l := t.Mean(b.m.Forward(t, b.tokens[s], bitBatch, bitLen))
		if loss == nil {
			loss = l
		} else {
			loss = t.Add(loss, l)
		}
	}
	t1 := time.Now()
	t.Backward(loss)
	t2 := time.Now()
	if adam {
		b.opt.Step()
	} else {
		autograd.ZeroGrad(b.params...)
	}
	t3 := time.Now()
	split[0] += t1.Sub(t0)
	split[1] += t2.Sub(t1)
	split[2] += t3.Sub(t2)
}

// BenchmarkTransformer measures the papers' bit-sequence transformer
// (n = 120, k = 8: 16 sequences of 16 tokens, vocabulary 258, head 274,
// 3 layers, d_model 64, 8 heads, dropout 0.1 on):
//
//   - step: one forward and backward pass, the policy evaluation of one
//     rollout step with its gradient;
//   - forward: one forward pass alone (training mode, recorded);
//   - iteration: one TB iteration's network work, 15 recorded forward
//     passes (one per rollout step), one backward pass through all of them
//     and one Adam step (AdamW, decay 1e-5), reported by phase.
//
// GFLOP/s counts the matrix products only (transformerFlops).
func BenchmarkTransformer(b *testing.B) {
	fwd := transformerFlops(nn.NewTransformer(bitConfig, rand.New(rand.NewPCG(1, 1))).Config(), bitBatch, bitLen)
	for _, c := range []struct {
		name  string
		steps int
		adam  bool
		flops float64
		back  bool
	}{
		{"step", 1, false, 3 * fwd, true},
		{"iteration", bitSlots, true, 3 * bitSlots * fwd, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			tb := newTrBench()
			var split [3]time.Duration
			tb.iteration(c.steps, c.adam, &split)
			split = [3]time.Duration{}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				tb.iteration(c.steps, c.adam, &split)
			}
			n := float64(b.N)
			b.ReportMetric(c.flops*n/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(split[0].Seconds()*1e3/n, "fwd-ms")
			b.ReportMetric(split[1].Seconds()*1e3/n, "bwd-ms")
			if c.adam {
				b.ReportMetric(split[2].Seconds()*1e3/n, "adam-ms")
			}
		})
	}
	b.Run("forward", func(b *testing.B) {
		tb := newTrBench()
		t := &tb.tape
		run := func() {
			t.Reset()
			tb.m.Forward(t, tb.tokens[7], bitBatch, bitLen)
		}
		run()
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			run()
		}
		b.ReportMetric(fwd*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}
