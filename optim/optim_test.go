package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// param returns a parameter [1×n] with the given values.
func param(v ...float64) *autograd.Node {
	return autograd.NewParam(mat.NewDense(1, len(v), v))
}

// setGrad sets p's gradient to g.
func setGrad(p *autograd.Node, g ...float64) { copy(raw(p.Grad), g) }

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func panics(f func()) (msg string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, ok = r.(string), true
		}
	}()
	f()
	return "", false
}

// quadratic sets the gradient of f(w) = Σ aᵢ(wᵢ − cᵢ)² on p and returns f.
func quadratic(p *autograd.Node, a, c []float64) float64 {
	var f float64
	w, g := raw(p.Value), raw(p.Grad)
	for i := range w {
		d := w[i] - c[i]
		f += a[i] * d * d
		g[i] = 2 * a[i] * d
	}
	return f
}

func TestMinimiseQuadratic(t *testing.T) {
	a, c := []float64{1, 10, 0.3}, []float64{3, -1, 0.5}
	for _, tc := range []struct {
		name  string
		make  func(p *autograd.Node) Optimizer
		steps int
	}{
		{"SGD", func(p *autograd.Node) Optimizer { return &SGD{Params: []*autograd.Node{p}, LR: 0.04} }, 1000},
		{"SGD momentum", func(p *autograd.Node) Optimizer {
			return &SGD{Params: []*autograd.Node{p}, LR: 0.02, Momentum: 0.9}
		}, 1000},
		{"SGD Nesterov", func(p *autograd.Node) Optimizer {
			return &SGD{Params: []*autograd.Node{p}, LR: 0.02, Momentum: 0.9, Nesterov: true}
		}, 1000},
		{"Adam", func(p *autograd.Node) Optimizer {
			return &Adam{Params: []*autograd.Node{p}, LR: 0.1, Schedule: ExpDecay{Gamma: 0.995}}
		}, 2000},
		{"Adam group", func(p *autograd.Node) Optimizer {
			return &Adam{Groups: []Group{{Params: []*autograd.Node{p}, LR: 0.1}}, Schedule: ExpDecay{Gamma: 0.995}}
		}, 2000},
	} {
		p := param(0, 0, 0)
		opt := tc.make(p)
		for i := 0; i < tc.steps; i++ {
			quadratic(p, a, c)
			opt.Step()
		}
		for i, w := range raw(p.Value) {
			if !near(w, c[i], 1e-6) {
				t.Errorf("%s: w[%d] = %v, want %v", tc.name, i, w, c[i])
			}
		}
	}
}

// TestMinimiseOnTape minimises Σ(w − c)² built on an autograd tape.
func TestMinimiseOnTape(t *testing.T) {
	p := param(0, 0)
	opt := &Adam{Params: []*autograd.Node{p}, LR: 0.2, Schedule: ExpDecay{Gamma: 0.997}}
	var tp autograd.Tape
	for i := 0; i < 2000; i++ {
		tp.Reset()
		c := tp.Input(1, 2)
		copy(raw(c.Value), []float64{-2, 7})
		tp.Backward(tp.Sum(tp.Square(tp.Sub(p, c))))
		opt.Step()
	}
	if w := raw(p.Value); !near(w[0], -2, 1e-6) || !near(w[1], 7, 1e-6) {
		t.Errorf("w = %v, want [-2 7]", w)
	}
}

func TestSGDStep(t *testing.T) {
	// Plain: w = 1 − 0.1·0.5.
	p := param(1)
	o := &SGD{Params: []*autograd.Node{p}, LR: 0.1}
	setGrad(p, 0.5)
	o.Step()
	if w := raw(p.Value)[0]; w != 0.95 {
		t.Errorf("SGD: w = %v, want 0.95", w)
	}
	if g := raw(p.Grad)[0]; g != 0 {
		t.Errorf("SGD left gradient %v", g)
	}
	// Heavy ball: b₁ = 0.5, w₁ = 0.95; b₂ = 0.9·0.5 + 0.5 = 0.95, w₂ = 0.95 − 0.095.
	// Nesterov: b₁ = 0.5, w₁ = 1 − 0.1·(0.5 + 0.45) = 0.905;
	// b₂ = 0.95, w₂ = 0.905 − 0.1·(0.5 + 0.855) = 0.7695.
	// Weight decay 0.2 (no momentum): g = 0.5 + 0.2·1, w₁ = 0.93; g = 0.5 + 0.186, w₂ = 0.8614.
	for _, tc := range []struct {
		name   string
		o      SGD
		w1, w2 float64
	}{
		{"momentum", SGD{LR: 0.1, Momentum: 0.9}, 0.95, 0.855},
		{"Nesterov", SGD{LR: 0.1, Momentum: 0.9, Nesterov: true}, 0.905, 0.7695},
		{"weight decay", SGD{LR: 0.1, WeightDecay: 0.2}, 0.93, 0.8614},
	} {
		p := param(1)
		o := tc.o
		o.Params = []*autograd.Node{p}
		for i, want := range []float64{tc.w1, tc.w2} {
			setGrad(p, 0.5)
			o.Step()
			if w := raw(p.Value)[0]; !near(w, want, 1e-15) {
				t.Errorf("%s step %d: w = %v, want %v", tc.name, i+1, w, want)
			}
		}
	}
}

func TestAdamStep(t *testing.T) {
	// Step 1: m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25:
	// w = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.900000002.
	// Step 2 (g = −0.2): m = 0.025, v = 0.00028975, m̂ = 0.025/0.19, v̂ = 0.00028975/0.001999.
	p := param(1)
	o := &Adam{Params: []*autograd.Node{p}, LR: 0.1}
	for i, tc := range []struct{ g, w float64 }{{0.5, 0.900000002}, {-0.2, 0.8654394181165108}} {
		setGrad(p, tc.g)
		o.Step()
		if w := raw(p.Value)[0]; !near(w, tc.w, 1e-14) {
			t.Errorf("step %d: w = %.17g, want %.17g", i+1, w, tc.w)
		}
		if o.Steps() != i+1 {
			t.Errorf("Steps() = %d, want %d", o.Steps(), i+1)
		}
	}

	// AdamW: with a zero gradient only the decoupled decay moves w:
	// w = 2 − 0.1·0.01·2.
	p = param(2, -4)
	o = &Adam{Params: []*autograd.Node{p}, LR: 0.1, WeightDecay: 0.01}
	o.Step()
	if w := raw(p.Value); w[0] != 1.998 || w[1] != -3.996 {
		t.Errorf("AdamW decay: w = %v, want [1.998 -3.996]", w)
	}
}

func TestGroups(t *testing.T) {
	// Every first Adam step moves each element by lr·g/(|g|+ε) ≈ lr·sign(g);
	// the schedule halves each learning rate at the second step.
	net, logZ, inherit := param(1), param(1), param(1)
	o := &Adam{
		Params: []*autograd.Node{net},
		LR:     1e-3,
		Groups: []Group{
			{Params: []*autograd.Node{logZ}, LR: 0.1},
			{Params: []*autograd.Node{inherit}, WeightDecay: 0.5}, // LR 0: the optimizer's
		},
		Schedule: ExpDecay{Gamma: 0.5},
	}
	unit := 1 / (1 + 1e-8)
	for step, scale := range []float64{1, 0.5} {
		before := []float64{raw(net.Value)[0], raw(logZ.Value)[0], raw(inherit.Value)[0]}
		for _, p := range []*autograd.Node{net, logZ, inherit} {
			setGrad(p, 1)
		}
		o.Step()
		// A constant gradient keeps m̂ = g and v̂ = g², so each step is lr·unit.
		want := []float64{
			before[0] - 1e-3*scale*unit,
			before[1] - 0.1*scale*unit,
			before[2] - 1e-3*scale*0.5*before[2] - 1e-3*scale*unit,
		}
		for i, p := range []*autograd.Node{net, logZ, inherit} {
			if w := raw(p.Value)[0]; !near(w, want[i], 1e-14) {
				t.Errorf("step %d group %d: w = %.17g, want %.17g", step+1, i, w, want[i])
			}
		}
	}

	// SGD groups: w −= lr·g with each group's rate.
	a, b := param(1), param(1)
	s := &SGD{Params: []*autograd.Node{a}, LR: 0.1, Groups: []Group{{Params: []*autograd.Node{b}, LR: 0.5}}}
	setGrad(a, 1)
	setGrad(b, 1)
	s.Step()
	if raw(a.Value)[0] != 0.9 || raw(b.Value)[0] != 0.5 {
		t.Errorf("SGD groups: %v %v, want 0.9 0.5", raw(a.Value)[0], raw(b.Value)[0])
	}
}

func TestStepAllocs(t *testing.T) {
	ps := []*autograd.Node{param(1, 2, 3), param(4)}
	z := param(0)
	for _, o := range []Optimizer{
		&Adam{Params: ps, WeightDecay: 0.1, Groups: []Group{{Params: []*autograd.Node{z}, LR: 0.1}}, Schedule: Warmup{Steps: 3, Then: ExpDecay{Gamma: 0.9}}},
		&SGD{Params: ps, Momentum: 0.9, Nesterov: true, Groups: []Group{{Params: []*autograd.Node{z}}}, Schedule: StepDecay{Gamma: 0.5, Every: 2}},
	} {
		o.Step()
		if n := testing.AllocsPerRun(50, o.Step); n != 0 {
			t.Errorf("%T.Step allocates %v times per call", o, n)
		}
	}
}

func TestParamsChangedPanics(t *testing.T) {
	o := &Adam{Params: []*autograd.Node{param(1, 2)}}
	o.Step()
	o.Params = []*autograd.Node{param(1, 2, 3)}
	if msg, ok := panics(o.Step); !ok || !strings.Contains(msg, "parameters changed after 1 steps") {
		t.Errorf("changed params: panic %v %q", ok, msg)
	}
}

func TestClipGradNorm(t *testing.T) {
	a, b := param(0, 0), param(0)
	noGrad := &autograd.Node{Value: mat.NewDense(1, 1, []float64{5})}
	ps := []*autograd.Node{a, b, noGrad}
	setGrad(a, 3, 4)
	setGrad(b, 12)
	if n := ClipGradNorm(ps, 13); n != 13 || raw(a.Grad)[0] != 3 || raw(b.Grad)[0] != 12 {
		t.Errorf("within the bound: norm %v, grads %v %v changed", n, raw(a.Grad), raw(b.Grad))
	}
	if n := ClipGradNorm(ps, 6.5); n != 13 {
		t.Errorf("norm = %v, want 13", n)
	}
	if g := append(raw(a.Grad), raw(b.Grad)...); g[0] != 1.5 || g[1] != 2 || g[2] != 6 {
		t.Errorf("clipped grads %v, want [1.5 2 6]", g)
	}
	if n := ClipGradNorm(ps, 100); n != 6.5 {
		t.Errorf("norm after clipping = %v, want 6.5", n)
	}
	setGrad(b, math.Inf(1))
	if n := ClipGradNorm(ps, 1); !math.IsInf(n, 1) || raw(a.Grad)[0] != 1.5 {
		t.Errorf("infinite gradient: norm %v, a.Grad %v; want +Inf and untouched", n, raw(a.Grad))
	}
	setGrad(b, math.NaN())
	if n := ClipGradNorm(ps, 1); !math.IsNaN(n) || raw(a.Grad)[0] != 1.5 {
		t.Errorf("NaN gradient: norm %v, a.Grad %v; want NaN and untouched", n, raw(a.Grad))
	}
	if _, ok := panics(func() { ClipGradNorm(ps, 0) }); !ok {
		t.Error("ClipGradNorm with maxNorm 0 did not panic")
	}
}

func TestTargetUpdates(t *testing.T) {
	dst, src := []*autograd.Node{param(1, -2), param(0)}, []*autograd.Node{param(3, 2), param(8)}
	Polyak(dst, src, 0.25)
	if w := append(raw(dst[0].Value), raw(dst[1].Value)...); w[0] != 1.5 || w[1] != -1 || w[2] != 2 {
		t.Errorf("Polyak τ=0.25: %v, want [1.5 -1 2]", w)
	}
	Polyak(dst, src, 0)
	if raw(dst[0].Value)[0] != 1.5 {
		t.Error("Polyak τ=0 changed dst")
	}
	src[0].Value.Set(0, 0, 0.1)
	Polyak(dst, src, 1)
	if raw(dst[0].Value)[0] != 0.1 || raw(dst[1].Value)[0] != 8 {
		t.Error("Polyak τ=1 is not an exact copy")
	}
	src[1].Value.Set(0, 0, -7)
	HardUpdate(dst, src)
	if raw(dst[1].Value)[0] != -7 || &raw(dst[1].Value)[0] == &raw(src[1].Value)[0] {
		t.Error("HardUpdate did not copy")
	}
	before := raw(dst[0].Value)[0]
	for _, tc := range []struct {
		name string
		f    func()
		msg  string
	}{
		{"tau", func() { Polyak(dst, src, 1.5) }, "outside [0, 1]"},
		{"count", func() { HardUpdate(dst, src[:1]) }, "1 parameters into 2"},
		{"shape", func() { Polyak([]*autograd.Node{dst[0], param(1, 2)}, src, 0.5) }, "parameter 1 is 1×1 in the source and 1×2"},
	} {
		if msg, ok := panics(tc.f); !ok || !strings.Contains(msg, tc.msg) {
			t.Errorf("%s: panic %v %q, want %q", tc.name, ok, msg, tc.msg)
		}
	}
	if raw(dst[0].Value)[0] != before {
		t.Error("a panicking update changed dst")
	}
}

func TestSchedules(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Schedule
		t    int
		want float64
	}{
		{"exp zero value", ExpDecay{}, 100, 1},
		{"exp", ExpDecay{Gamma: 0.5}, 3, 0.125},
		{"exp floor", ExpDecay{Gamma: 0.5, Min: 0.2}, 3, 0.2},
		{"step zero value", StepDecay{}, 100, 1},
		{"step before", StepDecay{Gamma: 0.1, Every: 10}, 9, 1},
		{"step at", StepDecay{Gamma: 0.1, Every: 10}, 10, 0.1},
		{"step twice", StepDecay{Gamma: 0.5, Every: 10}, 25, 0.25},
		{"warmup zero value", Warmup{}, 0, 1},
		{"warmup first", Warmup{Steps: 4}, 0, 0.25},
		{"warmup last", Warmup{Steps: 4}, 3, 1},
		{"warmup then", Warmup{Steps: 4, Then: ExpDecay{Gamma: 0.5}}, 6, 0.25},
	} {
		if got := tc.s.Scale(tc.t); got != tc.want {
			t.Errorf("%s: Scale(%d) = %v, want %v", tc.name, tc.t, got, tc.want)
		}
	}
}
