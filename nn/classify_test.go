package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
)

// logits returns a seeded [r×c] parameter with entries of scale s.
func logits(r, c int, s float64, seed uint64) *autograd.Node {
	rng := rand.New(rand.NewPCG(seed, 5))
	m := mat.NewDense(r, c, nil)
	for i := range m.RawMatrix().Data {
		m.RawMatrix().Data[i] = s * rng.NormFloat64()
	}
	return autograd.NewParam(m)
}

func TestCrossEntropyGrad(t *testing.T) {
	z := logits(6, 4, 2, 1)
	labels := []int{0, 3, 1, 1, 2, 3}
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		return tp.Scale(1.7, CrossEntropy(tp, z, labels)) // a non-unit upstream gradient
	}, z)
	// Large logits: the max-subtracted form stays finite and exact.
	big := logits(3, 5, 400, 2)
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node { return CrossEntropy(tp, big, []int{4, 0, 2}) }, big)
}

// TestCrossEntropyValues checks the loss at known points: log K for equal
// logits, ≈ 0 at a confident correct prediction (the optimum), and the
// composition −mean(pick(log softmax(z), y)) elsewhere.
func TestCrossEntropyValues(t *testing.T) {
	var tp autograd.Tape
	eq := tp.Const(mat.NewDense(2, 5, []float64{3, 3, 3, 3, 3, -1, -1, -1, -1, -1}))
	if got := CrossEntropy(&tp, eq, []int{1, 4}).Scalar(); math.Abs(got-math.Log(5)) > 1e-15 {
		t.Errorf("equal logits: %v, want log 5", got)
	}
	sure := tp.Const(mat.NewDense(1, 3, []float64{-50, 50, -50}))
	if got := CrossEntropy(&tp, sure, []int{1}).Scalar(); got < 0 || got > 1e-40 {
		t.Errorf("confident correct prediction: %v, want ≈ 0", got)
	}
	z := logits(7, 10, 3, 3)
	labels := []int{9, 0, 4, 4, 7, 2, 1}
	want := tp.Neg(tp.Mean(tp.Pick(tp.LogSoftmax(z, nil), labels))).Scalar()
	if got := CrossEntropy(&tp, z, labels).Scalar(); math.Abs(got-want) > 1e-14 {
		t.Errorf("cross-entropy %v, composed ops give %v", got, want)
	}
}

func TestDistillationGrad(t *testing.T) {
	zs, zt := logits(5, 4, 3, 4), logits(5, 4, 3, 5)
	for _, d := range []Distillation{{}, {T: 1}, {T: 0.5}} {
		autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
			return tp.Scale(0.8, d.Loss(tp, zs, zt))
		}, zs)
	}
	// The teacher is frozen: its gradient stays zero.
	autograd.ZeroGrad(zt)
	var tp autograd.Tape
	tp.Backward(Distillation{}.Loss(&tp, zs, zt))
	if mat.Norm(zt.Grad, math.Inf(1)) != 0 {
		t.Error("gradient flowed into the teacher's logits")
	}
}

// TestDistillationValues checks the loss against T²·KL written out naively,
// its zero at the optimum (student logits equal to the teacher's up to a
// constant per row), and its positivity elsewhere.
func TestDistillationValues(t *testing.T) {
	zs, zt := logits(4, 6, 2, 6), logits(4, 6, 2, 7)
	var tp autograd.Tape
	const T = 5
	var want float64
	for i := 0; i < 4; i++ {
		var ss, st float64
		for j := 0; j < 6; j++ {
			ss += math.Exp(zs.Value.At(i, j) / T)
			st += math.Exp(zt.Value.At(i, j) / T)
		}
		for j := 0; j < 6; j++ {
			p, q := math.Exp(zt.Value.At(i, j)/T)/st, math.Exp(zs.Value.At(i, j)/T)/ss
			want += p * math.Log(p/q)
		}
	}
	want *= T * T / 4.0
	if got := (Distillation{}).Loss(&tp, zs, zt).Scalar(); math.Abs(got-want) > 1e-13 || !(got > 0) {
		t.Errorf("distillation loss %v, naive T²·KL %v", got, want)
	}

	shifted := mat.DenseCopyOf(zt.Value)
	for i, c := range []float64{0, 7.5, -300, 1e3} {
		for j := 0; j < 6; j++ {
			shifted.Set(i, j, shifted.At(i, j)+c)
		}
	}
	at := tp.Const(shifted)
	if got := (Distillation{T: 2}).Loss(&tp, at, zt).Scalar(); math.Abs(got) > 1e-12 {
		t.Errorf("student = teacher + row constants: loss %v, want 0", got)
	}
	// A teacher −Inf logit (probability 0) adds nothing.
	masked := mat.DenseCopyOf(zt.Value)
	masked.Set(0, 2, math.Inf(-1))
	if got := (Distillation{}).Loss(&tp, tp.Const(masked), tp.Const(masked)).Scalar(); got != 0 && !(math.Abs(got) < 1e-12) {
		t.Errorf("masked teacher against itself: loss %v", got)
	}
}

// TestClassifyAllocs checks that a steady-state step through both losses
// allocates nothing.
func TestClassifyAllocs(t *testing.T) {
	zs, zt := logits(32, 10, 1, 8), logits(32, 10, 1, 9)
	labels := make([]int, 32)
	for i := range labels {
		labels[i] = i % 10
	}
	var tp autograd.Tape
	step := func() {
		tp.Reset()
		tp.Backward(tp.Add(CrossEntropy(&tp, zs, labels), Distillation{}.Loss(&tp, zs, zt)))
	}
	step()
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Errorf("%v allocations per step", n)
	}
}

func TestAccuracy(t *testing.T) {
	z := mat.NewDense(4, 3, []float64{
		1, 2, 0, // 1
		5, 5, 1, // 0 (first on ties)
		0, 0, 9, // 2
		3, 1, 2, // 0
	})
	if got := Accuracy(z, []int{1, 0, 1, 2}); got != 0.5 {
		t.Errorf("accuracy %v, want 0.5", got)
	}
}

func TestClassifyPanics(t *testing.T) {
	var tp autograd.Tape
	z := logits(2, 3, 1, 1)
	for name, f := range map[string]func(){
		"label out of range":   func() { CrossEntropy(&tp, z, []int{0, 3}) },
		"too few labels":       func() { CrossEntropy(&tp, z, []int{0}) },
		"shape mismatch":       func() { Distillation{}.Loss(&tp, z, logits(2, 4, 1, 1)) },
		"negative temperature": func() { Distillation{T: -1}.Loss(&tp, z, z) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
