package nn

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"gonum.org/v1/gonum/mat"
)

// tinyTransformer is a small encoder with every feature of the full one: two
// layers of two heads, distinct layers, perturbed gains and biases.
func tinyTransformer(seed uint64) *Transformer {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := NewTransformer(TransformerConfig{Vocab: 5, Out: 3, Dim: 4, Heads: 2, FF: 6, Layers: 2, MaxLen: 8, DistinctLayers: true}, rng)
	for _, l := range m.Layers {
		for _, p := range []*autograd.Node{l.Norm1.Gain, l.Norm1.Bias, l.Norm2.Gain, l.Norm2.Bias, l.QKV.B, l.Proj.B} {
			d := p.Value.RawMatrix().Data
			for i := range d {
				d[i] += 0.3 * rng.NormFloat64()
			}
		}
	}
	return m
}

// TestTransformerGrad checks the gradient of every parameter of a small
// encoder against finite differences: in eval mode, with a key-padding mask
// (one sequence all padding), and in training mode with dropout (a fixed
// seed per evaluation, so the masks repeat).
func TestTransformerGrad(t *testing.T) {
	m := tinyTransformer(1)
	tokens := []int{0, 4, 2, 2, 1, 3, 3, 0, 1}
	valid := []bool{true, false, true, false, false, false, true, true, false}
	for _, c := range []struct {
		name  string
		train bool
		valid []bool
	}{{"eval", false, nil}, {"eval/masked", false, valid}, {"train/masked", true, valid}} {
		t.Run(c.name, func(t *testing.T) {
			m.Train = c.train
			autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
				m.Rng = rand.New(rand.NewPCG(3, 3))
				return weightedSum(tp, m.Head.Forward(tp, m.Encode(tp, tokens, c.valid, 3, 3)))
			}, m.Params()...)
		})
	}
}

// TestTransformerBatchEqualsAlone checks that a batched forward pass equals
// the forward pass of each sequence alone: no leakage between sequences.
func TestTransformerBatchEqualsAlone(t *testing.T) {
	m := NewTransformer(TransformerConfig{Vocab: 10, Out: 7}, rand.New(rand.NewPCG(2, 2)))
	m.Train = false
	const B, L = 5, 16
	rng := rand.New(rand.NewPCG(5, 5))
	tokens := make([]int, B*L)
	for i := range tokens {
		tokens[i] = rng.IntN(10)
	}
	var tp autograd.Tape
	all := m.Forward(&tp, tokens, B, L)
	for b := range B {
		var one autograd.Tape
		alone := m.Forward(&one, tokens[b*L:b*L+L], 1, L)
		if !mat.EqualApprox(alone.Value, all.Value.Slice(b*L, b*L+L, 0, 7), 1e-13) {
			t.Errorf("sequence %d: alone\n%v\nin the batch\n%v", b, mat.Formatted(alone.Value), mat.Formatted(all.Value.Slice(b*L, b*L+L, 0, 7)))
		}
	}
}

// TestTransformerMaskedKeys checks that tokens at masked positions do not
// change the outputs at the other positions.
func TestTransformerMaskedKeys(t *testing.T) {
	m := tinyTransformer(4)
	m.Train = false
	tokens := []int{0, 1, 2, 3, 4, 0, 1, 2}
	valid := []bool{true, false, true, true, false, true, true, false}
	var tp autograd.Tape
	a := m.Forward(&tp, tokens, 2, 4)
	a = m.Head.Forward(&tp, m.Encode(&tp, tokens, valid, 2, 4))
	changed := []int{0, 4, 2, 3, 1, 0, 1, 0}
	b := m.Head.Forward(&tp, m.Encode(&tp, changed, valid, 2, 4))
	for i, ok := range valid {
		for j := range 3 {
			if ok && a.Value.At(i, j) != b.Value.At(i, j) {
				t.Errorf("output (%d, %d) changed with a masked token: %v then %v", i, j, a.Value.At(i, j), b.Value.At(i, j))
			}
		}
	}
}

// golden is the PyTorch reference written by testdata/transformer_golden.py.
type golden struct {
	Torch  string
	Config TransformerConfig
	B, L   int
	Tokens []int
	Params []struct {
		Rows, Cols int
		Data       []float64
	}
	W     []float64
	Cases []struct {
		Valid []bool
		Out   []float64
		Grads [][]float64
	}
}

// TestTransformerGolden checks outputs and gradients against PyTorch's
// nn.TransformerEncoder in float64 (testdata/transformer_golden.py), with
// and without a key-padding mask, to 1e-9.
func TestTransformerGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/transformer_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	m := NewTransformer(g.Config, rand.New(rand.NewPCG(1, 1)))
	m.Train = false
	ps := m.Params()
	if len(ps) != len(g.Params) {
		t.Fatalf("%d parameters, PyTorch has %d", len(ps), len(g.Params))
	}
	for i, p := range ps {
		if r, c := p.Dims(); r != g.Params[i].Rows || c != g.Params[i].Cols {
			t.Fatalf("parameter %d is %d×%d, PyTorch's %d×%d", i, r, c, g.Params[i].Rows, g.Params[i].Cols)
		}
		copy(p.Value.RawMatrix().Data, g.Params[i].Data)
	}
	for ci, c := range g.Cases {
		ZeroGrad(m)
		var tp autograd.Tape
		out := m.Head.Forward(&tp, m.Encode(&tp, g.Tokens, c.Valid, g.B, g.L))
		w := tp.Input(g.B*g.L, g.Config.Out)
		copy(w.Value.RawMatrix().Data, g.W)
		tp.Backward(tp.Sum(tp.Mul(out, w)))
		if e := maxDiff(out.Value.RawMatrix().Data, c.Out); e > 1e-9 {
			t.Errorf("case %d: output differs from PyTorch %s by %.3g", ci, g.Torch, e)
		}
		for i, p := range ps {
			if e := maxDiff(p.Grad.RawMatrix().Data, c.Grads[i]); e > 1e-9 {
				t.Errorf("case %d: gradient of parameter %d differs from PyTorch by %.3g", ci, i, e)
			}
		}
	}
}

func maxDiff(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var e float64
	for i := range a {
		e = max(e, math.Abs(a[i]-b[i]))
	}
	return e
}

// TestTransformerInit checks PyTorch's initialisation: ranges, zero and one
// vectors, the embedding's spread, and layers that start as copies unless
// DistinctLayers is set.
func TestTransformerInit(t *testing.T) {
	m := NewTransformer(TransformerConfig{Vocab: 258, Out: 274}, rand.New(rand.NewPCG(3, 3)))
	if c := m.Config(); c.Dim != 64 || c.Heads != 8 || c.FF != 64 || c.Layers != 3 || c.Dropout != 0.1 || c.Eps != 1e-5 || c.MaxLen != 512 {
		t.Errorf("defaults %+v", c)
	}
	inRange := func(name string, p *autograd.Node, bound float64) {
		lo, hi := mat.Min(p.Value), mat.Max(p.Value)
		if lo < -bound || hi > bound || hi-lo < bound {
			t.Errorf("%s in [%.3g, %.3g], want spread over ±%.3g", name, lo, hi, bound)
		}
	}
	constant := func(name string, p *autograd.Node, v float64) {
		for _, x := range p.Value.RawMatrix().Data {
			if x != v {
				t.Errorf("%s has %v, want all %v", name, x, v)
				return
			}
		}
	}
	l := m.Layers[0]
	inRange("QKV.W", l.QKV.W, math.Sqrt(6.0/(64+192)))
	constant("QKV.B", l.QKV.B, 0)
	inRange("Proj.W", l.Proj.W, 1/8.0)
	constant("Proj.B", l.Proj.B, 0)
	inRange("FF1.W", l.FF1.W, 1/8.0)
	inRange("FF1.B", l.FF1.B, 1/8.0)
	inRange("FF2.B", l.FF2.B, 1/8.0)
	inRange("Head.W", m.Head.W, 1/8.0)
	constant("Norm1.Gain", l.Norm1.Gain, 1)
	constant("Norm2.Bias", l.Norm2.Bias, 0)
	e := m.Embed.Value.RawMatrix().Data
	var s, ss float64
	for _, v := range e {
		s += v
		ss += v * v
	}
	if mean, sd := s/float64(len(e)), math.Sqrt(ss/float64(len(e))); math.Abs(mean) > 0.03 || math.Abs(sd-1) > 0.03 {
		t.Errorf("embedding mean %.3f, sd %.3f; want N(0, 1)", mean, sd)
	}
	if !mat.Equal(m.Layers[2].FF1.W.Value, l.FF1.W.Value) || m.Layers[2].FF1.W == l.FF1.W {
		t.Errorf("layers do not start as separate copies of the first")
	}
	d := NewTransformer(TransformerConfig{Vocab: 5, DistinctLayers: true}, rand.New(rand.NewPCG(3, 3)))
	if mat.Equal(d.Layers[1].QKV.W.Value, d.Layers[0].QKV.W.Value) {
		t.Errorf("DistinctLayers gave equal layers")
	}
	// The encoding of position p, column 2i, is sin(p·10000^(−2i/64)).
	if got, want := m.pe[3*64+10], math.Sin(3*math.Pow(10000, -10.0/64)); math.Abs(got-want) > 1e-15 {
		t.Errorf("PE[3, 10] = %v, want %v", got, want)
	}
}

// TestTransformerAllocs checks that a training step's forward and backward
// pass, with dropout, allocates nothing once the tape has grown.
func TestTransformerAllocs(t *testing.T) {
	m := NewTransformer(TransformerConfig{Vocab: 18, Out: 24, Layers: 2}, rand.New(rand.NewPCG(6, 6)))
	tokens := make([]int, 4*5)
	for i := range tokens {
		tokens[i] = i % 18
	}
	var tp autograd.Tape
	step := func() {
		tp.Reset()
		tp.Backward(tp.Sum(m.Forward(&tp, tokens, 4, 5)))
	}
	step()
	if n := testing.AllocsPerRun(10, step); n != 0 {
		t.Errorf("%v allocations per step, want 0", n)
	}
}

// TestTransformerPanics checks the documented panics.
func TestTransformerPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	m := NewTransformer(TransformerConfig{Vocab: 4, MaxLen: 4}, rng)
	var tp autograd.Tape
	for name, f := range map[string]func(){
		"no vocabulary": func() { NewTransformer(TransformerConfig{}, rng) },
		"odd width":     func() { NewTransformer(TransformerConfig{Vocab: 3, Dim: 5, Heads: 1}, rng) },
		"heads":         func() { NewTransformer(TransformerConfig{Vocab: 3, Heads: 5}, rng) },
		"nil rng":       func() { NewTransformer(TransformerConfig{Vocab: 3}, nil) },
		"tokens":        func() { m.Forward(&tp, []int{0, 1, 2}, 2, 2) },
		"too long":      func() { m.Forward(&tp, make([]int, 5), 1, 5) },
		"token range":   func() { m.Forward(&tp, []int{0, 4}, 1, 2) },
		"mask":          func() { m.Encode(&tp, []int{0, 1}, []bool{true}, 1, 2) },
		"train nil rng": func() { c := *m; c.Rng = nil; c.Forward(&tp, []int{0, 1}, 1, 2) },
	} {
		if _, ok := panics(f); !ok {
			t.Errorf("%s: no panic", name)
		}
	}
}

// TestTransformerConcurrent runs training steps of clones on several
// goroutines at once (the fused operations share a list of backward scratch
// buffers) and checks that each gives the gradients it gives alone.
func TestTransformerConcurrent(t *testing.T) {
	base := tinyTransformer(7)
	tokens := []int{0, 4, 2, 2, 1, 3, 3, 0, 1, 4, 4, 2}
	step := func(m *Transformer, seed uint64) []float64 {
		m.Rng = rand.New(rand.NewPCG(seed, 1))
		var tp autograd.Tape
		for range 3 {
			tp.Reset()
			ZeroGrad(m)
			tp.Backward(weightedSum(&tp, m.Forward(&tp, tokens, 3, 4)))
		}
		var g []float64
		for _, p := range m.Params() {
			g = append(g, p.Grad.RawMatrix().Data...)
		}
		return g
	}
	const workers = 4
	want := make([][]float64, workers)
	for w := range workers {
		want[w] = step(base.Clone(), uint64(w))
	}
	got := make([][]float64, workers)
	done := make(chan int)
	for w := range workers {
		m := base.Clone()
		go func() {
			got[w] = step(m, uint64(w))
			done <- w
		}()
	}
	for range workers {
		<-done
	}
	for w := range workers {
		if maxDiff(got[w], want[w]) != 0 {
			t.Errorf("worker %d: gradients differ from a run alone", w)
		}
	}
}

// TestTransformerParamsRoundTrip checks that a Transformer's parameters,
// written and read back into another one of the same configuration, give
// the same outputs.
func TestTransformerParamsRoundTrip(t *testing.T) {
	cfg := TransformerConfig{Vocab: 6, Out: 5, Dim: 8, Heads: 2, FF: 10, Layers: 2, DistinctLayers: true}
	a := NewTransformer(cfg, rand.New(rand.NewPCG(1, 1)))
	b := NewTransformer(cfg, rand.New(rand.NewPCG(2, 2)))
	a.Train, b.Train = false, false
	var buf bytes.Buffer
	if err := WriteParams(&buf, a.Params()); err != nil {
		t.Fatal(err)
	}
	if err := ReadParams(&buf, b.Params()); err != nil {
		t.Fatal(err)
	}
	tokens := []int{5, 0, 1, 2, 5, 3, 4, 4}
	var tp autograd.Tape
	if !mat.Equal(a.Forward(&tp, tokens, 2, 4).Value, b.Forward(&tp, tokens, 2, 4).Value) {
		t.Errorf("outputs differ after the parameters were copied through a file")
	}
}
