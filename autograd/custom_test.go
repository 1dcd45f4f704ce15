package autograd_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
)

// weightedSquares is a Custom operation defined as a user package would:
// out[i] = Σⱼ w[i,j]·x[i,j]², with the row sums of x² kept in the node's
// scratch for no reason but to exercise Floats and Ints.
func weightedSquares(t *autograd.Tape, x, w *autograd.Node) *autograd.Node {
	r, c := x.Dims()
	out := t.Custom(r, 1, weightedSquaresBack, x, w)
	xv, wv, ov := x.Value.RawMatrix().Data, w.Value.RawMatrix().Data, out.Value.RawMatrix().Data
	idx := out.Ints(1)
	idx[0] = c
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			ov[i] += wv[i*c+j] * xv[i*c+j] * xv[i*c+j]
		}
	}
	return out
}

func weightedSquaresBack(out *autograd.Node, in []*autograd.Node) {
	x, w := in[0], in[1]
	c := out.Ints(1)[0]
	g := out.Grad.RawMatrix().Data
	xv, wv := x.Value.RawMatrix().Data, w.Value.RawMatrix().Data
	for i, gi := range g {
		for j := 0; j < c; j++ {
			k := i*c + j
			if x.Grad != nil {
				x.Grad.RawMatrix().Data[k] += gi * 2 * wv[k] * xv[k]
			}
			if w.Grad != nil {
				w.Grad.RawMatrix().Data[k] += gi * xv[k] * xv[k]
			}
		}
	}
}

func TestCustomGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x, w := randParam(rng, 3, 4), randParam(rng, 3, 4)
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		// x enters twice, through Tanh, so that the custom gradient
		// flows on into tape nodes as well as parameters.
		return tp.Sum(weightedSquares(tp, tp.Tanh(x), w))
	}, x, w)
}

func TestCustomConstantOperand(t *testing.T) {
	var tp autograd.Tape
	x := tp.Input(2, 2)
	copy(x.Value.RawMatrix().Data, []float64{1, 2, 3, 4})
	w := tp.Input(2, 2)
	copy(w.Value.RawMatrix().Data, []float64{1, 1, 1, 1})
	out := weightedSquares(&tp, x, w)
	if out.Grad != nil {
		t.Fatal("a Custom node of constants has a gradient")
	}
	if got := out.Value.RawMatrix().Data; got[0] != 5 || got[1] != 25 {
		t.Fatalf("values %v, want [5 25]", got)
	}
}

func TestCustomNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, w := randParam(rng, 8, 8), randParam(rng, 8, 8)
	var tp autograd.Tape
	step := func() {
		tp.Reset()
		tp.Backward(tp.Sum(weightedSquares(&tp, x, w)))
	}
	step()
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Fatalf("%v allocations per step, want 0", n)
	}
	if math.IsNaN(x.Grad.At(0, 0)) {
		t.Fatal("NaN gradient")
	}
}

func TestCustomPanics(t *testing.T) {
	var tp, other autograd.Tape
	x := other.Input(1, 1)
	for name, f := range map[string]func(){
		"nil back":     func() { tp.Custom(1, 1, nil) },
		"negative":     func() { tp.Custom(-1, 1, weightedSquaresBack) },
		"foreign node": func() { tp.Custom(1, 1, weightedSquaresBack, x) },
	} {
		func() {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, autograd.ErrArg) && !errors.Is(err, autograd.ErrTape) {
					t.Errorf("%s: recovered %v, want ErrArg or ErrTape", name, err)
				}
			}()
			f()
		}()
	}
}
