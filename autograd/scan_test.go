package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"gonum.org/v1/gonum/mat"
)

func TestSegmentCumSumValues(t *testing.T) {
	var tp autograd.Tape
	// Segments of 2, 0 and 3 rows, 2 columns.
	x := tp.Const(mat.NewDense(5, 2, []float64{1, 10, 2, 20, 3, 30, 4, 40, 5, 50}))
	got := tp.SegmentCumSum(x, []int{0, 2, 2, 5})
	want := []float64{
		0, 0, 1, 10, 3, 30, // segment 0: prefixes of length 0, 1, 2
		0, 0, // segment 1: empty
		0, 0, 3, 30, 7, 70, 12, 120, // segment 2
	}
	if r, c := got.Dims(); r != 8 || c != 2 {
		t.Fatalf("dims %d×%d, want 8×2", r, c)
	}
	if g := got.Value.RawMatrix().Data; !equal(g, want, 0) {
		t.Errorf("SegmentCumSum = %v, want %v", g, want)
	}
}

func TestSegmentLogSumExpValues(t *testing.T) {
	var tp autograd.Tape
	inf := math.Inf(-1)
	x := tp.Const(mat.NewDense(5, 1, []float64{0, math.Log(3), 1000, 1000, inf}))
	got := tp.SegmentLogSumExp(x, []int{0, 0, 2, 2, 3}, 4)
	want := []float64{math.Log(4), inf, 1000 + math.Log(2), inf}
	if g := got.Value.RawMatrix().Data; !equal(g, want, 1e-12) {
		t.Errorf("SegmentLogSumExp = %v, want %v", g, want)
	}
}

func equal(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

func randParam(rng *rand.Rand, r, c int) *autograd.Node {
	v := mat.NewDense(r, c, nil)
	for i := range v.RawMatrix().Data {
		v.RawMatrix().Data[i] = rng.NormFloat64()
	}
	return autograd.NewParam(v)
}

func TestSegmentScanGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randParam(rng, 6, 2)
	// Weights make every output element matter differently.
	w1 := mat.NewDense(9, 2, nil)
	w2 := mat.NewDense(4, 2, nil)
	for _, w := range []*mat.Dense{w1, w2} {
		for i := range w.RawMatrix().Data {
			w.RawMatrix().Data[i] = rng.NormFloat64()
		}
	}
	offset := []int{0, 3, 3, 6}
	seg := []int{1, 0, 1, 3, 3, 1} // segment 2 is empty
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		c := tp.Mul(tp.SegmentCumSum(x, offset), tp.Const(w1))
		l := tp.SegmentLogSumExp(x, seg, 4)
		// Drop the empty segment's −Inf before weighting.
		l = tp.Mul(tp.ConcatRows(tp.SliceRows(l, 0, 2), tp.SliceRows(l, 3, 4)), tp.Const(w2.Slice(0, 3, 0, 2)))
		return tp.Add(tp.Sum(c), tp.Sum(tp.Square(l)))
	}, x)
}

func TestSegmentScanPanics(t *testing.T) {
	var tp autograd.Tape
	x := tp.Input(3, 1)
	for name, f := range map[string]func(){
		"offset start": func() { tp.SegmentCumSum(x, []int{1, 3}) },
		"offset end":   func() { tp.SegmentCumSum(x, []int{0, 2}) },
		"offset short": func() { tp.SegmentCumSum(x, []int{0}) },
		"offset down":  func() { tp.SegmentCumSum(x, []int{0, 2, 1, 3}) },
		"seg length":   func() { tp.SegmentLogSumExp(x, []int{0, 0}, 1) },
		"seg range":    func() { tp.SegmentLogSumExp(x, []int{0, 1, 2}, 2) },
		"seg none":     func() { tp.SegmentLogSumExp(x, []int{0, 0, 0}, 0) },
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

func TestSegmentScanAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := randParam(rng, 6, 1)
	offset := []int{0, 2, 6}
	seg := []int{0, 0, 1, 1, 1, 2}
	var tp autograd.Tape
	step := func() {
		tp.Reset()
		loss := tp.Add(tp.Sum(tp.SegmentCumSum(x, offset)), tp.Sum(tp.SegmentLogSumExp(x, seg, 3)))
		tp.Backward(loss)
	}
	step()
	if a := testing.AllocsPerRun(10, step); a != 0 {
		t.Errorf("%v allocs per step, want 0", a)
	}
}
