package autogradtest

import (
	"fmt"
	"math"
	"testing"

	"github.com/gogfn/gogfn/autograd"
)

// Tol is the largest MaxRelError that Check accepts. Central differences with a
// step scaled to the value are accurate to about 1e-9 on well-conditioned
// float64 losses; a wrong gradient is usually off by far more than 1e-6.
const Tol = 1e-6

// Check compares, for every element of every parameter, the gradient that
// Backward computes for the scalar loss f builds with a central finite
// difference of f, and reports the worst element with t.Errorf when its error
// (see MaxRelError) exceeds Tol.
//
// f must build the loss on the tape it is given from the persistent nodes in
// params (autograd.NewParam) and must not depend on anything else that changes
// between calls. Check calls it 1 + 2·(number of parameter elements) times.
// Rounding in f limits the accuracy of the differences to about 4e-11·|loss|,
// so the loss should be of moderate size (|loss| ≲ 1e4) at the parameters:
// weight or average rather than sum thousands of terms.
// It zeroes the parameters' gradients first and leaves the analytic gradient in
// them; their values are restored exactly.
//
// It panics if f does not return a 1×1 node or a parameter has no gradient.
func Check(t testing.TB, f func(tp *autograd.Tape) *autograd.Node, params ...*autograd.Node) {
	t.Helper()
	w := compare(f, params)
	if w.loss != "" {
		t.Errorf("autogradtest: %s", w.loss)
		return
	}
	if !(w.err <= Tol) {
		t.Errorf("autogradtest: param %d element (%d, %d): backward %.10g, finite difference %.10g, error %.3g > %.0e (%d of %d elements fail)",
			w.param, w.row, w.col, w.analytic, w.numeric, w.err, Tol, w.bad, w.total)
	}
}

// MaxRelError returns the largest error between Backward's gradient a and the
// central finite difference n over every element of every parameter, with
//
//	error = |a − n| / max(1, |a|, |n|),
//
// that is the relative error for gradients larger than 1 and the absolute error
// below. It returns +Inf if the loss is not finite at the parameters' values or
// if an analytic or numeric gradient is NaN. f and params are as for Check.
//
// It panics if f does not return a 1×1 node or a parameter has no gradient.
func MaxRelError(f func(*autograd.Tape) *autograd.Node, params ...*autograd.Node) float64 {
	w := compare(f, params)
	if w.loss != "" {
		return math.Inf(1)
	}
	return w.err
}

// worst describes the element with the largest error.
type worst struct {
	param, row, col   int
	analytic, numeric float64
	err               float64
	bad, total        int    // elements with error > Tol, elements checked
	loss              string // non-empty if the loss itself is unusable
}

func compare(f func(*autograd.Tape) *autograd.Node, params []*autograd.Node) worst {
	var tp autograd.Tape
	for i, p := range params {
		if !p.RequiresGrad() {
			panic(fmt.Sprintf("autogradtest: param %d has no gradient (use autograd.NewParam)", i))
		}
	}
	autograd.ZeroGrad(params...)
	loss := f(&tp)
	l0 := loss.Scalar()
	if math.IsNaN(l0) || math.IsInf(l0, 0) {
		return worst{loss: fmt.Sprintf("loss is %v at the given parameters", l0)}
	}
	tp.Backward(loss)

	eval := func() float64 {
		tp.Reset()
		return f(&tp).Scalar()
	}
	w := worst{err: -1}
	var bad, total int
	for pi, p := range params {
		_, c := p.Dims()
		raw := p.Value.RawMatrix()
		grad := p.Grad.RawMatrix()
		for r := 0; r < raw.Rows; r++ {
			for j := 0; j < c; j++ {
				x := &raw.Data[r*raw.Stride+j]
				x0 := *x
				h := math.Cbrt(0x1p-52) * max(1, math.Abs(x0))
				*x = x0 + h
				hp := *x - x0 // the step actually taken
				fp := eval()
				*x = x0 - h
				hm := x0 - *x
				fm := eval()
				*x = x0
				n := (fp - fm) / (hp + hm)
				a := grad.Data[r*grad.Stride+j]
				e := math.Abs(a-n) / max(1, math.Abs(a), math.Abs(n))
				if math.IsNaN(e) {
					e = math.Inf(1)
				}
				if e > Tol {
					bad++
				}
				total++
				if e > w.err {
					w = worst{param: pi, row: r, col: j, analytic: a, numeric: n, err: e}
				}
			}
		}
	}
	if w.err < 0 { // no elements
		w.err = 0
	}
	w.bad, w.total = bad, total
	return w
}
