package autograd_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

func row(v ...float64) *node { return autograd.NewParam(mat.NewDense(1, len(v), v)) }

func grad(n *node) []float64 { return n.Grad.RawMatrix().Data }

func TestNodeUsedTwice(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(tp *tape, x *node) *node
		want func(x float64) float64 // ∂Σf/∂x
	}{
		{"x+x", func(tp *tape, x *node) *node { return tp.Add(x, x) }, func(float64) float64 { return 2 }},
		{"x−x", func(tp *tape, x *node) *node { return tp.Sub(x, x) }, func(float64) float64 { return 0 }},
		{"x·x", func(tp *tape, x *node) *node { return tp.Mul(x, x) }, func(x float64) float64 { return 2 * x }},
		{"x/x", func(tp *tape, x *node) *node { return tp.Div(x, x) }, func(float64) float64 { return 0 }},
		{"y·y+y, y=tanh x", func(tp *tape, x *node) *node { // a tape node used by two ops
			y := tp.Tanh(x)
			return tp.Add(tp.Mul(y, y), y)
		}, func(x float64) float64 {
			y := math.Tanh(x)
			return (2*y + 1) * (1 - y*y)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := row(0.5, -1.5, 2)
			var tp tape
			tp.Backward(tp.Sum(c.f(&tp, x)))
			for i, v := range x.Value.RawMatrix().Data {
				if g := grad(x)[i]; math.Abs(g-c.want(v)) > 1e-14 {
					t.Errorf("∂x[%d] = %v, want %v", i, g, c.want(v))
				}
			}
		})
	}
}

// Parameter gradients accumulate across Backward calls until ZeroGrad, tape
// node gradients do not, and BackwardSeed scales.
func TestGradientsAccumulate(t *testing.T) {
	w, x := row(0.3, -0.7), row(1.5, 2)
	var tp tape
	step := func(seed float64) {
		tp.Reset()
		loss := tp.Sum(tp.Tanh(tp.Mul(x, w)))
		tp.BackwardSeed(loss, seed)
	}
	step(1)
	once := append([]float64(nil), grad(w)...)
	step(1)
	for i, g := range grad(w) {
		if g != 2*once[i] {
			t.Errorf("after two Backward ∂w[%d] = %v, want %v", i, g, 2*once[i])
		}
	}
	autograd.ZeroGrad(w, x)
	step(3)
	for i, g := range grad(w) {
		if math.Abs(g-3*once[i]) > 1e-15 {
			t.Errorf("BackwardSeed(3) ∂w[%d] = %v, want %v", i, g, 3*once[i])
		}
	}

	// Backward twice from one loss on one tape: tape gradients restart from
	// zero, parameter gradients add up.
	autograd.ZeroGrad(w, x)
	tp.Reset()
	h := tp.Mul(x, w)
	loss := tp.Sum(tp.Square(h))
	tp.Backward(loss)
	hg := append([]float64(nil), grad(h)...)
	tp.Backward(loss)
	for i, g := range grad(h) {
		if g != hg[i] {
			t.Errorf("tape node ∂h[%d] = %v after a second Backward, want %v", i, g, hg[i])
		}
	}
	for i, g := range grad(w) {
		want := 2 * 2 * h.Value.RawMatrix().Data[i] * x.Value.RawMatrix().Data[i]
		if math.Abs(g-want) > 1e-14 {
			t.Errorf("∂w[%d] = %v after two Backward, want %v", i, g, want)
		}
	}
}

// mlpStep is one training-like step over most operations: an embedded
// one-hot input, two layers, masked log-softmax, picked actions, per-trajectory
// segment sums, a Huber regression and an update-free Backward.
type mlpStep struct {
	tp         tape
	w0, w1, b1 *node
	w2, b2, z  *node
	idx, act   []int
	seg        []int
	valid      []bool
	h, loss    *node // nodes of the last run
}

func newMLPStep(rng *rand.Rand) *mlpStep {
	p := func(r, c int) *node {
		d := mat.NewDense(r, c, nil)
		for i := range d.RawMatrix().Data {
			d.RawMatrix().Data[i] = rng.NormFloat64() * 0.3
		}
		return autograd.NewParam(d)
	}
	s := &mlpStep{w0: p(12, 16), w1: p(16, 16), b1: p(1, 16), w2: p(16, 5), b2: p(1, 5), z: p(1, 1)}
	const batch = 16
	for i := range batch {
		s.idx = append(s.idx, i%6, 6+(i*5)%6) // two-hot: one of 6 in each half
		s.act = append(s.act, i%4)
		s.seg = append(s.seg, i/4)
		for j := range 5 {
			s.valid = append(s.valid, j != 4 || i%2 == 0)
		}
	}
	return s
}

func (s *mlpStep) run() float64 {
	tp := &s.tp
	tp.Reset()
	h := tp.ReLU(tp.Embed(s.w0, s.idx, 2))
	h = tp.Tanh(tp.Add(tp.MatMul(h, s.w1), s.b1))
	logits := tp.Add(tp.MatMul(h, s.w2), s.b2)
	logp := tp.Pick(tp.LogSoftmax(logits, s.valid), s.act)
	traj := tp.SegmentSum(logp, s.seg, 4)
	target := tp.Input(4, 1)
	lz := tp.Add(traj, s.z)
	both := tp.ConcatCols(lz, tp.SliceCols(tp.StopGrad(lz), 0, 1))
	loss := tp.Add(tp.Mean(tp.Huber(tp.SliceCols(both, 0, 1), target, 1)),
		tp.Mean(tp.LogSumExpRows(logits, s.valid)))
	tp.Backward(loss)
	s.h, s.loss = h, loss
	return loss.Scalar()
}

func TestResetReusesStorage(t *testing.T) {
	s := newMLPStep(rand.New(rand.NewPCG(1, 2)))
	first := s.run()
	n := s.tp.Len()
	if allocs := testing.AllocsPerRun(20, func() { s.run() }); allocs != 0 {
		t.Errorf("a steady-state step allocates %v times, want 0", allocs)
	}
	// Reset hands out the same nodes and the same storage again: the arena,
	// checked directly rather than through the process-wide allocation
	// count, which other goroutines (the runtime's, the test framework's)
	// can move.
	h, loss := s.h, s.loss
	hData, lossData, hGrad := &h.Value.RawMatrix().Data[0], &loss.Value.RawMatrix().Data[0], &h.Grad.RawMatrix().Data[0]
	for range 5 {
		s.run()
		if s.h != h || s.loss != loss || &s.h.Value.RawMatrix().Data[0] != hData ||
			&s.loss.Value.RawMatrix().Data[0] != lossData || &s.h.Grad.RawMatrix().Data[0] != hGrad {
			t.Fatal("a repeated step got other nodes or other storage from the arena")
		}
	}
	if s.tp.Len() != n {
		t.Errorf("tape holds %d nodes after a repeated step, want %d", s.tp.Len(), n)
	}
	autograd.ZeroGrad(s.w0, s.w1, s.b1, s.w2, s.b2, s.z)
	if again := s.run(); again != first {
		t.Errorf("loss %v after reuse, want %v", again, first)
	}
	s.tp.Reset()
	if s.tp.Len() != 0 {
		t.Errorf("Len after Reset = %d, want 0", s.tp.Len())
	}
}

func BenchmarkMLPStep(b *testing.B) {
	s := newMLPStep(rand.New(rand.NewPCG(1, 2)))
	s.run()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s.run()
	}
}

func TestForeignAndStaleNodes(t *testing.T) {
	x := row(1, 2)
	var a, b tape
	y := a.Tanh(x)
	loss := a.Sum(y)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"op on a node of another tape", func() { b.ReLU(y) }},
		{"binary op mixing tapes", func() { b.Add(x, y) }},
		{"concat mixing tapes", func() { b.ConcatCols(b.Tanh(x), y) }},
		{"Backward of another tape's loss", func() { b.Backward(loss) }},
		{"op on a node from before Reset", func() { a.Reset(); a.ReLU(y) }},
		{"Backward of a loss from before Reset", func() { a.Backward(loss) }},
	} {
		if err := panicErr(c.f); !errors.Is(err, autograd.ErrTape) {
			t.Errorf("%s: panicked with %v, want ErrTape", c.name, err)
		}
	}
}

// Masks and index slices are copied: changing them after the op does not
// change its gradient.
func TestArgumentsCopied(t *testing.T) {
	x := autograd.NewParam(mat.NewDense(2, 3, []float64{1, 2, 3, -1, 0.5, 2}))
	valid := []bool{true, false, true, true, true, false}
	pick, emb, seg := []int{0, 1}, []int{1, 0}, []int{1, 1}
	run := func(mutate bool) []float64 {
		autograd.ZeroGrad(x)
		var tp tape
		a := tp.Pick(tp.LogSoftmax(x, valid), pick)
		b := tp.SegmentSum(tp.Rows(tp.Embed(x, emb, 1), emb), seg, 2)
		loss := tp.Add(tp.Sum(a), tp.Sum(tp.Square(b)))
		if mutate {
			valid[1], valid[2], pick[0], emb[0], seg[0] = true, false, 1, 0, 0
		}
		tp.Backward(loss)
		return append([]float64(nil), grad(x)...)
	}
	want := run(false)
	if got := run(true); !same(got, want) {
		t.Errorf("gradient %v after changing the arguments, want %v", got, want)
	}
}

func TestConstantsAndLeaves(t *testing.T) {
	var tp tape
	c := tp.Const(mat.NewDense(1, 2, []float64{1, 2}))
	in := tp.Input(1, 2)
	if c.RequiresGrad() || in.RequiresGrad() || tp.Add(c, in).RequiresGrad() || tp.StopGrad(row(1)).RequiresGrad() {
		t.Error("a node computed only from constants requires a gradient")
	}
	tp.Backward(tp.Sum(c)) // no gradient to compute: a no-op

	leaf := tp.Leaf(1, 2)
	copy(leaf.Value.RawMatrix().Data, []float64{3, -1})
	loss := tp.Sum(tp.Mul(leaf, tp.Mul(leaf, c)))
	tp.Backward(loss)
	tp.Backward(loss) // tape gradients restart from zero
	if got, want := grad(leaf), []float64{6, -4}; !same(got, want) {
		t.Errorf("∂leaf = %v, want %v", got, want)
	}
}
