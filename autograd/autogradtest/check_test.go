package autogradtest_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"gonum.org/v1/gonum/mat"
)

// recorder is a testing.TB that records Errorf calls instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func param(v ...float64) *autograd.Node {
	return autograd.NewParam(mat.NewDense(1, len(v), v))
}

func TestCheckPassesCorrectGradient(t *testing.T) {
	x, y := param(0.3, -1.2, 2), param(0.7)
	f := func(tp *autograd.Tape) *autograd.Node {
		return tp.Sum(tp.Mul(tp.Tanh(tp.Mul(x, y)), x))
	}
	var r recorder
	autogradtest.Check(&r, f, x, y)
	if len(r.errs) != 0 {
		t.Fatalf("Check failed a correct gradient: %v", r.errs)
	}
	if e := autogradtest.MaxRelError(f, x, y); !(e < 1e-8) {
		t.Errorf("MaxRelError = %g, want < 1e-8", e)
	}
	if got := x.Value.RawMatrix().Data; got[0] != 0.3 || got[1] != -1.2 || got[2] != 2 {
		t.Errorf("parameter values not restored: %v", got)
	}
}

// A StopGrad on a path that does depend on the parameter makes Backward's
// gradient differ from the derivative of the value: x ⊙ StopGrad(x) has
// gradient x from Backward but 2x numerically. Check must catch it and name
// the worst element, which is the one of largest magnitude.
func TestCheckReportsWrongGradient(t *testing.T) {
	x, y := param(0.5), param(0.3, -4, 0.45)
	f := func(tp *autograd.Tape) *autograd.Node {
		return tp.Add(tp.Sum(x), tp.Sum(tp.Mul(y, tp.StopGrad(y))))
	}
	var r recorder
	autogradtest.Check(&r, f, x, y)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "param 1 element (0, 1)") ||
		!strings.Contains(r.errs[0], "(3 of 4 elements fail)") {
		t.Fatalf("Check reported %q, want one error naming param 1 element (0, 1), 3 of 4 failing", r.errs)
	}
	if e := autogradtest.MaxRelError(f, x, y); math.Abs(e-0.5) > 1e-6 {
		t.Errorf("MaxRelError = %g, want 0.5 (|−4 − (−8)| / 8)", e)
	}
}

func TestCheckNonFiniteLoss(t *testing.T) {
	x := param(-1)
	f := func(tp *autograd.Tape) *autograd.Node { return tp.Sum(tp.Log(x)) }
	var r recorder
	autogradtest.Check(&r, f, x)
	if len(r.errs) != 1 {
		t.Fatalf("Check reported %q for a NaN loss, want one error", r.errs)
	}
	if e := autogradtest.MaxRelError(f, x); !math.IsInf(e, 1) {
		t.Errorf("MaxRelError = %g, want +Inf", e)
	}
}

// The step scales with the value: a large and a tiny element of one
// parameter, under a loss in the thousands, both pass.
func TestCheckScaledStep(t *testing.T) {
	x := param(20, -3e-3)
	f := func(tp *autograd.Tape) *autograd.Node { return tp.Sum(tp.Mul(tp.Square(x), x)) }
	if e := autogradtest.MaxRelError(f, x); !(e < autogradtest.Tol) {
		t.Errorf("MaxRelError = %g on x³ at 20 and −3e−3, want < %g", e, autogradtest.Tol)
	}
}
