package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
)

// A Transformer reads two sequences of a BOS token and three slots and
// learns, in training mode with dropout, to output at every position a
// score for whether the slot holds token 1. Row b·L+i of the output is
// position i of sequence b.
func ExampleTransformer() {
	const vocab, bos, L = 4, 3, 4
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewTransformer(nn.TransformerConfig{Vocab: vocab, Out: 1, Dim: 16, Heads: 2, FF: 32, Layers: 2}, rng)
	opt := &optim.Adam{Params: m.Params(), LR: 3e-3}
	tokens := []int{bos, 1, 0, 1, bos, 2, 1, 0}
	var tp autograd.Tape
	fit := func() *autograd.Node {
		tp.Reset()
		out := m.Forward(&tp, tokens, 2, L) // [8×1]
		target := tp.Input(8, 1)
		for i, tok := range tokens {
			if tok == 1 {
				target.Value.Set(i, 0, 1)
			}
		}
		return tp.Mean(tp.SquaredError(out, target))
	}
	for range 300 {
		tp.Backward(fit())
		opt.Step()
	}
	m.Train = false // evaluation: no dropout
	out := m.Forward(&tp, tokens, 2, L)
	r, c := out.Dims()
	fmt.Printf("output %d×%d, %d parameters\n", r, c, nn.NumParams(m))
	for i, tok := range tokens {
		fmt.Printf("token %d: %.1f\n", tok, math.Round(10*out.Value.At(i, 0))/10+0) // +0: no "-0.0"
	}
	// Output:
	// output 8×1, 4529 parameters
	// token 3: 0.0
	// token 1: 1.0
	// token 0: 0.0
	// token 1: 1.0
	// token 3: 0.0
	// token 2: 0.0
	// token 1: 1.0
	// token 0: 0.0
}
