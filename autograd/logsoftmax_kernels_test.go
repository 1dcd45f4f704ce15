package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// lseRow returns a row of n logits for the kernel tests: normals scaled by
// scale, with special values (−Inf, very negative, 0, ±large) sprinkled in
// if special, and a mask (nil if dense) with about a third invalid. The
// masked entries hold anything, NaN and +Inf included: kernels must not
// read them into a result.
func lseRow(rng *rand.Rand, n int, scale float64, special, dense bool) ([]float64, []bool) {
	x := make([]float64, n)
	for j := range x {
		x[j] = scale * rng.NormFloat64()
		if special {
			switch rng.IntN(8) {
			case 0:
				x[j] = math.Inf(-1)
			case 1:
				x[j] = -1000 - 1e6*rng.Float64()
			case 2:
				x[j] = 0
			case 3:
				x[j] = math.Copysign(0, -1)
			}
		}
	}
	if dense {
		return x, nil
	}
	valid := make([]bool, n)
	for j := range valid {
		valid[j] = rng.IntN(3) > 0
		if !valid[j] && rng.IntN(2) == 0 {
			x[j] = []float64{math.NaN(), math.Inf(1), 1e300}[rng.IntN(3)]
		}
	}
	return x, valid
}

func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// TestLSEKernels checks every LogSoftmax kernel of this CPU against the Go
// definitions, to the bit, on rows of lengths around the vector width (8),
// with and without masks, with special values, and that no element outside
// a row or at a masked entry (for back) is written.
func TestLSEKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for name, ks := range lseKernelSets() {
		for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 64, 100, 257} {
			for trial := range 12 {
				special, dense := trial%3 == 1, trial%2 == 0
				scale := []float64{1, 30, 300}[trial%3]
				x, valid := lseRow(rng, n, scale, special, dense)
				where := fmt.Sprintf("%s: n=%d trial=%d", name, n, trial)
				m := lseMaxGo(x, valid)
				if got := ks.max(x, valid); !sameBits(got, m) && !(got == 0 && m == 0) {
					t.Fatalf("%s: max = %v, want %v", where, got, m)
				}
				for _, shift := range []float64{m, m + 3} { // expm is for arguments ≤ 709
					if math.IsInf(shift, 0) {
						continue
					}
					if got, want := ks.expSum(x, valid, shift), lseExpSumGo(x, valid, shift); !sameBits(got, want) {
						t.Fatalf("%s: expSum(%v) = %v, want %v", where, shift, got, want)
					}
				}
				if !math.IsInf(m, 0) {
					scale := []float64{1, 0.5, 3}[trial%3]
					want, got := make([]float64, n+2), make([]float64, n+2)
					want[n], got[n] = 7, 7
					ws, gs := lseExpWGo(want, x, valid, m, scale), ks.expW(got, x, valid, m, scale)
					if !sameBits(gs, ws) {
						t.Fatalf("%s: expW sum = %v, want %v", where, gs, ws)
					}
					for j := range got {
						if !sameBits(got[j], want[j]) {
							t.Fatalf("%s: expW: element %d is %v, want %v", where, j, got[j], want[j])
						}
					}
				}
				if got, want := ks.sum(x, valid), lseSumGo(x, valid); !sameBits(got, want) && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Fatalf("%s: sum = %v, want %v", where, got, want)
				}
				// shift and back write n elements of a longer slice.
				c := rng.NormFloat64() // then o ≤ 0 at valid entries, as a log-softmax
				if !math.IsInf(m, 0) {
					c += m + 3
				}
				want := eltNormals(rng, n+3)
				got := append([]float64(nil), want...)
				lseShiftGo(want, x, valid, c)
				ks.shift(got, x, valid, c)
				for j := range got {
					if !sameBits(got[j], want[j]) {
						t.Fatalf("%s: shift: element %d is %v, want %v", where, j, got[j], want[j])
					}
				}
				o := want[:n] // a log-softmax row: −Inf at masked entries
				g := eltNormals(rng, n)
				s := rng.NormFloat64()
				want = eltNormals(rng, n+3)
				got = append([]float64(nil), want...)
				orig := append([]float64(nil), want...)
				sh := []float64{0, 0.5, -2}[trial%3]
				lseBackGo(want, g, o, valid, s, sh)
				ks.back(got, g, o, valid, s, sh)
				for j := range got {
					if !sameBits(got[j], want[j]) {
						t.Fatalf("%s: back: element %d is %v, want %v", where, j, got[j], want[j])
					}
					if (j >= n || valid != nil && !valid[j]) && !sameBits(got[j], orig[j]) {
						t.Fatalf("%s: back wrote element %d, masked or outside the row", where, j)
					}
				}
			}
		}
	}
}

// TestLSEDefinitions checks the Go definitions against plain loops with
// math.Exp: the maxima exactly, the sums to a relative 1e-13 (expm is
// within about one unit in the last place of math.Exp, and the lanes add in
// another order).
func TestLSEDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, n := range []int{1, 5, 8, 13, 40, 300} {
		for trial := range 6 {
			x, valid := lseRow(rng, n, 5, trial%3 == 1, trial%2 == 0)
			ok := func(j int) bool { return valid == nil || valid[j] }
			mx, any := math.Inf(-1), false
			for j, v := range x {
				if ok(j) {
					mx, any = math.Max(mx, v), true
				}
			}
			if got := lseMaxGo(x, valid); got != mx {
				t.Fatalf("n=%d trial=%d: max = %v, want %v", n, trial, got, mx)
			}
			if !any || math.IsInf(mx, 0) {
				continue
			}
			var es, s float64
			for j, v := range x {
				if ok(j) {
					es += math.Exp(v - mx)
					s += v
				}
			}
			if got := lseExpSumGo(x, valid, mx); math.Abs(got-es) > 1e-13*es {
				t.Fatalf("n=%d trial=%d: expSum = %v, want %v", n, trial, got, es)
			}
			if got := lseSumGo(x, valid); math.Abs(got-s) > 1e-12*(1+math.Abs(s)) && !math.IsInf(s, 0) {
				t.Fatalf("n=%d trial=%d: sum = %v, want %v", n, trial, got, s)
			}
		}
	}
}

// TestSoftmaxWeights checks SoftmaxWeights against math.Exp (a relative
// 1e-15 per weight, 1e-13 for the sum), that masked entries weigh +0, and
// its infinite maxima.
func TestSoftmaxWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, n := range []int{1, 7, 8, 30, 3840} {
		for trial := range 4 {
			x, valid := lseRow(rng, n, 4, false, trial%2 == 0)
			if valid != nil {
				valid[0] = true
			}
			temp := []float64{1, 0.3, 2, 1}[trial]
			w := make([]float64, n)
			m, sum := SoftmaxWeights(w, x, valid, temp)
			if want := lseMaxGo(x, valid); m != want {
				t.Fatalf("n=%d: max %v, want %v", n, m, want)
			}
			var s float64
			for j := range w {
				want := 0.0
				if valid == nil || valid[j] {
					want = math.Exp((x[j] - m) / temp)
				}
				s += want
				if math.Abs(w[j]-want) > 1e-15*want || math.Signbit(w[j]) {
					t.Fatalf("n=%d temp=%v: w[%d] = %v, want %v", n, temp, j, w[j], want)
				}
			}
			if math.Abs(sum-s) > 1e-13*s {
				t.Fatalf("n=%d temp=%v: sum %v, want %v", n, temp, sum, s)
			}
		}
	}
	w := []float64{7, 7}
	for _, c := range []struct {
		x     []float64
		valid []bool
		m     float64
	}{
		{[]float64{1, 2}, []bool{false, false}, math.Inf(-1)},
		{[]float64{math.Inf(-1), 2}, []bool{true, false}, math.Inf(-1)},
		{[]float64{math.Inf(1), 2}, nil, math.Inf(1)},
	} {
		if m, sum := SoftmaxWeights(w, c.x, c.valid, 1); m != c.m || sum != 0 || w[0] != 7 {
			t.Errorf("SoftmaxWeights(%v, %v) = %v, %v and w %v, want %v, 0 and w unchanged", c.x, c.valid, m, sum, w, c.m)
		}
	}
	if _, sum := SoftmaxWeights(w, []float64{math.NaN(), 0}, nil, 1); !math.IsNaN(sum) {
		t.Errorf("SoftmaxWeights with NaN: sum %v, want NaN", sum)
	}
}

// TestLogSoftmaxPickMatches checks LogSoftmaxPick against Pick of
// LogSoftmax, values and gradients, on rows longer than a vector, masked,
// with one pick of a masked entry (−Inf, no gradient).
func TestLogSoftmaxPickMatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	const m, n = 5, 37
	x := mat.NewDense(m, n, eltNormals(rng, m*n))
	valid := make([]bool, m*n)
	idx := make([]int, m)
	for i := range m {
		for j := range n {
			valid[i*n+j] = (i+j)%3 != 0
		}
		idx[i] = (3*i + 1) % n
	}
	idx[3] = 0 // a masked pick
	valid[3*n] = false
	a, b := NewParam(mat.DenseCopyOf(x)), NewParam(mat.DenseCopyOf(x))
	var ta, tb Tape
	w := eltNormals(rng, m)
	wa := ta.Const(mat.NewDense(m, 1, w))
	wb := tb.Const(mat.NewDense(m, 1, w))
	pa := ta.LogSoftmaxPick(a, valid, idx)
	pb := tb.Pick(tb.LogSoftmax(b, valid), idx)
	for i := range m {
		va, vb := pa.Value.At(i, 0), pb.Value.At(i, 0)
		if math.Abs(va-vb) > 1e-14 && !(math.IsInf(va, -1) && math.IsInf(vb, -1)) {
			t.Fatalf("row %d: %v, want %v", i, va, vb)
		}
	}
	if !math.IsInf(pa.Value.At(3, 0), -1) {
		t.Fatalf("masked pick = %v, want −Inf", pa.Value.At(3, 0))
	}
	// The losses are −Inf, but the gradients are those of the finite rows.
	ta.Backward(ta.Sum(ta.Mul(pa, wa)))
	tb.Backward(tb.Sum(tb.Mul(pb, wb)))
	if !mat.EqualApprox(a.Grad, b.Grad, 1e-14) {
		t.Errorf("gradient\n%v\nwant\n%v", mat.Formatted(a.Grad), mat.Formatted(b.Grad))
	}
}
