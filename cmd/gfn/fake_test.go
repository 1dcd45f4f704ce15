package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/gogfn/gogfn/gfn"
)

// fakeSession is a stand-in for the library's trainer with known behaviour:
// its distribution moves from uniform towards the hypergrid's reward
// distribution as exp(−iter/20). It tests the CLI's plumbing alone.
type fakeSession struct {
	cfg   *config
	iter  int
	traj  int
	reads int // Load calls
}

func newFakeSession(cfg *config) (session, error) { return &fakeSession{cfg: cfg}, nil }

// useFake makes newSession build fake sessions for the rest of the test.
func useFake(t *testing.T) {
	old := newSession
	newSession = newFakeSession
	t.Cleanup(func() { newSession = old })
}

func (f *fakeSession) mix() float64 { return math.Exp(-float64(f.iter) / 20) }

// failSeed makes a fake session fail at iteration 25, as a diverging run
// whose state is unknown; nanSeed makes its loss at iteration 25 NaN, as the
// library's gfn.ErrNonFinite, which counts the iteration and leaves the rest
// as it was.
const (
	failSeed = 666
	nanSeed  = 667
)

func (f *fakeSession) Step() (stepStats, error) {
	if f.cfg.Seed == failSeed && f.iter == 24 {
		return stepStats{}, errors.New("iteration 25: the fake diverged")
	}
	f.iter++
	f.traj += f.cfg.Batch
	if f.cfg.Seed == nanSeed && f.iter == 25 {
		return stepStats{Loss: math.NaN()}, fmt.Errorf("iteration 25: %w", gfn.ErrNonFinite{Loss: math.NaN(), Where: "loss"})
	}
	return stepStats{Loss: f.mix(), BackwardLoss: math.NaN(), BackwardGap: math.NaN()}, nil
}

func (f *fakeSession) Iter() int         { return f.iter }
func (f *fakeSession) Trajectories() int { return f.traj }
func (f *fakeSession) StateDim() int     { return f.cfg.NDim }

func (f *fakeSession) StateAt(dst []int, i int) {
	for k := f.cfg.NDim - 1; k >= 0; k-- {
		dst[k] = i % f.cfg.Height
		i /= f.cfg.Height
	}
}

func (f *fakeSession) reward(x []int) float64 {
	in1, in2 := 1.0, 1.0
	for _, v := range x {
		a := math.Abs(float64(v)/float64(f.cfg.Height-1) - 0.5)
		if !(a > 0.25) {
			in1 = 0
		}
		if !(a > 0.3 && a < 0.4) {
			in2 = 0
		}
	}
	return f.cfg.R0 + f.cfg.R1*in1 + f.cfg.R2*in2
}

func (f *fakeSession) dists() (target, learned []float64, logZ float64) {
	n := numStates(f.cfg.NDim, f.cfg.Height)
	target, learned = make([]float64, n), make([]float64, n)
	x := make([]int, f.cfg.NDim)
	z := 0.0
	for i := range n {
		f.StateAt(x, i)
		target[i] = f.reward(x)
		z += target[i]
	}
	a := f.mix()
	for i := range target {
		target[i] /= z
		learned[i] = (1-a)*target[i] + a/float64(n)
	}
	return target, learned, math.Log(z)
}

func (f *fakeSession) Evaluate() (evaluation, error) {
	p, q, logZ := f.dists()
	e := evaluation{Target: p, Learned: q, TrueLogZ: logZ, LogZ: logZ + f.mix(),
		EmpL1Mean: math.NaN(), EmpKL: math.NaN(), Modes: -1, MeanLogR: math.NaN(), TopLogR: math.NaN(), Exact: true,
		AvgL1: math.NaN(), AvgLogZ: math.NaN()}
	for i := range p {
		e.L1 += math.Abs(p[i] - q[i])
		e.KL += p[i] * math.Log(p[i]/q[i])
	}
	e.L1Mean = e.L1 / float64(len(p))
	if f.iter > 0 {
		e.EmpL1Mean, e.EmpKL = 2*e.L1Mean, 2*e.KL
	}
	return e, nil
}

func (f *fakeSession) Save(path string) error {
	b, _ := json.Marshal([2]int{f.iter, f.traj})
	return writeFileAtomic(path, b)
}

func (f *fakeSession) Load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var v [2]int
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("%s: bad fake checkpoint: %v", path, err)
	}
	f.iter, f.traj = v[0], v[1]
	f.reads++
	return nil
}

func (f *fakeSession) Sample(dst []int, n int, seed uint64) error {
	_, q, _ := f.dists()
	rng := rand.New(rand.NewPCG(seed, 0))
	for j := range n {
		u, i := rng.Float64(), 0
		for ; i < len(q)-1 && u >= q[i]; i++ {
			u -= q[i]
		}
		f.StateAt(dst[j*f.cfg.NDim:(j+1)*f.cfg.NDim], i)
	}
	return nil
}

func (f *fakeSession) Format(x []int) string { return formatState(nil, x) }

func (f *fakeSession) Correlation() (float64, float64, error) { return math.NaN(), math.NaN(), nil }
