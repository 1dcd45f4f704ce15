package optim_test

import (
	"bytes"
	"encoding"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// scalars returns n fresh 1×1 parameters.
func scalars(n int) []*autograd.Node {
	ps := make([]*autograd.Node, n)
	for i := range ps {
		ps[i] = autograd.NewParam(mat.NewDense(1, 1, nil))
	}
	return ps
}

// set writes vs into the 1×1 parameters ps.
func set(ps []*autograd.Node, vs ...float64) {
	for i, v := range vs {
		ps[i].Value.Set(0, 0, v)
	}
}

// read returns the values the averager a gives, through CopyTo.
func read(a optim.Averager, n int) []float64 {
	dst := scalars(n)
	a.CopyTo(dst)
	out := make([]float64, n)
	for i, d := range dst {
		out[i] = d.Scalar()
	}
	return out
}

// TestAverageExactMean checks WAKD's rule on iterates whose running means are
// exactly representable: the average is bit-identical to Σθ/n.
func TestAverageExactMean(t *testing.T) {
	ps := scalars(1)
	a := &optim.Average{Params: ps, Start: 4}
	// θ_t = m + k·d_k keeps every prefix mean m an integer, so each
	// incremental step (θ − m)/k = d_k is exact; θ_1..θ_3 precede t₀.
	theta := []float64{100, -50, 75}
	m := 0.0
	for k, d := range []float64{7, -3, 11, 0, -8, 5, 2, -6, 9} {
		if k == 0 {
			theta = append(theta, d)
			m = d
			continue
		}
		theta = append(theta, m+float64(k+1)*d)
		m += d
	}
	for i, th := range theta {
		set(ps, th)
		a.Update()
		if want := max(0, i+2-a.Start); a.Count() != want {
			t.Fatalf("after update %d: Count %d, want %d", i+1, a.Count(), want)
		}
	}
	var sum float64
	for _, th := range theta[3:] {
		sum += th
	}
	if got, want := read(a, 1)[0], sum/float64(len(theta)-3); got != want {
		t.Errorf("average %v, arithmetic mean of iterates 4..%d is %v", got, len(theta), want)
	}
}

// TestAverageMean checks the incremental mean of arbitrary iterates against
// their exact mean, computed in 200-bit arithmetic.
func TestAverageMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, T = 5, 1000
	ps := scalars(n)
	a := &optim.Average{Params: ps}
	sums := make([]*big.Float, n)
	for i := range sums {
		sums[i] = new(big.Float).SetPrec(200)
	}
	for range T {
		for i, p := range ps {
			v := rng.NormFloat64() * 10
			p.Value.Set(0, 0, v)
			sums[i].Add(sums[i], new(big.Float).SetPrec(200).SetFloat64(v))
		}
		a.Update()
	}
	for i, got := range read(a, n) {
		want, _ := new(big.Float).Quo(sums[i], big.NewFloat(T)).Float64()
		if math.Abs(got-want) > 1e-13 {
			t.Errorf("parameter %d: average %.17g, exact mean %.17g", i, got, want)
		}
	}
}

func TestEMA(t *testing.T) {
	ps := scalars(1)
	e := &optim.EMA{Params: ps, Tau: 0.5}
	for i, c := range []struct{ theta, want float64 }{{1, 1}, {3, 2}, {5, 3.5}, {-0.5, 1.5}} {
		set(ps, c.theta)
		e.Update()
		if got := read(e, 1)[0]; got != c.want {
			t.Errorf("update %d: EMA %v, want %v", i+1, got, c.want)
		}
	}
	e = &optim.EMA{Params: ps} // τ = 0.99
	set(ps, 2)
	e.Update()
	set(ps, 102)
	e.Update()
	if got := read(e, 1)[0]; math.Abs(got-3) > 1e-12 {
		t.Errorf("EMA with the default τ: %v, want 0.99·2 + 0.01·102 = 3", got)
	}
}

// averagers returns one averager of each kind over ps, with small windows so
// that every rule acts within a few dozen updates.
func averagers(ps []*autograd.Node) map[string]optim.Averager {
	loss := func() float64 { return math.Abs(ps[0].Value.At(0, 0)) }
	return map[string]optim.Averager{
		"Average": &optim.Average{Params: ps, Start: 3},
		"EMA":     &optim.EMA{Params: ps, Tau: 0.9},
		"SWAD":    &optim.SWAD{Params: ps, Segment: 3, NConverge: 2, NTolerance: 3, Loss: loss},
		"SMA":     &optim.SMA{Params: ps, Start: 2, Every: 4, Score: func() float64 { return -loss() }},
	}
}

// advance moves the parameters along the random walk from step from to step
// to, updating a after each step.
func advance(a optim.Averager, ps []*autograd.Node, from, to int) {
	for i := from; i < to; i++ {
		walk(ps, i)
		a.Update()
	}
}

// walk sets the parameters to a seeded random walk's step i.
func walk(ps []*autograd.Node, i int) {
	rng := rand.New(rand.NewPCG(uint64(i), 3))
	for _, p := range ps {
		d := p.Value.RawMatrix().Data
		for j := range d {
			d[j] = 0.9*d[j] + rng.NormFloat64()
		}
	}
}

func params2x3() []*autograd.Node {
	return []*autograd.Node{autograd.NewParam(mat.NewDense(2, 3, nil)), autograd.NewParam(mat.NewDense(1, 3, nil))}
}

func snapshot(ps []*autograd.Node) []float64 {
	var out []float64
	for _, p := range ps {
		out = append(out, p.Value.RawMatrix().Data...)
	}
	return out
}

func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestAveragerCheckpoint saves each averager halfway, restores it into a
// fresh one and checks that both continue bit-identically; bad data is
// refused and leaves the averager unchanged.
func TestAveragerCheckpoint(t *testing.T) {
	for name := range averagers(nil) {
		t.Run(name, func(t *testing.T) {
			ps := params2x3()
			a := averagers(ps)[name]
			advance(a, ps, 0, 40)
			data, err := a.(encoding.BinaryMarshaler).MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			ps2 := params2x3()
			for i := range ps {
				ps2[i].Value.Copy(ps[i].Value)
			}
			b := averagers(ps2)[name]
			if err := b.(encoding.BinaryUnmarshaler).UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			advance(a, ps, 40, 90)
			advance(b, ps2, 40, 90)
			if a.Count() == 0 || a.Count() != b.Count() {
				t.Fatalf("Count %d and %d after the restore", a.Count(), b.Count())
			}
			da, db := params2x3(), params2x3()
			a.CopyTo(da)
			b.CopyTo(db)
			if !sameBits(snapshot(da), snapshot(db)) {
				t.Errorf("restored run differs: %v vs %v", snapshot(da), snapshot(db))
			}

			// Corrupt, truncated, foreign and mismatched data leave b unchanged.
			before, _ := b.(encoding.BinaryMarshaler).MarshalBinary()
			bad := append([]byte(nil), data...)
			bad[len(bad)/2] ^= 1
			other, _ := averagers(scalars(2))["Average"].(encoding.BinaryMarshaler).MarshalBinary()
			small := scalars(2)
			c := averagers(small)[name]
			advance(c, small, 0, 40)
			mismatch, _ := c.(encoding.BinaryMarshaler).MarshalBinary()
			for what, d := range map[string][]byte{"corrupt": bad, "truncated": data[:len(data)-9], "mismatched": mismatch, "empty": nil} {
				if err := b.(encoding.BinaryUnmarshaler).UnmarshalBinary(d); !errors.Is(err, optim.ErrState) {
					t.Errorf("%s state: error %v, want ErrState", what, err)
				}
			}
			if name != "Average" {
				if err := b.(encoding.BinaryUnmarshaler).UnmarshalBinary(other); !errors.Is(err, optim.ErrState) {
					t.Errorf("an Average's state: error %v, want ErrState", err)
				}
			}
			after, _ := b.(encoding.BinaryMarshaler).MarshalBinary()
			if !bytes.Equal(before, after) {
				t.Error("a refused state changed the averager")
			}
		})
	}
}

// TestAveragerSwap checks that Swap puts CopyTo's values into the parameters,
// that a second Swap restores them bit-exactly, and that Update refuses to
// run in between.
func TestAveragerSwap(t *testing.T) {
	for name := range averagers(nil) {
		t.Run(name, func(t *testing.T) {
			ps := params2x3()
			a := averagers(ps)[name]
			advance(a, ps, 0, 40)
			live := snapshot(ps)
			want := params2x3()
			a.CopyTo(want)
			a.Swap()
			if !sameBits(snapshot(ps), snapshot(want)) {
				t.Errorf("swapped-in values %v, CopyTo gives %v", snapshot(ps), snapshot(want))
			}
			again := params2x3()
			a.CopyTo(again)
			if !sameBits(snapshot(again), snapshot(want)) {
				t.Error("CopyTo while swapped differs")
			}
			if _, err := a.(encoding.BinaryMarshaler).MarshalBinary(); err == nil {
				t.Error("MarshalBinary while swapped: no error")
			}
			if !panicked(a.Update) {
				t.Error("Update while swapped did not panic")
			}
			a.Swap()
			if !sameBits(snapshot(ps), live) {
				t.Error("second Swap did not restore the parameters")
			}
		})
	}
}

// TestAveragerAllocs checks that steady-state Updates allocate nothing.
func TestAveragerAllocs(t *testing.T) {
	for name := range averagers(nil) {
		ps := params2x3()
		a := averagers(ps)[name]
		advance(a, ps, 0, 10)
		if n := testing.AllocsPerRun(100, a.Update); n != 0 {
			t.Errorf("%s: %v allocations per Update", name, n)
		}
	}
}

func TestAveragerPanics(t *testing.T) {
	ps := scalars(1)
	for name, f := range map[string]func(){
		"CopyTo before any average": func() { (&optim.Average{Params: ps, Start: 5}).CopyTo(ps) },
		"CopyTo into wrong shapes": func() {
			a := &optim.Average{Params: ps}
			a.Update()
			a.CopyTo(scalars(2))
		},
		"EMA τ = 1":           func() { (&optim.EMA{Params: ps, Tau: 1}).Update() },
		"SWAD without Loss":   func() { (&optim.SWAD{Params: ps}).Update() },
		"SMA without Score":   func() { (&optim.SMA{Params: ps}).Update() },
		"SWAD negative ratio": func() { (&optim.SWAD{Params: ps, ToleranceRatio: -1, Loss: func() float64 { return 0 }}).Update() },
		"parameters changed": func() {
			a := &optim.Average{Params: ps}
			a.Update()
			a.Params = scalars(2)
			a.Update()
		},
	} {
		if !panicked(f) {
			t.Errorf("%s: no panic", name)
		}
	}
}

func panicked(f func()) (p bool) {
	defer func() { p = recover() != nil }()
	f()
	return false
}
