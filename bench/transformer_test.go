package bench

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

// bitSetting is the bit-sequence task's network for n = 120 bits in words
// of k bits: n/k slots plus a BOS token, 2^k words + EMPTY + BOS, and the
// papers' output head of 2^k+2 + n/k+1 columns; 16 sequences per step.
type bitSetting struct{ k int }

func (s bitSetting) slots() int { return 120 / s.k }
func (s bitSetting) len() int   { return s.slots() + 1 }
func (s bitSetting) vocab() int { return 1<<s.k + 2 }

// config is the papers' network for the setting, with every default
// (3 layers, d_model 64, 8 heads, feed-forward 64, dropout 0.1).
func (s bitSetting) config() nn.TransformerConfig {
	return nn.TransformerConfig{Vocab: s.vocab(), Out: s.vocab() + s.slots() + 1}
}

// bitSettings are k = 8 (16 positions, the TLM default) and k = 4 (31
// positions, the soft-RL default).
var bitSettings = []bitSetting{{8}, {4}}

const bitBatch = 16

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

// tokens returns the 16 states of step s of a rollout: BOS, then s random
// words in random slots and EMPTY elsewhere.
func (st bitSetting) tokens(s int, rng *rand.Rand) []int {
	var dst []int
	bos, empty := st.vocab()-1, st.vocab()-2
	for range bitBatch {
		row := len(dst) + 1
		dst = append(dst, bos)
		for range st.slots() {
			dst = append(dst, empty)
		}
		for _, i := range rng.Perm(st.slots())[:s] {
			dst[row+i] = rng.IntN(1 << st.k)
		}
	}
	return dst
}

// trBench is a transformer in training mode with its tape, optimizer and
// the tokens of a whole rollout: tokens[s] holds the 16 states after s
// steps.
type trBench struct {
	set    bitSetting
	m      *nn.Transformer
	params []*autograd.Node
	opt    *optim.Adam
	tape   autograd.Tape
	tokens [][]int
}

func newTrBench(set bitSetting) *trBench {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewTransformer(set.config(), rng)
	b := &trBench{set: set, m: m, params: m.Params(), opt: &optim.Adam{Params: m.Params(), LR: 1e-3, WeightDecay: 1e-5}}
	for s := range set.slots() {
		b.tokens = append(b.tokens, set.tokens(s, rng))
	}
	return b
}

// iteration records forward passes on steps [0, steps) into one loss, runs
// its backward pass and, if adam is set, an Adam step (else it zeroes the
// gradients), adding the time of each phase to split.
func (b *trBench) iteration(steps int, adam bool, split *[3]time.Duration) {
	t := &b.tape
	t0 := time.Now()
	t.Reset()
	var loss *autograd.Node
	for s := range steps {
		l := t.Mean(b.m.Forward(t, b.tokens[s], bitBatch, b.set.len()))
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

// BenchmarkTransformer measures the papers' bit-sequence transformer in
// training mode (dropout on) for n = 120 and k = 8 (16 sequences of 16
// tokens, vocabulary 258, head 274) and k = 4 (16 sequences of 31 tokens,
// vocabulary 18, head 49):
//
//   - forward: one forward pass, recorded: what a rollout step costs the
//     sampler;
//   - step: one forward and one backward pass;
//   - iteration: one TB iteration's network work, 120/k recorded forward
//     passes (one per rollout step), one backward pass through all of them
//     and one Adam step (decay 1e-5), reported by phase in wall-clock ms.
//
// GFLOP/s counts the matrix products only (transformerFlops) per
// wall-clock second. cpu-ms/op is the benchmark goroutine's thread CPU time
// per op, and cpu-GFLOP/s the flops per CPU second, where the operating
// system reports it (Linux): on a shared machine they are the figures to
// compare, as the wall clock also counts the time other processes hold the
// core. All of it runs on one core: the products are too small for gemm to
// share.
func BenchmarkTransformer(b *testing.B) {
	for _, set := range bitSettings {
		fwd := transformerFlops(nn.NewTransformer(set.config(), rand.New(rand.NewPCG(1, 1))).Config(), bitBatch, set.len())
		for _, c := range []struct {
			name  string
			steps int
			back  bool
			adam  bool
		}{
			{"forward", 1, false, false},
			{"step", 1, true, false},
			{"iteration", set.slots(), true, true},
		} {
			b.Run(fmt.Sprintf("k=%d/%s", set.k, c.name), func(b *testing.B) {
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				tb := newTrBench(set)
				run := func(split *[3]time.Duration) {
					if c.back {
						tb.iteration(c.steps, c.adam, split)
						return
					}
					tb.tape.Reset()
					tb.m.Forward(&tb.tape, tb.tokens[7], bitBatch, set.len())
				}
				var split [3]time.Duration
				run(&split) // size the tape's arena and Adam's moments
				split = [3]time.Duration{}
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := threadCPU()
				for range b.N {
					run(&split)
				}
				cpu := threadCPU() - cpu0
				n := float64(b.N)
				flops := fwd * float64(c.steps)
				if c.back {
					flops *= 3
				}
				b.ReportMetric(flops*n/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				if cpu > 0 {
					b.ReportMetric(cpu.Seconds()*1e3/n, "cpu-ms/op")
					b.ReportMetric(flops*n/cpu.Seconds()/1e9, "cpu-GFLOP/s")
				}
				if c.back {
					b.ReportMetric(split[0].Seconds()*1e3/n, "fwd-ms")
					b.ReportMetric(split[1].Seconds()*1e3/n, "bwd-ms")
				}
				if c.adam {
					b.ReportMetric(split[2].Seconds()*1e3/n, "adam-ms")
				}
			})
		}
	}
}
