package optim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// adamCoef is one set of kernel coefficients.
type adamCoef struct{ b1, ob1, b2, ob2, ic2, step, decay, eps float64 }

// coefAt returns the coefficients Adam.Step passes at step t.
func coefAt(t int, lr, wd float64) adamCoef {
	b1, b2 := 0.9, 0.999
	c1, c2 := 1-math.Pow(b1, float64(t)), 1-math.Pow(b2, float64(t))
	return adamCoef{b1, 1 - b1, b2, 1 - b2, 1 / c2, lr / c1, 1 - lr*wd, 1e-8}
}

func (c adamCoef) run(f adamFunc, w, g, m, v []float64) {
	f(w, g, m, v, c.b1, c.ob1, c.b2, c.ob2, c.ic2, c.step, c.decay, c.eps)
}

// adamInputs returns random w, g, m, v of length n. Gradients mix zeros,
// subnormals and magnitudes from 1e-300 to 1e150; v ≥ 0 as Adam keeps it.
func adamInputs(rng *rand.Rand, n int) (w, g, m, v []float64) {
	w, g, m, v = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	scales := []float64{0, 5e-324, 1e-300, 1e-160, 1e-20, 1e-3, 1, 1e20, 1e150}
	for i := range n {
		w[i] = rng.NormFloat64()
		g[i] = rng.NormFloat64() * scales[rng.IntN(len(scales))]
		m[i] = rng.NormFloat64() * 1e-3
		if rng.IntN(5) > 0 {
			v[i] = math.Abs(rng.NormFloat64()) * 1e-6
		}
	}
	return w, g, m, v
}

// sameBits reports whether a and b are the same float64, bit for bit, or
// both NaN (NaN payloads may depend on operand order).
func sameBits(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || math.IsNaN(a) && math.IsNaN(b)
}

// checkKernel runs f and adamGo on copies of the same inputs, placed at
// offset off of a larger buffer so that vector loads start at every
// alignment, and reports any element that differs, any non-zero gradient
// left, and any write outside [off, off+n).
func checkKernel(t *testing.T, name string, f adamFunc, c adamCoef, w, g, m, v []float64, off int) {
	t.Helper()
	n := len(g)
	const pad = 9
	embed := func(x []float64) []float64 {
		buf := make([]float64, off+n+pad)
		for i := range buf {
			buf[i] = -7.25 // sentinel
		}
		copy(buf[off:], x)
		return buf
	}
	bw, bg, bm, bv := embed(w), embed(g), embed(m), embed(v)
	rw, rg, rm, rv := slices.Clone(w), slices.Clone(g), slices.Clone(m), slices.Clone(v)
	c.run(f, bw[off:off+n], bg[off:off+n], bm[off:off+n], bv[off:off+n])
	c.run(adamGo, rw, rg, rm, rv)
	for _, b := range []struct {
		name      string
		got, want []float64
	}{{"w", bw, rw}, {"g", bg, rg}, {"m", bm, rm}, {"v", bv, rv}} {
		for i, x := range b.got {
			if i < off || i >= off+n {
				if x != -7.25 {
					t.Fatalf("%s n=%d off=%d: %s[%d] outside the slice was written: %v", name, n, off, b.name, i-off, x)
				}
				continue
			}
			if want := b.want[i-off]; !sameBits(x, want) {
				t.Fatalf("%s n=%d off=%d %+v: %s[%d] = %v (%#x), portable loop gives %v (%#x); inputs w=%v g=%v m=%v v=%v",
					name, n, off, c, b.name, i-off, x, math.Float64bits(x), want, math.Float64bits(want),
					w[i-off], g[i-off], m[i-off], v[i-off])
			}
			if b.name == "g" && x != 0 {
				t.Fatalf("%s n=%d: g[%d] = %v after the update, want 0", name, n, i-off, x)
			}
		}
	}
}

func TestAdamKernelsBitIdentical(t *testing.T) {
	ks := adamKernels()
	if len(ks) < 2 {
		t.Logf("only the portable kernel runs here: %v", slices.Sorted(mapsKeys(ks)))
	}
	coefs := []adamCoef{
		coefAt(1, 1e-3, 0),      // decay = 1
		coefAt(1000, 1e-3, 0.1), // AdamW, decay ≠ 1
		coefAt(3, 0.1, 0.01),
		{0.5, 0.5, 0.25, 0.75, 3.7, 1.3, 0.97, 1e-3}, // arbitrary values
	}
	rng := rand.New(rand.NewPCG(3, 5))
	lengths := []int{1000, 2049, 4099}
	for n := 0; n <= 100; n++ {
		lengths = append(lengths, n)
	}
	for name, f := range ks {
		if name == "go" {
			continue
		}
		for _, n := range lengths {
			for ci, c := range coefs {
				w, g, m, v := adamInputs(rng, n)
				checkKernel(t, name, f, c, w, g, m, v, (n+ci)%8)
			}
		}
	}
}

func TestAdamKernelsSpecialValues(t *testing.T) {
	// Infinite and NaN gradients, huge moments and signed zeros go through
	// every kernel's vector body and scalar tail alike.
	specials := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 1e-308, 1e154, -1e154}
	n := 37
	rng := rand.New(rand.NewPCG(8, 13))
	for name, f := range adamKernels() {
		if name == "go" {
			continue
		}
		for range 20 {
			w, g, m, v := adamInputs(rng, n)
			for i := range n {
				if rng.IntN(3) == 0 {
					g[i] = specials[rng.IntN(len(specials))]
				}
				if rng.IntN(4) == 0 {
					w[i] = specials[rng.IntN(len(specials))]
				}
				if rng.IntN(4) == 0 {
					m[i] = specials[rng.IntN(len(specials))]
				}
			}
			checkKernel(t, name, f, coefAt(2, 1e-3, 0.1), w, g, m, v, rng.IntN(8))
		}
	}
}

func TestAdamKernelsPanicOnShortSlices(t *testing.T) {
	for name, f := range adamKernels() {
		for _, short := range []string{"w", "m", "v"} {
			s := map[string][]float64{"w": make([]float64, 9), "m": make([]float64, 9), "v": make([]float64, 9)}
			s[short] = s[short][:8]
			if _, ok := panics(func() {
				coefAt(1, 1e-3, 0).run(f, s["w"], make([]float64, 9), s["m"], s["v"])
			}); !ok {
				t.Errorf("%s: no panic with %s shorter than g", name, short)
			}
		}
	}
}

// TestAdamStepEveryKernel trains the same two-layer parameters with Adam,
// forcing each kernel in turn through adamKernel, and checks that the runs
// agree bit for bit and that Step stays allocation-free.
func TestAdamStepEveryKernel(t *testing.T) {
	prev := adamKernel
	defer func() { adamKernel = prev }()
	var ref []float64
	for name, f := range adamKernels() {
		adamKernel = f
		rng := rand.New(rand.NewPCG(1, 2))
		ps := []*autograd.Node{
			autograd.NewParam(mat.NewDense(13, 11, nil)),
			autograd.NewParam(mat.NewDense(1, 11, nil)),
			autograd.NewParam(mat.NewDense(1, 1, nil)),
		}
		o := &Adam{Params: ps[:2], WeightDecay: 0.01, Groups: []Group{{Params: ps[2:], LR: 0.1}}}
		step := func() {
			for _, p := range ps {
				for i := range raw(p.Grad) {
					raw(p.Grad)[i] = rng.NormFloat64()
				}
			}
			o.Step()
		}
		for range 30 {
			step()
		}
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%s: Adam.Step allocates %v times per call", name, n)
		}
		var got []float64
		for _, p := range ps {
			got = append(got, raw(p.Value)...)
		}
		if ref == nil {
			ref = got
			continue
		}
		for i := range got {
			if !sameBits(got[i], ref[i]) {
				t.Fatalf("%s: parameter element %d = %v, another kernel gives %v", name, i, got[i], ref[i])
			}
		}
	}
}

func mapsKeys(m map[string]adamFunc) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
