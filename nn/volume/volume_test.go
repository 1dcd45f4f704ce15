package volume

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
)

// randomRay returns m knots on [0, 2] with gaps (some zero) and densities
// in [0, 3) with some exact zeros.
func randomRay(rng *rand.Rand, m int) (t, s []float64) {
	t, s = make([]float64, m), make([]float64, m)
	for j := range t {
		if j > 0 {
			t[j] = t[j-1]
			if rng.IntN(5) > 0 {
				t[j] += rng.Float64() * 4 / float64(m)
			}
		}
		if rng.IntN(4) > 0 {
			s[j] = 3 * rng.Float64()
		}
	}
	return t, s
}

func TestRaySampleInvertsOpacity(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 200; trial++ {
		for _, p := range []Interp{Linear, Constant} {
			var r Ray
			tr, sr := randomRay(rng, 2+rng.IntN(20))
			r.Set(p, tr, sr)
			yf := r.Opacity(r.T[len(r.T)-1])
			prev := math.Inf(-1)
			for i := 0; i <= 20; i++ {
				u := float64(i) / 20
				x := r.Sample(u)
				if x < r.T[0] || x > r.T[len(r.T)-1] || x < prev {
					t.Fatalf("%v: sample %v of u = %v outside [%v, %v] or below the previous %v", p, x, u, r.T[0], r.T[len(r.T)-1], prev)
				}
				prev = x
				if got := r.Opacity(x); math.Abs(got-u*yf) > 1e-12*max(1, yf) {
					t.Fatalf("%v: F(F⁻¹(u·y_f)) = %v, want %v (u = %v)", p, got, u*yf, u)
				}
			}
		}
	}
}

func TestRayDepthMatchesQuadrature(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, p := range []Interp{Linear, Constant} {
		var r Ray
		tr, sr := randomRay(rng, 12)
		r.Set(p, tr, sr)
		a, b := r.T[0], r.T[len(r.T)-1]
		const n = 200000
		var sum float64 // midpoint rule for ∫σ̂
		for i := 0; i < n; i++ {
			x := a + (b-a)*(float64(i)+0.5)/n
			sum += r.Density(x) * (b - a) / n
		}
		if got := r.Depth(b); math.Abs(got-sum) > 1e-3 {
			t.Errorf("%v: depth %v, midpoint rule %v", p, got, sum)
		}
	}
}

func TestLevel(t *testing.T) {
	for _, c := range []struct{ u, depth, want float64 }{
		{0.3, 1e-14, 0.3e-14},   // y ≈ u·I_f, to full precision
		{0.5, 1e-300, 0.5e-300}, // and beyond
		{1, 800, 800},           // u = 1: the far end, no overflow
		{0.5, 800, math.Log(2)}, // half of an opaque ray
		{0.75, 2, -math.Log1p(-0.75 * -math.Expm1(-2))},
		{0, 5, 0},
	} {
		y, _ := level(c.u, c.depth, -math.Expm1(-c.depth), math.Exp(-c.depth))
		if math.Abs(y-c.want) > 1e-14*c.want {
			t.Errorf("level(%v, %v) = %v, want %v", c.u, c.depth, y, c.want)
		}
	}
}

func TestTapeMatchesRay(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	const b, m, k = 4, 9, 7
	for _, p := range []Interp{Linear, Constant} {
		var tp autograd.Tape
		tk, s := tp.Input(b, m), tp.Input(b, m)
		for r := 0; r < b; r++ {
			tr, sr := randomRay(rng, m)
			copy(tk.Value.RawMatrix().Data[r*m:], tr)
			copy(s.Value.RawMatrix().Data[r*m:], sr)
		}
		u := tp.Input(b, k)
		Stratified(u.Value, rng)
		z := Sample(&tp, p, tk, s, u)
		dep, op, tr := Depth(&tp, p, tk, s), Opacity(&tp, p, tk, s), Transmittance(&tp, p, tk, s)
		for r := 0; r < b; r++ {
			var ray Ray
			ray.Set(p, tk.Value.RawRowView(r), s.Value.RawRowView(r))
			for i := 0; i < k; i++ {
				if got, want := z.Value.At(r, i), ray.Sample(u.Value.At(r, i)); got != want {
					t.Errorf("%v: ray %d sample %d: tape %v, Ray %v", p, r, i, got, want)
				}
				if i > 0 && z.Value.At(r, i) < z.Value.At(r, i-1) {
					t.Errorf("%v: stratified samples decrease", p)
				}
			}
			for j := 0; j < m; j++ {
				x := ray.T[j]
				if got, want := dep.Value.At(r, j), ray.I[j]; got != want {
					t.Errorf("%v: depth %v, want %v", p, got, want)
				}
				if got, want := op.Value.At(r, j), ray.Opacity(x); math.Abs(got-want) > 1e-15 {
					t.Errorf("%v: opacity %v, want %v", p, got, want)
				}
				if got, want := tr.Value.At(r, j), ray.Transmittance(x); math.Abs(got-want) > 1e-15 {
					t.Errorf("%v: transmittance %v, want %v", p, got, want)
				}
			}
		}
	}
}

// TestEstimateUnbiased checks that the Monte Carlo estimate averages to the
// colour the density approximation renders, computed by a fine midpoint rule.
func TestEstimateUnbiased(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	knots := []float64{0, 0.3, 0.5, 0.55, 0.9, 1.4, 2}
	dens := []float64{0, 0.5, 4, 0, 0.2, 2, 1}
	colour := func(x float64) float64 { return math.Cos(3*x + 1) }
	const bg = 0.25
	for _, p := range []Interp{Linear, Constant} {
		var r Ray
		r.Set(p, knots, dens)
		yf := r.Opacity(2)
		const n = 100000
		want := (1 - yf) * bg
		for i := 0; i < n; i++ {
			x := 2 * (float64(i) + 0.5) / n
			want += colour(x) * r.PDF(x) * 2 / n
		}
		const k, reps = 2, 20000
		var sum, sum2 float64
		var tp autograd.Tape
		for rep := 0; rep < reps; rep++ {
			tp.Reset()
			u := tp.Input(1, k)
			Uniform(u.Value, rng)
			z := Sample(&tp, p, constant(&tp, 1, 7, knots), constant(&tp, 1, 7, dens), u)
			c := tp.Input(k, 1)
			for i := 0; i < k; i++ {
				c.Value.Set(i, 0, colour(z.Value.At(0, i)))
			}
			est := Estimate(&tp, p, constant(&tp, 1, 7, knots), constant(&tp, 1, 7, dens), c, constant(&tp, 1, 1, []float64{bg})).Scalar()
			sum += est
			sum2 += est * est
		}
		mean := sum / reps
		se := math.Sqrt((sum2/reps - mean*mean) / reps)
		if math.Abs(mean-want) > 4*se+1e-4 {
			t.Errorf("%v: mean estimate %v ± %v, exact %v", p, mean, se, want)
		}
	}
}

func TestQuadratureExact(t *testing.T) {
	// Constant density σ on [0, 2] and constant colour: C = (1 − e^{−2σ})c + e^{−2σ}·bg
	// for any placement of the samples.
	const sigma, c, bg = 1.3, 0.8, 0.1
	ts := []float64{0, 0.1, 0.7, 0.75, 1.9}
	w := make([]float64, len(ts)+1)
	QuadratureWeights(w, ts, []float64{sigma, sigma, sigma, sigma, sigma}, 2)
	var sum float64
	for _, v := range w {
		sum += v
	}
	if math.Abs(sum-1) > 1e-15 {
		t.Errorf("weights sum to %v", sum)
	}
	var tp autograd.Tape
	out := Quadrature(&tp, constant(&tp, 1, 5, ts), constant(&tp, 5, 1, []float64{sigma, sigma, sigma, sigma, sigma}),
		constant(&tp, 5, 1, []float64{c, c, c, c, c}), 2, constant(&tp, 1, 1, []float64{bg}))
	want := -math.Expm1(-2*sigma)*c + math.Exp(-2*sigma)*bg
	if got := out.Scalar(); math.Abs(got-want) > 1e-15 {
		t.Errorf("quadrature %v, want %v", got, want)
	}
	QuadratureWeights(w, ts, []float64{sigma, sigma, sigma, sigma, 0}, math.Inf(1))
	if math.Abs(w[5]-math.Exp(-1.9*sigma)) > 1e-15 || w[4] != 0 {
		t.Errorf("empty unbounded last interval: weights %v", w)
	}
	QuadratureWeights(w, ts, []float64{sigma, sigma, sigma, sigma, 1e-9}, math.Inf(1))
	if w[5] != 0 || math.Abs(w[4]-math.Exp(-1.9*sigma)) > 1e-15 {
		t.Errorf("unbounded last interval: weights %v", w)
	}
}

func TestSampleHistogram(t *testing.T) {
	e := []float64{0, 1, 2, 4}
	dst := make([]float64, 5)
	SampleHistogram(dst, e, []float64{1, 0, 3}, []float64{0, 0.125, 0.25, 0.625, 1})
	want := []float64{0, 0.5, 1, 3, 4}
	for i := range dst {
		if math.Abs(dst[i]-want[i]) > 1e-15 {
			t.Errorf("sample %d: %v, want %v", i, dst[i], want[i])
		}
	}
}

func TestPosEncValues(t *testing.T) {
	var tp autograd.Tape
	x := constant(&tp, 1, 2, []float64{0.25, -0.5})
	got := PosEnc(&tp, x, 2).Value.RawRowView(0)
	want := []float64{0.25, -0.5, math.Sin(math.Pi / 4), -1, math.Cos(math.Pi / 4), math.Cos(-math.Pi / 2),
		1, 0, math.Cos(math.Pi / 2), -1}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Errorf("column %d: %v, want %v", i, got[i], want[i])
		}
	}
}

func TestPanics(t *testing.T) {
	var tp autograd.Tape
	tk := constant(&tp, 2, 3, []float64{0, 1, 2, 0, 2, 1})
	s := tp.Input(2, 3)
	u := tp.Input(2, 4)
	for name, c := range map[string]struct {
		f    func()
		want error
	}{
		"decreasing knots": {func() { Sample(&tp, Linear, tk, s, u) }, autograd.ErrArg},
		"uniform above 1": {func() {
			Sample(&tp, Linear, tp.SliceRows(tk, 0, 1), tp.SliceRows(s, 0, 1), constant(&tp, 1, 1, []float64{1.5}))
		}, autograd.ErrArg},
		"values":            {func() { Depth(&tp, Linear, tk, tp.Input(2, 2)) }, autograd.ErrShape},
		"uniform rows":      {func() { Sample(&tp, Linear, tk, s, tp.Input(3, 4)) }, autograd.ErrShape},
		"one knot":          {func() { Opacity(&tp, Linear, tp.Input(2, 1), tp.Input(2, 1)) }, autograd.ErrShape},
		"estimate colours":  {func() { Estimate(&tp, Linear, tk, s, tp.Input(3, 3), nil) }, autograd.ErrShape},
		"background":        {func() { Estimate(&tp, Linear, tk, s, tp.Input(4, 3), tp.Input(1, 2)) }, autograd.ErrShape},
		"quadrature":        {func() { Quadrature(&tp, tk, s, tp.Input(5, 3), 1, nil) }, autograd.ErrShape},
		"points":            {func() { Points(&tp, tk, tp.Input(2, 2), tp.Input(2, 3)) }, autograd.ErrShape},
		"frequencies":       {func() { PosEnc(&tp, tk, -1) }, autograd.ErrArg},
		"histogram weights": {func() { SampleHistogram(make([]float64, 1), []float64{0, 1}, []float64{0}, []float64{0.5}) }, autograd.ErrArg},
		"ray": {func() {
			var r Ray
			r.Set(Linear, []float64{0}, []float64{0})
		}, autograd.ErrShape},
	} {
		func() {
			defer func() {
				err, _ := recover().(error)
				if !errors.Is(err, c.want) {
					t.Errorf("%s: recovered %v, want %v", name, err, c.want)
				}
			}()
			c.f()
		}()
	}
}
