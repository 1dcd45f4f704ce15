package optim_test

import (
	"bytes"
	"encoding"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// run is a small seeded regression: an MLP plus a scalar "log Z" in its own
// group, trained by an optimizer made by newRun's mk.
type run struct {
	m    *nn.MLP
	logZ *autograd.Node
	opt  checkpointable
	tp   autograd.Tape
}

// checkpointable is an optimizer whose state can be saved and restored.
type checkpointable interface {
	optim.Optimizer
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

func newRun(seed uint64, mk func(ps []*autograd.Node, g []optim.Group) checkpointable) *run {
	r := &run{
		m:    nn.NewMLP([]int{3, 6, 2}, nn.Tanh, rand.New(rand.NewPCG(seed, 1))),
		logZ: autograd.NewParam(mat.NewDense(1, 1, []float64{0.5})),
	}
	r.opt = mk(r.m.Params(), []optim.Group{{Params: []*autograd.Node{r.logZ}, LR: 0.1}})
	return r
}

// step trains on batch i of a fixed, seeded data stream.
func (r *run) step(i int) {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	r.tp.Reset()
	x, y := r.tp.Input(4, 3), r.tp.Input(4, 2)
	for j := range x.Value.RawMatrix().Data {
		x.Value.RawMatrix().Data[j] = rng.NormFloat64()
	}
	for j := range y.Value.RawMatrix().Data {
		y.Value.RawMatrix().Data[j] = rng.NormFloat64()
	}
	pred := r.tp.Add(r.m.Forward(&r.tp, x), r.logZ)
	r.tp.Backward(r.tp.Mean(r.tp.SquaredError(pred, y)))
	r.opt.Step()
}

func (r *run) params() []*autograd.Node { return append(r.m.Params(), r.logZ) }

func optimizers() map[string]func(ps []*autograd.Node, g []optim.Group) checkpointable {
	return map[string]func(ps []*autograd.Node, g []optim.Group) checkpointable{
		"Adam": func(ps []*autograd.Node, g []optim.Group) checkpointable {
			return &optim.Adam{Params: ps, LR: 0.01, WeightDecay: 0.01, Groups: g, Schedule: optim.ExpDecay{Gamma: 0.95}}
		},
		"SGD": func(ps []*autograd.Node, g []optim.Group) checkpointable {
			return &optim.SGD{Params: ps, LR: 0.05, Momentum: 0.9, Nesterov: true, Groups: g, Schedule: optim.StepDecay{Gamma: 0.5, Every: 3}}
		},
	}
}

// TestResumeBitIdentical checks that a run stopped after 10 steps, saved
// (parameters with nn.WriteParams, optimizer with MarshalBinary) and resumed
// in fresh objects ends bit-identical to an uninterrupted 20-step run.
func TestResumeBitIdentical(t *testing.T) {
	for name, mk := range optimizers() {
		whole := newRun(1, mk)
		for i := 0; i < 20; i++ {
			whole.step(i)
		}

		first := newRun(1, mk)
		for i := 0; i < 10; i++ {
			first.step(i)
		}
		var params bytes.Buffer
		if err := nn.WriteParams(&params, first.params()); err != nil {
			t.Fatal(err)
		}
		state, err := first.opt.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}

		resumed := newRun(2, mk) // different initial weights, overwritten below
		if err := nn.ReadParams(&params, resumed.params()); err != nil {
			t.Fatal(err)
		}
		if err := resumed.opt.UnmarshalBinary(state); err != nil {
			t.Fatal(err)
		}
		for i := 10; i < 20; i++ {
			resumed.step(i)
		}
		for i, p := range resumed.params() {
			if !mat.Equal(p.Value, whole.params()[i].Value) {
				t.Errorf("%s: parameter %d differs between the resumed and the uninterrupted run", name, i)
			}
		}
		// Without the optimizer state the run diverges: the test can fail.
		fresh := newRun(2, mk)
		nn.CopyValues(fresh.params(), first.params())
		for i := 10; i < 20; i++ {
			fresh.step(i)
		}
		if mat.Equal(fresh.params()[0].Value, whole.params()[0].Value) {
			t.Errorf("%s: a run resumed without optimizer state matched too", name)
		}
	}
}

func TestUnmarshalErrors(t *testing.T) {
	for name, mk := range optimizers() {
		r := newRun(1, mk)
		for i := 0; i < 3; i++ {
			r.step(i)
		}
		good, _ := r.opt.MarshalBinary()
		check := func(what string, data []byte) {
			t.Helper()
			before, _ := r.opt.MarshalBinary()
			err := r.opt.UnmarshalBinary(data)
			if !errors.Is(err, optim.ErrState) {
				t.Fatalf("%s %s: err = %v, want ErrState", name, what, err)
			}
			if after, _ := r.opt.MarshalBinary(); !bytes.Equal(before, after) {
				t.Fatalf("%s %s: a failed UnmarshalBinary changed the state", name, what)
			}
		}
		for n := 0; n < len(good); n++ {
			check("truncated", good[:n])
		}
		for i := range good {
			c := bytes.Clone(good)
			c[i] ^= 0x01
			check("flipped", c)
		}
		check("trailing byte", append(bytes.Clone(good), 0))
		// The other optimizer's state, and state for other parameters.
		for other, mk2 := range optimizers() {
			if other != name {
				o := newRun(1, mk2)
				o.step(0)
				s, _ := o.opt.MarshalBinary()
				check("from "+other, s)
			}
		}
		small := newRun(1, func(ps []*autograd.Node, g []optim.Group) checkpointable { return mk(ps[:2], g) })
		small.step(0)
		s, _ := small.opt.MarshalBinary()
		check("other params", s)
		if err := r.opt.UnmarshalBinary(good); err != nil {
			t.Errorf("%s: good state refused: %v", name, err)
		}
	}
}
