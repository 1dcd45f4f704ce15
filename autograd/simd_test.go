package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// eltSpecials are the values that distinguish a correct element-wise kernel
// from an almost correct one: signed zeros, infinities, quiet and signalling
// NaNs of both signs with payloads, subnormals and the extremes.
var eltSpecials = []float64{
	0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1),
	math.NaN(),
	math.Float64frombits(0xfff8000000000000), // −NaN, as 0/0 gives on amd64
	math.Float64frombits(0x7ff8000000000123), // quiet NaN with a payload
	math.Float64frombits(0xfff8000000000456), // negative quiet NaN with a payload
	math.Float64frombits(0x7ff0000000000001), // signalling NaN
	math.Float64frombits(0xfff0000000000789), // negative signalling NaN
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
	0x1p-1070, -0x1p-1070, 0x1p-1022, -0x1p-1022, // subnormal and smallest normal
	math.MaxFloat64, -math.MaxFloat64, 1, -1,
}

// eltValues returns n values, about a third of them from eltSpecials and the
// rest normal draws of either sign.
func eltValues(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		if rng.IntN(3) == 0 {
			x[i] = eltSpecials[rng.IntN(len(eltSpecials))]
		} else {
			x[i] = rng.NormFloat64()
		}
	}
	return x
}

const eltSentinel = -7.25

// guarded returns a copy of x at offset off of a buffer padded with
// sentinels, and the slice of the buffer that holds the copy.
func guarded(x []float64, off int) (buf, s []float64) {
	const pad = 9
	buf = make([]float64, off+len(x)+pad)
	for i := range buf {
		buf[i] = eltSentinel
	}
	copy(buf[off:], x)
	return buf, buf[off : off+len(x) : off+len(x)]
}

// checkBuf reports the first element of buf[off:off+len(want)] whose bits
// differ from want, and the first sentinel around it that was overwritten.
func checkBuf(buf []float64, off int, want []float64) error {
	for i, v := range buf {
		j := i - off
		if j < 0 || j >= len(want) {
			if math.Float64bits(v) != math.Float64bits(eltSentinel) {
				return fmt.Errorf("element %d outside the slice was written: %v", j, v)
			}
			continue
		}
		if math.Float64bits(v) != math.Float64bits(want[j]) {
			return fmt.Errorf("element %d = %v (%#016x), portable loop gives %v (%#016x)",
				j, v, math.Float64bits(v), want[j], math.Float64bits(want[j]))
		}
	}
	return nil
}

// eltLengths are the lengths the kernel tests try: every length through
// 70, which covers each unrolled body, single-vector loop and scalar tail of
// both vector widths, and a few long odd ones.
func eltLengths() []int {
	ls := []int{1000, 2049, 4099}
	for n := 0; n <= 70; n++ {
		ls = append(ls, n)
	}
	return ls
}

func TestReLUKernelsBitIdentical(t *testing.T) {
	ks := eltKernelSets()
	if len(ks) < 2 {
		t.Logf("only the portable kernels run here")
	}
	rng := rand.New(rand.NewPCG(4, 9))
	for name, k := range ks {
		if name == "go" {
			continue
		}
		for _, n := range eltLengths() {
			for off := range 8 {
				checkReLUFwd(t, name, k, eltValues(rng, n), off)
				x, g, xg := eltValues(rng, n), eltValues(rng, n), eltValues(rng, n)
				out := make([]float64, n)
				reluFwdGo(out, x)
				checkReLUBwd(t, name, k, xg, g, out, off) // out as the forward pass leaves it
				checkReLUBwd(t, name, k, xg, g, x, off)   // any out: −0, NaN, −Inf, …
			}
		}
	}
}

// checkReLUFwd runs k.reluFwd and reluFwdGo on x placed at offset off.
func checkReLUFwd(t *testing.T, name string, k eltKernels, x []float64, off int) {
	t.Helper()
	xbuf, xs := guarded(x, (off+3)%8)
	dbuf, ds := guarded(make([]float64, len(x)), off)
	want := make([]float64, len(x))
	reluFwdGo(want, x)
	k.reluFwd(ds, xs)
	if err := checkBuf(dbuf, off, want); err != nil {
		t.Fatalf("%s reluFwd n=%d off=%d: %v", name, len(x), off, err)
	}
	if err := checkBuf(xbuf, (off+3)%8, x); err != nil {
		t.Fatalf("%s reluFwd n=%d off=%d changed its input: %v", name, len(x), off, err)
	}
}

// checkReLUBwd runs k.reluBwd and reluBwdGo on the same inputs at offset off.
func checkReLUBwd(t *testing.T, name string, k eltKernels, xg, g, out []float64, off int) {
	t.Helper()
	xgbuf, xgs := guarded(xg, off)
	gbuf, gs := guarded(g, (off+5)%8)
	obuf, os := guarded(out, (off+2)%8)
	want := slices.Clone(xg)
	reluBwdGo(want, g, out)
	k.reluBwd(xgs, gs, os)
	if err := checkBuf(xgbuf, off, want); err != nil {
		t.Fatalf("%s reluBwd n=%d off=%d: %v", name, len(g), off, err)
	}
	if err := checkBuf(gbuf, (off+5)%8, g); err != nil {
		t.Fatalf("%s reluBwd n=%d off=%d changed g: %v", name, len(g), off, err)
	}
	if err := checkBuf(obuf, (off+2)%8, out); err != nil {
		t.Fatalf("%s reluBwd n=%d off=%d changed out: %v", name, len(g), off, err)
	}
}

// TestReLUKernelsEverySpecial runs every pair of special values through
// every lane of the vector bodies and the scalar tail: reluFwd on each
// special, and reluBwd on each (xg, g, out) triple of them.
func TestReLUKernelsEverySpecial(t *testing.T) {
	s := eltSpecials
	for name, k := range eltKernelSets() {
		if name == "go" {
			continue
		}
		for _, n := range []int{3, 8, 35} { // scalar tail only; one zmm; all paths
			for i := range s {
				x := make([]float64, n)
				for p := range x {
					x[p] = s[(i+p)%len(s)]
				}
				checkReLUFwd(t, name, k, x, i%8)
				for j := range s {
					xg, g, out := make([]float64, n), make([]float64, n), make([]float64, n)
					for p := range g {
						xg[p], g[p], out[p] = s[(i+p)%len(s)], s[(j+p)%len(s)], s[(i+j+p)%len(s)]
					}
					checkReLUBwd(t, name, k, xg, g, out, j%8)
				}
			}
		}
	}
}

func TestEltKernelsPanicOnShortSlices(t *testing.T) {
	for name, k := range eltKernelSets() {
		if !panicked(func() { k.reluFwd(make([]float64, 8), make([]float64, 9)) }) {
			t.Errorf("%s: reluFwd with a short dst does not panic", name)
		}
		if !panicked(func() { k.reluBwd(make([]float64, 8), make([]float64, 9), make([]float64, 9)) }) {
			t.Errorf("%s: reluBwd with a short xg does not panic", name)
		}
		if !panicked(func() { k.reluBwd(make([]float64, 9), make([]float64, 9), make([]float64, 8)) }) {
			t.Errorf("%s: reluBwd with a short out does not panic", name)
		}
		if !panicked(func() { k.add(make([]float64, 8), make([]float64, 9), make([]float64, 9)) }) {
			t.Errorf("%s: add with a short dst does not panic", name)
		}
		if !panicked(func() { k.add(make([]float64, 9), make([]float64, 9), make([]float64, 8)) }) {
			t.Errorf("%s: add with a short y does not panic", name)
		}
	}
}

func panicked(f func()) (p bool) {
	defer func() { p = recover() != nil }()
	f()
	return false
}

func TestAddKernelsBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2))
	for name, k := range eltKernelSets() {
		if name == "go" {
			continue
		}
		for _, n := range eltLengths() {
			for off := range 8 {
				checkAdd(t, name, k, eltValues(rng, n), eltValues(rng, n), off)
			}
		}
		// Every ordered pair of specials, NaN + NaN included, in the vector
		// bodies and the scalar tail.
		s := eltSpecials
		for _, n := range []int{3, 8, 35} {
			for i := range s {
				x, y := make([]float64, n), make([]float64, n)
				for j := range s {
					for p := range x {
						x[p], y[p] = s[(i+p)%len(s)], s[(j+p)%len(s)]
					}
					checkAdd(t, name, k, x, y, (i+j)%8)
				}
			}
		}
	}
}

// checkAdd runs k.add and addGo on x and y placed at offset off, into a
// separate destination and in place into x and into y.
func checkAdd(t *testing.T, name string, k eltKernels, x, y []float64, off int) {
	t.Helper()
	n := len(x)
	want := make([]float64, n)
	addGo(want, x, y)
	xbuf, xs := guarded(x, (off+1)%8)
	ybuf, ys := guarded(y, (off+6)%8)
	dbuf, ds := guarded(make([]float64, n), off)
	k.add(ds, xs, ys)
	if err := checkBuf(dbuf, off, want); err != nil {
		t.Fatalf("%s add n=%d off=%d: %v", name, n, off, err)
	}
	if err := checkBuf(xbuf, (off+1)%8, x); err != nil {
		t.Fatalf("%s add n=%d off=%d changed x: %v", name, n, off, err)
	}
	if err := checkBuf(ybuf, (off+6)%8, y); err != nil {
		t.Fatalf("%s add n=%d off=%d changed y: %v", name, n, off, err)
	}
	k.add(xs, xs, ys) // dst = x, as accumulate calls it
	if err := checkBuf(xbuf, (off+1)%8, want); err != nil {
		t.Fatalf("%s add in place into x, n=%d off=%d: %v", name, n, off, err)
	}
	k.add(ys, x, ys) // dst = y
	if err := checkBuf(ybuf, (off+6)%8, want); err != nil {
		t.Fatalf("%s add in place into y, n=%d off=%d: %v", name, n, off, err)
	}
}

// TestTapeEveryKernel runs a two-layer ReLU network with a bias (ReLU, Add
// with a [1×n] row and accumulate, forward and backward) on a tape with each
// kernel set forced in turn, and checks that the values and gradients agree
// bit for bit and that a steady-state step allocates nothing.
func TestTapeEveryKernel(t *testing.T) {
	prev := elt
	defer func() { elt = prev }()
	var ref []float64
	for name, k := range eltKernelSets() {
		elt = k
		rng := rand.New(rand.NewPCG(6, 7))
		param := func(r, c int) *Node {
			d := mat.NewDense(r, c, nil)
			for i := range d.RawMatrix().Data {
				d.RawMatrix().Data[i] = rng.NormFloat64()
			}
			return NewParam(d)
		}
		w1, b1, w2 := param(7, 37), param(1, 37), param(37, 3)
		var tp Tape
		var loss *Node
		step := func() {
			tp.Reset()
			x := tp.Input(13, 7)
			for i := range data(x.Value) {
				data(x.Value)[i] = float64(i%11) - 5
			}
			h := tp.ReLU(tp.Add(tp.MatMul(x, w1), b1))
			loss = tp.Sum(tp.ReLU(tp.MatMul(h, w2)))
			tp.Backward(loss)
		}
		step()
		if n := testing.AllocsPerRun(10, step); n != 0 {
			t.Errorf("%s: a ReLU network step allocates %v times", name, n)
		}
		got := append([]float64{loss.Value.At(0, 0)}, data(w1.Grad)...)
		got = append(got, data(b1.Grad)...)
		got = append(got, data(w2.Grad)...)
		if ref == nil {
			ref = got
			continue
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(ref[i]) {
				t.Fatalf("%s: result %d = %v, another kernel set gives %v", name, i, got[i], ref[i])
			}
		}
	}
}
