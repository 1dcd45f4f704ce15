package autograd_test

import (
	"errors"
	"math"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// TestGolden checks values and gradients by hand where finite differences are
// ill-conditioned or meaningless: at the kinks of ReLU, LeakyReLU, Abs, Clip and
// Huber, at ±Inf and NaN entries that a mask hides, at valid −Inf entries, at
// saturation, and through StopGrad, whose gradient by design differs from the
// derivative of the value. The loss is the sum of the op's output.
func TestGolden(t *testing.T) {
	e, e2 := math.E, math.E*math.E
	inf, nan := math.Inf(1), math.NaN()
	for _, c := range []struct {
		name      string
		x         []float64 // one row
		f         func(tp *tape, x *node) *node
		val, grad []float64 // value of f, gradient of Σ f with respect to x
	}{
		{"ReLU", []float64{-1, 0, 2}, (*tape).ReLU, []float64{0, 0, 2}, []float64{0, 0, 1}},
		{"Abs", []float64{-1, 0, 2}, (*tape).Abs, []float64{1, 0, 2}, []float64{-1, 0, 1}},
		{"LeakyReLU", []float64{-1, 0, 2},
			func(tp *tape, x *node) *node { return tp.LeakyReLU(x, 0.1) },
			[]float64{-0.1, 0, 2}, []float64{0.1, 0.1, 1}},
		{"Clip", []float64{-1, 0.5, 0, -2, 3},
			func(tp *tape, x *node) *node { return tp.Clip(x, -1, 0.5) },
			[]float64{-1, 0.5, 0, -1, 0.5}, []float64{0, 0, 1, 0, 0}},
		{"Huber", []float64{-1, 1, -2, 0.5, 3},
			func(tp *tape, x *node) *node { return tp.Huber(x, tp.Const(mat.NewDense(1, 1, nil)), 1) },
			[]float64{0.5, 0.5, 1.5, 0.125, 2.5}, []float64{-1, 1, -1, 0.5, 1}},
		{"Sigmoid/saturated", []float64{-800, 800}, (*tape).Sigmoid, []float64{0, 1}, []float64{0, 0}},
		{"Softplus/saturated", []float64{-800, 800}, (*tape).Softplus, []float64{0, 800}, []float64{0, 1}},
		{"LogSumExpRows/masked-inf-nan", []float64{1, inf, 2, nan},
			func(tp *tape, x *node) *node { return tp.LogSumExpRows(x, []bool{true, false, true, false}) },
			[]float64{math.Log(e + e2)}, []float64{e / (e + e2), 0, e2 / (e + e2), 0}},
		{"LogSumExpRows/valid-minus-inf", []float64{-inf, 0},
			func(tp *tape, x *node) *node { return tp.LogSumExpRows(x, nil) },
			[]float64{0}, []float64{0, 1}},
		{"LogSoftmax/masked", []float64{1, inf, 2},
			func(tp *tape, x *node) *node { return tp.Pick(tp.LogSoftmax(x, []bool{true, false, true}), []int{0}) },
			[]float64{1 - math.Log(e+e2)}, []float64{1 - e/(e+e2), 0, -e2 / (e + e2)}},
		{"LogSoftmax/masked-value", []float64{1, inf, 2},
			func(tp *tape, x *node) *node {
				return tp.StopGrad(tp.LogSoftmax(x, []bool{true, false, true}))
			},
			[]float64{1 - math.Log(e+e2), -inf, 2 - math.Log(e+e2)}, []float64{0, 0, 0}},
		{"StopGrad", []float64{3, -2},
			func(tp *tape, x *node) *node { return tp.Mul(x, tp.StopGrad(x)) },
			[]float64{9, 4}, []float64{3, -2}}, // not 2x: StopGrad blocks the second path
	} {
		t.Run(c.name, func(t *testing.T) {
			x := autograd.NewParam(mat.NewDense(1, len(c.x), append([]float64(nil), c.x...)))
			var tp tape
			out := c.f(&tp, x)
			if got := out.Value.RawMatrix().Data; !same(got, c.val) {
				t.Errorf("value %v, want %v", got, c.val)
			}
			if loss := tp.Sum(out); loss.RequiresGrad() {
				tp.Backward(loss)
			}
			if got := x.Grad.RawMatrix().Data; !same(got, c.grad) {
				t.Errorf("gradient %v, want %v", got, c.grad)
			}
		})
	}
}

// same reports whether a and b are equal within 1e-14, with equal infinities.
func same(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.Abs(a[i]-b[i]) <= 1e-14) {
			return false
		}
	}
	return true
}

// TestPanics checks that programmer errors panic with the documented sentinel.
func TestPanics(t *testing.T) {
	p := func(r, c int) *node { return autograd.NewParam(mat.NewDense(r, c, nil)) }
	for _, c := range []struct {
		name string
		want error
		f    func(tp *tape)
	}{
		{"Add/rows", autograd.ErrShape, func(tp *tape) { tp.Add(p(3, 5), p(2, 5)) }},
		{"Sub/cols", autograd.ErrShape, func(tp *tape) { tp.Sub(p(3, 5), p(3, 2)) }},
		{"Mul/larger-b", autograd.ErrShape, func(tp *tape) { tp.Mul(p(1, 5), p(3, 5)) }},
		{"Div/transposed-row", autograd.ErrShape, func(tp *tape) { tp.Div(p(3, 5), p(5, 1)) }},
		{"MatMul", autograd.ErrShape, func(tp *tape) { tp.MatMul(p(3, 4), p(3, 4)) }},
		{"MatMulT", autograd.ErrShape, func(tp *tape) { tp.MatMulT(p(3, 4), p(4, 3)) }},
		{"TMatMul", autograd.ErrShape, func(tp *tape) { tp.TMatMul(p(3, 4), p(4, 3)) }},
		{"Pick/len", autograd.ErrShape, func(tp *tape) { tp.Pick(p(3, 4), []int{0, 1}) }},
		{"LogSoftmax/mask-len", autograd.ErrShape, func(tp *tape) { tp.LogSoftmax(p(2, 2), []bool{true}) }},
		{"LogSumExpRows/mask-len", autograd.ErrShape, func(tp *tape) { tp.LogSumExpRows(p(2, 2), make([]bool, 5)) }},
		{"ConcatCols/rows", autograd.ErrShape, func(tp *tape) { tp.ConcatCols(p(2, 2), p(3, 2)) }},
		{"ConcatCols/none", autograd.ErrShape, func(tp *tape) { tp.ConcatCols() }},
		{"ConcatRows/cols", autograd.ErrShape, func(tp *tape) { tp.ConcatRows(p(2, 2), p(2, 3)) }},
		{"SegmentSum/len", autograd.ErrShape, func(tp *tape) { tp.SegmentSum(p(3, 2), []int{0, 1}, 2) }},
		{"SegmentSum/nseg", autograd.ErrShape, func(tp *tape) { tp.SegmentSum(p(1, 2), []int{0}, 0) }},
		{"Embed/len", autograd.ErrShape, func(tp *tape) { tp.Embed(p(3, 2), []int{0, 1, 2}, 2) }},
		{"Embed/empty", autograd.ErrShape, func(tp *tape) { tp.Embed(p(3, 2), nil, 1) }},
		{"Rows/empty", autograd.ErrShape, func(tp *tape) { tp.Rows(p(3, 2), nil) }},
		{"Scalar", autograd.ErrShape, func(tp *tape) { p(2, 1).Scalar() }},
		{"Backward/not-scalar", autograd.ErrNotScalar, func(tp *tape) { tp.Backward(tp.Square(p(2, 1))) }},

		{"LogSoftmax/all-masked", autograd.ErrAllMasked,
			func(tp *tape) { tp.LogSoftmax(p(2, 2), []bool{true, false, false, false}) }},
		{"LogSumExpRows/all-masked", autograd.ErrAllMasked,
			func(tp *tape) { tp.LogSumExpRows(p(2, 2), []bool{false, false, true, true}) }},

		{"Pick/index", autograd.ErrIndex, func(tp *tape) { tp.Pick(p(2, 3), []int{0, 3}) }},
		{"Pick/negative", autograd.ErrIndex, func(tp *tape) { tp.Pick(p(2, 3), []int{-1, 0}) }},
		{"Embed/index", autograd.ErrIndex, func(tp *tape) { tp.Embed(p(3, 2), []int{3}, 1) }},
		{"Rows/index", autograd.ErrIndex, func(tp *tape) { tp.Rows(p(3, 2), []int{0, -1}) }},
		{"SegmentSum/segment", autograd.ErrIndex, func(tp *tape) { tp.SegmentSum(p(2, 2), []int{0, 2}, 2) }},
		{"SliceCols/range", autograd.ErrIndex, func(tp *tape) { tp.SliceCols(p(2, 3), 1, 4) }},
		{"SliceCols/empty", autograd.ErrIndex, func(tp *tape) { tp.SliceCols(p(2, 3), 1, 1) }},
		{"SliceRows/range", autograd.ErrIndex, func(tp *tape) { tp.SliceRows(p(2, 3), -1, 1) }},

		{"Clip/bounds", autograd.ErrArg, func(tp *tape) { tp.Clip(p(1, 1), 1, -1) }},
		{"Clip/NaN", autograd.ErrArg, func(tp *tape) { tp.Clip(p(1, 1), math.NaN(), 1) }},
		{"Huber/zero", autograd.ErrArg, func(tp *tape) { tp.Huber(p(1, 1), p(1, 1), 0) }},
		{"Huber/NaN", autograd.ErrArg, func(tp *tape) { tp.Huber(p(1, 1), p(1, 1), math.NaN()) }},
		{"Embed/k", autograd.ErrArg, func(tp *tape) { tp.Embed(p(3, 2), []int{0}, 0) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			var tp tape
			if err := panicErr(func() { c.f(&tp) }); !errors.Is(err, c.want) {
				t.Errorf("panicked with %v, want %v", err, c.want)
			}
		})
	}
}

// panicErr runs f and returns the error it panics with, or nil.
func panicErr(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(error)
			if !ok {
				e = errors.New("non-error panic")
			}
			err = e
		}
	}()
	f()
	return nil
}
