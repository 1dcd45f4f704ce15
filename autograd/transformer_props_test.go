package autograd_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"gonum.org/v1/gonum/mat"
)

// TestDropoutMask checks that Dropout keeps about 1−p of the elements,
// scales them by 1/(1−p), repeats its mask for the same seed, and that its
// gradient passes exactly where the value does.
func TestDropoutMask(t *testing.T) {
	const m, n, p = 200, 50, 0.1
	x := autograd.NewParam(mat.NewDense(m, n, nil))
	for i := range x.Value.RawMatrix().Data {
		x.Value.RawMatrix().Data[i] = 1 + float64(i%7)
	}
	var tp tape
	out := tp.Dropout(x, p, rand.New(rand.NewPCG(1, 1)))
	tp.Backward(tp.Sum(out))
	kept := 0
	xv, ov, g := x.Value.RawMatrix().Data, out.Value.RawMatrix().Data, x.Grad.RawMatrix().Data
	for i, v := range ov {
		switch {
		case v == 0 && g[i] == 0:
		case v == xv[i]*(1/(1-p)) && g[i] == 1/(1-p): // as PyTorch: x·(1/(1−p))
			kept++
		default:
			t.Fatalf("element %d: x %v, out %v, grad %v", i, xv[i], v, g[i])
		}
	}
	// The kept count is Binomial(10000, 0.9): sd 30.
	if frac := float64(kept) / (m * n); math.Abs(frac-(1-p)) > 0.015 {
		t.Errorf("kept %.4f of the elements, want %.2f", frac, 1-p)
	}
	var tp2 tape
	again := tp2.Dropout(x, p, rand.New(rand.NewPCG(1, 1)))
	if !mat.Equal(out.Value, again.Value) {
		t.Errorf("the same seed gave a different mask")
	}
	if tp.Dropout(x, 0, nil) != x {
		t.Errorf("Dropout with p = 0 is not the identity")
	}
}

// TestAttentionMaskedKeys checks that a masked key has no influence: changing
// its key and value leaves every output unchanged and it gets no gradient,
// and that a sequence whose keys are all masked gives zero output.
func TestAttentionMaskedKeys(t *testing.T) {
	c := attnCases[4] // a sequence fully masked, key 2 masked elsewhere
	d := c.h * c.dh
	n := c.seqs * c.l
	rng := rand.New(rand.NewPCG(9, 9))
	val := mat.NewDense(n, 3*d, nil)
	for i := range val.RawMatrix().Data {
		val.RawMatrix().Data[i] = rng.NormFloat64()
	}
	run := func(v *mat.Dense) (*mat.Dense, *mat.Dense) {
		x := autograd.NewParam(mat.DenseCopyOf(v))
		var tp tape
		out := tp.Attention(x, c.l, c.h, c.mask(), 0, nil)
		w := mat.NewDense(n, d, nil)
		for i := range w.RawMatrix().Data {
			w.RawMatrix().Data[i] = float64(i%5) - 2
		}
		tp.Backward(tp.Sum(tp.Mul(out, tp.Const(w))))
		return mat.DenseCopyOf(out.Value), x.Grad
	}
	out0, grad := run(val)
	mod := mat.DenseCopyOf(val)
	valid := c.mask()
	for i := range n {
		if valid[i] {
			continue
		}
		for j := d; j < 3*d; j++ { // keys and values of masked positions
			mod.Set(i, j, 100*rng.NormFloat64())
			if grad.At(i, j) != 0 {
				t.Errorf("masked key/value (%d, %d) has gradient %v", i, j, grad.At(i, j))
			}
		}
	}
	out1, _ := run(mod)
	for i := range n {
		for j := range d {
			b := i / c.l
			if c.valid(b, 0) || c.valid(b, 1) || c.valid(b, 3) {
				if out0.At(i, j) != out1.At(i, j) {
					t.Errorf("output (%d, %d) depends on a masked key: %v then %v", i, j, out0.At(i, j), out1.At(i, j))
				}
				continue
			}
			if out0.At(i, j) != 0 || out1.At(i, j) != 0 || grad.At(i, j) != 0 {
				t.Errorf("fully masked sequence: output (%d, %d) = %v, grad %v; want 0", i, j, out0.At(i, j), grad.At(i, j))
			}
		}
	}
}

// TestAttentionSequencesIndependent checks that attention over a batch of
// sequences equals attention over each sequence alone, to the bit.
func TestAttentionSequencesIndependent(t *testing.T) {
	const seqs, l, h, dh = 4, 5, 2, 3
	d := h * dh
	rng := rand.New(rand.NewPCG(2, 3))
	qkv := mat.NewDense(seqs*l, 3*d, nil)
	for i := range qkv.RawMatrix().Data {
		qkv.RawMatrix().Data[i] = rng.NormFloat64()
	}
	var tp tape
	all := tp.Attention(tp.Const(qkv), l, h, nil, 0, nil)
	for b := range seqs {
		one := tp.Attention(tp.Const(qkv.Slice(b*l, b*l+l, 0, 3*d)), l, h, nil, 0, nil)
		if !mat.Equal(one.Value, all.Value.Slice(b*l, b*l+l, 0, d)) {
			t.Errorf("sequence %d alone differs from the batch", b)
		}
	}
}

// TestTransformerOpsPanics checks the documented panics.
func TestTransformerOpsPanics(t *testing.T) {
	x := autograd.NewParam(mat.NewDense(4, 6, nil))
	row := autograd.NewParam(mat.NewDense(1, 6, nil))
	sq := autograd.NewParam(mat.NewDense(6, 6, nil))
	in3, row3 := autograd.NewParam(mat.NewDense(6, 12, nil)), autograd.NewParam(mat.NewDense(1, 12, nil)) // d = 4
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct {
		name string
		want error
		f    func(tp *tape)
	}{
		{"LayerNorm/gain", autograd.ErrShape, func(tp *tape) { tp.LayerNorm(x, x, row, 1e-5) }},
		{"LayerNorm/eps", autograd.ErrArg, func(tp *tape) { tp.LayerNorm(x, row, row, -1) }},
		{"EmbedPositions/rows", autograd.ErrShape, func(tp *tape) { tp.EmbedPositions(x, autograd.NewParam(mat.NewDense(3, 6, nil)), []int{0, 1}) }},
		{"EmbedPositions/index", autograd.ErrIndex, func(tp *tape) { tp.EmbedPositions(x, row, []int{0, 4}) }},
		{"Dropout/p", autograd.ErrArg, func(tp *tape) { tp.Dropout(x, 1.5, rng) }},
		{"Dropout/rng", autograd.ErrArg, func(tp *tape) { tp.Dropout(x, 0.5, nil) }},
		{"Attention/heads", autograd.ErrShape, func(tp *tape) { tp.Attention(x, 2, 4, nil, 0, nil) }},
		{"Attention/seqLen", autograd.ErrShape, func(tp *tape) { tp.Attention(x, 3, 1, nil, 0, nil) }},
		{"Attention/mask", autograd.ErrShape, func(tp *tape) { tp.Attention(x, 2, 1, make([]bool, 3), 0, nil) }},
		{"Attention/rng", autograd.ErrArg, func(tp *tape) { tp.Attention(x, 2, 1, nil, 0.1, nil) }},
		{"Affine/inner", autograd.ErrShape, func(tp *tape) { tp.Affine(x, x, row) }},
		{"Affine/bias", autograd.ErrShape, func(tp *tape) { tp.Affine(x, sq, x) }},
		{"AddNorm/shape", autograd.ErrShape, func(tp *tape) { tp.AddNorm(x, row, row, row, 1e-5, 0, nil) }},
		{"AddNorm/rng", autograd.ErrArg, func(tp *tape) { tp.AddNorm(x, x, row, row, 1e-5, 0.1, nil) }},
		{"FeedForward/second", autograd.ErrShape, func(tp *tape) { tp.FeedForward(x, sq, row, x, row, 0, nil) }},
		{"FeedForward/rng", autograd.ErrArg, func(tp *tape) { tp.FeedForward(x, sq, row, sq, row, 0.1, nil) }},
		{"SelfAttention/in", autograd.ErrShape, func(tp *tape) { tp.SelfAttention(x, sq, row, sq, row, 2, 1, nil, 0, nil) }},
		{"SelfAttention/out", autograd.ErrShape, func(tp *tape) { tp.SelfAttention(x, in3, row3, sq, row, 2, 1, nil, 0, nil) }},
		{"SelfAttention/heads", autograd.ErrShape, func(tp *tape) { tp.SelfAttention(x, in3, row3, x, row, 2, 3, nil, 0, nil) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, c.want) {
					t.Errorf("panic %v, want %v", err, c.want)
				}
			}()
			var tp tape
			c.f(&tp)
		})
	}
}

// TestTransformerOpsAllocs checks that a step through every Transformer
// operation, forward and backward with dropout and a mask, allocates nothing
// once the tape has grown (and the backward scratch list holds a buffer).
func TestTransformerOpsAllocs(t *testing.T) {
	const seqs, l, h, dh = 3, 4, 2, 4
	d := h * dh
	rng := rand.New(rand.NewPCG(1, 2))
	qkvW := autograd.NewParam(mat.NewDense(d, 3*d, nil))
	gain := autograd.NewParam(mat.NewDense(1, d, nil))
	bias := autograd.NewParam(mat.NewDense(1, d, nil))
	pos := autograd.NewParam(mat.NewDense(l, d, nil))
	for _, p := range []*node{qkvW, gain, bias, pos} {
		for i := range p.Value.RawMatrix().Data {
			p.Value.RawMatrix().Data[i] = rng.NormFloat64()
		}
	}
	valid := make([]bool, seqs*l)
	for i := range valid {
		valid[i] = i%3 != 1
	}
	in := mat.NewDense(5, d, nil)
	tokens := make([]int, seqs*l)
	for i := range tokens {
		tokens[i] = i % 5
	}
	wo := autograd.NewParam(mat.NewDense(d, d, nil))
	bqkv := autograd.NewParam(mat.NewDense(1, 3*d, nil))
	var tp tape
	step := func() {
		tp.Reset()
		x := tp.Dropout(tp.EmbedPositions(tp.Const(in), pos, tokens), 0.1, rng)
		a := tp.Attention(tp.MatMul(x, qkvW), l, h, valid, 0.1, rng)
		y := tp.LayerNorm(tp.Add(x, a), gain, bias, 1e-5)
		y = tp.AddNorm(y, tp.SelfAttention(y, qkvW, bqkv, wo, bias, l, h, valid, 0.1, rng), gain, bias, 1e-5, 0.1, rng)
		y = tp.AddNorm(y, tp.FeedForward(y, wo, bias, wo, bias, 0.1, rng), gain, bias, 1e-5, 0.1, rng)
		tp.Backward(tp.Sum(tp.Affine(y, wo, bias)))
	}
	step()
	if n := testing.AllocsPerRun(20, step); n != 0 {
		t.Errorf("%v allocations per step, want 0", n)
	}
}

// TestAttentionGradientLarge checks the gradient on the shape of the
// bit-sequence policy's attention (8 heads of width 8) for two short
// sequences, with a mask and dropout.
func TestAttentionGradientLarge(t *testing.T) {
	const seqs, l, h, dh = 2, 5, 8, 8
	rng := rand.New(rand.NewPCG(4, 4))
	x := autograd.NewParam(mat.NewDense(seqs*l, 3*h*dh, nil))
	for i := range x.Value.RawMatrix().Data {
		x.Value.RawMatrix().Data[i] = rng.NormFloat64()
	}
	w := mat.NewDense(seqs*l, h*dh, nil)
	for i := range w.RawMatrix().Data {
		w.RawMatrix().Data[i] = rng.NormFloat64()
	}
	valid := []bool{true, false, true, true, true, true, true, true, false, true}
	autogradtest.Check(t, func(tp *tape) *node {
		a := tp.Attention(x, l, h, valid, 0.2, rand.New(rand.NewPCG(8, 8)))
		return tp.Sum(tp.Mul(a, tp.Const(w)))
	}, x)
}

// TestFusedOpsMatchComposition checks that Affine, AddNorm, FeedForward and
// SelfAttention give, to the bit, the values and gradients of the
// operations they fuse.
func TestFusedOpsMatchComposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 7))
	param := func(r, c int) *node {
		d := mat.NewDense(r, c, nil)
		for i := range d.RawMatrix().Data {
			d.RawMatrix().Data[i] = rng.NormFloat64()
		}
		return autograd.NewParam(d)
	}
	x, w, b := param(37, 64), param(64, 48), param(1, 48)
	y, g := param(37, 48), param(1, 48)
	u, c, v := param(64, 30), param(1, 30), param(48, 48) // SelfAttention: d = 10, 5 heads; FeedForward: f = 48
	xs, o := param(36, 64), param(10, 48)                 // 4 sequences of 9
	wr, br := param(64, 45), param(1, 45)                 // a width that is not a multiple of 8
	valid := make([]bool, 36)
	for i := range valid {
		valid[i] = i%4 != 1
	}
	ps := []*node{x, w, b, y, g, u, c, v, xs, o, wr, br}
	grads := func(f func(tp *tape) *node) []*mat.Dense {
		autograd.ZeroGrad(ps...)
		var tp tape
		out := f(&tp)
		r, k := out.Dims()
		lw := mat.NewDense(r, k, nil)
		for i := range lw.RawMatrix().Data {
			lw.RawMatrix().Data[i] = float64(i%7) - 2.5
		}
		tp.Backward(tp.Sum(tp.Mul(out, tp.Const(lw))))
		res := []*mat.Dense{mat.DenseCopyOf(out.Value)}
		for _, p := range ps {
			res = append(res, mat.DenseCopyOf(p.Grad))
		}
		return res
	}
	for _, c := range []struct {
		name        string
		fused, comp func(tp *tape) *node
	}{
		{"Affine",
			func(tp *tape) *node { return tp.Affine(x, w, b) },
			func(tp *tape) *node { return tp.Add(tp.MatMul(x, w), b) }},
		{"FeedForward",
			func(tp *tape) *node {
				return tp.FeedForward(x, w, b, v, g, 0.2, rand.New(rand.NewPCG(2, 2)))
			},
			func(tp *tape) *node {
				h := tp.Dropout(tp.ReLU(tp.Affine(x, w, b)), 0.2, rand.New(rand.NewPCG(2, 2)))
				return tp.Affine(h, v, g)
			}},
		{"SelfAttention",
			func(tp *tape) *node {
				return tp.SelfAttention(xs, u, c, o, g, 9, 5, valid, 0.2, rand.New(rand.NewPCG(2, 2)))
			},
			func(tp *tape) *node {
				a := tp.Attention(tp.Affine(xs, u, c), 9, 5, valid, 0.2, rand.New(rand.NewPCG(2, 2)))
				return tp.Affine(a, o, g)
			}},
		{"AddNorm",
			func(tp *tape) *node { return tp.AddNorm(tp.Affine(x, w, b), y, g, b, 1e-5, 0, nil) },
			func(tp *tape) *node { return tp.LayerNorm(tp.Add(tp.Affine(x, w, b), y), g, b, 1e-5) }},
		{"AddNorm/dropout",
			func(tp *tape) *node {
				return tp.AddNorm(tp.Affine(x, w, b), y, g, b, 1e-5, 0.1, rand.New(rand.NewPCG(2, 2)))
			},
			func(tp *tape) *node {
				return tp.LayerNorm(tp.Add(tp.Affine(x, w, b), tp.Dropout(y, 0.1, rand.New(rand.NewPCG(2, 2)))), g, b, 1e-5)
			}},
	} {
		f, k := grads(c.fused), grads(c.comp)
		for i := range f {
			if !mat.Equal(f[i], k[i]) {
				t.Errorf("%s: result %d differs from the composition", c.name, i)
			}
		}
	}
	// With a width that is not a multiple of 8 the gradient of x is summed
	// in another order.
	f := grads(func(tp *tape) *node { return tp.Affine(x, wr, br) })
	k := grads(func(tp *tape) *node { return tp.Add(tp.MatMul(x, wr), br) })
	for i := range f {
		if !mat.EqualApprox(f[i], k[i], 1e-12) || (i != 1 && !mat.Equal(f[i], k[i])) {
			t.Errorf("Affine/ragged: result %d differs from the composition", i)
		}
	}
}
