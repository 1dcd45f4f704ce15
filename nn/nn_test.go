package nn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// panics reports whether f panics, and the message if it does.
func panics(f func()) (msg string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			msg, ok = fmtAny(r), true
		}
	}()
	f()
	return "", false
}

func fmtAny(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "?"
}

func TestInitMoments(t *testing.T) {
	const in, out = 200, 300
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name string
		init Init
		std  float64
	}{
		{"HeUniform", HeUniform, math.Sqrt(2.0 / in)},
		{"HeNormal", HeNormal, math.Sqrt(2.0 / in)},
		{"GlorotUniform", GlorotUniform, math.Sqrt(2.0 / (in + out))},
		{"GlorotNormal", GlorotNormal, math.Sqrt(2.0 / (in + out))},
		{"TorchUniform", TorchUniform, 1 / math.Sqrt(3*in)}, // U(±a) has std a/√3
	} {
		w := mat.NewDense(in, out, nil)
		tc.init(w, rng)
		mean, std := stat.MeanStdDev(w.RawMatrix().Data, nil)
		// 60,000 draws: the standard error of the std is about 0.3%.
		if math.Abs(mean) > 0.02*tc.std || math.Abs(std/tc.std-1) > 0.02 {
			t.Errorf("%s: mean %.4g std %.4g, want 0 and %.4g", tc.name, mean, std, tc.std)
		}
	}
	w := mat.NewDense(3, 4, nil)
	w.Set(1, 1, 5)
	Zeros(w, rng)
	if mat.Norm(w, 1) != 0 {
		t.Error("Zeros left a non-zero weight")
	}
}

func TestInitTorch(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	l := NewLinear(400, 300, HeUniform, rng)
	InitTorch(rng, l)
	bound := 1 / math.Sqrt(400)
	for _, p := range []*autograd.Node{l.W, l.B} {
		d := p.Value.RawMatrix().Data
		lo, hi := d[0], d[0]
		for _, v := range d {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		// Uniform draws fill the range: the extremes come within 2% of ±bound.
		if lo < -bound || hi > bound || lo > -0.98*bound || hi < 0.98*bound {
			t.Errorf("InitTorch drew in [%.4g, %.4g], want U(±%.4g)", lo, hi, bound)
		}
	}
}

func TestHeadsForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	h := NewHeads([]int{5, 7, 6}, []int{4, 1, 3}, Tanh, rng)
	if got, want := NumParams(h), (5*7+7)+(7*6+6)+(6*4+4)+(6*1+1)+(6*3+3); got != want {
		t.Fatalf("NumParams = %d, want %d", got, want)
	}
	var tp autograd.Tape
	x := tp.Input(2, 5)
	for i, v := range x.Value.RawMatrix().Data {
		v = float64(i%3) - 1
		x.Value.RawMatrix().Data[i] = v
	}
	outs := h.Forward(nil, &tp, x)
	// Each head equals its Linear on Act(Trunk(x)), computed separately.
	z := h.Trunk.Act.Apply(&tp, h.Trunk.Forward(&tp, x))
	for i, o := range outs {
		r, c := o.Dims()
		if r != 2 || c != h.Heads[i].Out() {
			t.Fatalf("head %d is %d×%d, want 2×%d", i, r, c, h.Heads[i].Out())
		}
		if want := h.Heads[i].Forward(&tp, z); !mat.EqualApprox(o.Value, want.Value, 1e-15) {
			t.Errorf("head %d differs from its Linear on the activated trunk", i)
		}
	}
	// The k-hot variant equals Forward on the dense k-hot input.
	idx := []int{0, 3, 1, 4} // rows {0,3} and {1,4}
	x2 := tp.Input(2, 5)
	for p, j := range idx {
		x2.Value.Set(p/2, j, 1)
	}
	dense := h.Forward(nil, &tp, x2)
	emb := h.ForwardEmbed(nil, &tp, idx, 2)
	for i := range dense {
		if !mat.EqualApprox(dense[i].Value, emb[i].Value, 1e-12) {
			t.Errorf("head %d: ForwardEmbed differs from Forward on the k-hot matrix", i)
		}
	}
	// Passing the result back in reuses it: no allocation in steady state.
	allocs := testing.AllocsPerRun(20, func() {
		tp.Reset()
		x := tp.Input(2, 5)
		outs = h.Forward(outs, &tp, x)
	})
	if allocs != 0 {
		t.Errorf("Heads.Forward with a dst allocates %v times per call", allocs)
	}
	if msg, ok := panics(func() { h.Forward(make([]*autograd.Node, 2), &tp, tp.Input(2, 5)) }); !ok || !strings.Contains(msg, "3 heads") {
		t.Errorf("wrong-sized dst: panic %v %q", ok, msg)
	}
	if _, ok := panics(func() { NewHeads([]int{5, 7}, nil, ReLU, rng) }); !ok {
		t.Error("NewHeads without heads did not panic")
	}
}

func TestCopyAndClone(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := NewHeads([]int{3, 4}, []int{2, 1}, ReLU, rng)
	b := NewHeads([]int{3, 4}, []int{2, 1}, ReLU, rng)
	CopyParams(b, a)
	for i, p := range b.Params() {
		if !mat.Equal(p.Value, a.Params()[i].Value) {
			t.Fatalf("parameter %d not copied", i)
		}
		if p.Value == a.Params()[i].Value {
			t.Fatalf("parameter %d aliased, not copied", i)
		}
	}
	c := a.Clone()
	a.Heads[0].W.Value.Set(0, 0, 42)
	a.Heads[0].W.Grad.Set(0, 0, 1)
	if c.Heads[0].W.Value.At(0, 0) == 42 || c.Heads[0].W.Grad.At(0, 0) != 0 {
		t.Error("Clone shares storage with the original")
	}
	if c.Trunk.Act != a.Trunk.Act || NumParams(c) != NumParams(a) {
		t.Error("Clone changed the structure")
	}

	other := NewHeads([]int{3, 5}, []int{2, 1}, ReLU, rng)
	before := snapshot(other.Params())
	msg, ok := panics(func() { CopyParams(other, a) })
	if !ok || !strings.Contains(msg, "parameter 0 is 3×4 in the source and 3×5") {
		t.Errorf("shape mismatch: panic %v %q", ok, msg)
	}
	checkUntouched(t, "CopyParams", other.Params(), before)
	if msg, ok := panics(func() { CopyParams(NewMLP([]int{3, 4, 2}, ReLU, rng), a) }); !ok || !strings.Contains(msg, "copying 6 parameters into 4") {
		t.Errorf("count mismatch: panic %v %q", ok, msg)
	}

	ps := Params(a.Trunk, b)
	if len(ps) != 2+6 || ps[0] != a.Trunk.Layers[0].W || ps[2] != b.Trunk.Layers[0].W {
		t.Error("Params does not list the modules' parameters in order")
	}
	b.Heads[1].B.Grad.Set(0, 0, 3)
	ZeroGrad(a, b)
	if b.Heads[1].B.Grad.At(0, 0) != 0 {
		t.Error("ZeroGrad left a gradient")
	}
}
