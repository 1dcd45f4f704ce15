package autograd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestBinaryBitIdentical checks Add, Sub, Mul and Div, values and both
// gradients, in every broadcast form against the element-by-element definition
// (a flat index mapped to b's index with a division), with exact equality:
// the block loops must not change a single bit.
func TestBinaryBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	random := func(r, c int) *mat.Dense {
		d := mat.NewDense(r, c, nil)
		for i := range d.RawMatrix().Data {
			d.RawMatrix().Data[i] = (0.5 + rng.Float64()) * float64(1-2*rng.IntN(2))
		}
		return d
	}
	type refOp struct {
		f      func(*Tape, *Node, *Node) *Node
		val    func(x, y float64) float64
		ga, gb func(g, x, y, o float64) float64 // terms added to ∂a and ∂b
	}
	ops := map[string]refOp{
		"Add": {(*Tape).Add, func(x, y float64) float64 { return x + y },
			func(g, x, y, o float64) float64 { return g }, func(g, x, y, o float64) float64 { return g }},
		"Sub": {(*Tape).Sub, func(x, y float64) float64 { return x - y },
			func(g, x, y, o float64) float64 { return g }, func(g, x, y, o float64) float64 { return -g }},
		"Mul": {(*Tape).Mul, func(x, y float64) float64 { return x * y },
			func(g, x, y, o float64) float64 { return g * y }, func(g, x, y, o float64) float64 { return g * x }},
		"Div": {(*Tape).Div, func(x, y float64) float64 { return x / y },
			func(g, x, y, o float64) float64 { return g / y }, func(g, x, y, o float64) float64 { return -(g * o / y) }},
	}
	for name, op := range ops {
		for _, s := range [][4]int{{1, 1, 1, 1}, {5, 7, 5, 7}, {5, 7, 1, 7}, {5, 7, 5, 1}, {5, 7, 1, 1}, {1, 7, 1, 1}, {6, 1, 1, 1}} {
			t.Run(fmt.Sprintf("%s/%dx%d_%dx%d", name, s[0], s[1], s[2], s[3]), func(t *testing.T) {
				m, n, br, bc := s[0], s[1], s[2], s[3]
				a, b, w := NewParam(random(m, n)), NewParam(random(br, bc)), random(m, n)
				ag0, bg0 := random(m, n), random(br, bc) // gradients accumulate onto these
				a.Grad.Copy(ag0)
				b.Grad.Copy(bg0)
				var tp Tape
				out := op.f(&tp, a, b)
				tp.Backward(tp.Sum(tp.Mul(out, tp.Const(w))))

				av, bv, wv := data(a.Value), data(b.Value), data(w)
				wantA, wantB := data(ag0), data(bg0)
				for i := range m * n {
					j := (i/n)*min(br-1, 1)*bc + (i%n)*min(bc-1, 1)
					o := op.val(av[i], bv[j])
					if got := data(out.Value)[i]; got != o {
						t.Fatalf("value[%d] = %v, want %v", i, got, o)
					}
					wantA[i] += op.ga(wv[i], av[i], bv[j], o)
					wantB[j] += op.gb(wv[i], av[i], bv[j], o)
				}
				for i, v := range wantA {
					if got := data(a.Grad)[i]; got != v {
						t.Errorf("∂a[%d] = %v, want %v", i, got, v)
					}
				}
				for i, v := range wantB {
					if got := data(b.Grad)[i]; got != v {
						t.Errorf("∂b[%d] = %v, want %v", i, got, v)
					}
				}
			})
		}
	}
}
