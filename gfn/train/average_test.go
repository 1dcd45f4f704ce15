package train_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
)

func averaging(t *testing.T, avg train.Averaging, alg train.Algorithm) *train.Trainer {
	t.Helper()
	tr, err := train.New(train.Config{Env: hypergrid.New(2, 4, hypergrid.Standard), Algorithm: alg, Seed: 1, Average: avg})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func modelParams(tr *train.Trainer) []*autograd.Node {
	return tr.Algorithm().(train.Averageable).ModelParams()
}

// TestAverageRules checks the averaged model against the iterates recorded
// by hand: the EMA from the initial weights, θ̄ ← τ·θ̄ + (1−τ)·θ, and the
// uniform mean of the iterates from Start, for an on-policy algorithm and
// for Soft DQN.
func TestAverageRules(t *testing.T) {
	for _, mk := range []func() train.Algorithm{
		func() train.Algorithm { return small() },
		func() train.Algorithm {
			return &softrl.DQN{Hidden: []int{8}, Trajectories: 4, BatchSize: 8, LearningStarts: -1}
		},
	} {
		const tau, start, n = 0.9, 3, 7
		ema := averaging(t, train.Averaging{Kind: train.EMAverage, Decay: tau}, mk())
		uni := averaging(t, train.Averaging{Kind: train.UniformAverage, Start: start}, mk())
		wantEMA := traintest.Values(modelParams(ema))
		var sum [][]float64
		for it := 1; it <= n; it++ {
			traintest.Run(t, ema, 1)
			traintest.Run(t, uni, 1)
			for i, v := range traintest.Values(modelParams(ema)) {
				for j := range v {
					wantEMA[i][j] = tau*wantEMA[i][j] + (1-tau)*v[j]
				}
			}
			if it >= start {
				v := traintest.Values(modelParams(uni))
				if sum == nil {
					sum = v
				} else {
					for i := range v {
						for j := range v[i] {
							sum[i][j] += v[i][j]
						}
					}
				}
			}
		}
		check := func(name string, tr *train.Trainer, want [][]float64, scale float64) {
			live := traintest.Values(modelParams(tr))
			tr.Evaluate() // swaps the average in and out
			var b gfn.Batch
			if err := tr.Sample(&b, 2, rand.New(rand.NewPCG(1, 1))); err != nil {
				t.Fatal(err)
			}
			if !traintest.Equal(live, traintest.Values(modelParams(tr))) {
				t.Fatalf("%s %T: Evaluate or Sample left the live parameters changed", name, tr.Algorithm())
			}
			if !tr.Averaged() {
				t.Fatalf("%s: no averaged model", name)
			}
			got := averagedValues(t, tr)
			worst := 0.0
			for i := range want {
				for j := range want[i] {
					worst = math.Max(worst, math.Abs(got[i][j]-want[i][j]*scale))
				}
			}
			if worst > 1e-12 {
				t.Errorf("%s %T: the average differs from the hand-computed one by %g", name, tr.Algorithm(), worst)
			}
		}
		check("ema", ema, wantEMA, 1)
		check("uniform", uni, sum, 1/float64(n-start+1))
	}
}

// averagedValues returns the averaged model's values, read while the
// trainer writes its model file, which it does with the average swapped in.
func averagedValues(t *testing.T, tr *train.Trainer) [][]float64 {
	t.Helper()
	var got [][]float64
	var buf bytes.Buffer
	w := &captureWriter{Buffer: &buf, read: func() {
		if got == nil {
			got = traintest.Values(modelParams(tr))
		}
	}}
	if err := tr.WriteModel(w); err != nil {
		t.Fatal(err)
	}
	return got
}

// captureWriter calls read on its first Write, while the model is being
// written with the average swapped in.
type captureWriter struct {
	*bytes.Buffer
	read func()
}

func (w *captureWriter) Write(p []byte) (int, error) {
	w.read()
	return w.Buffer.Write(p)
}

// TestAverageEvaluate checks that Evaluate measures the averaged model
// beside the last iterate, and that without one the fields are empty.
func TestAverageEvaluate(t *testing.T) {
	tr := averaging(t, train.Averaging{Kind: train.UniformAverage}, small())
	traintest.Run(t, tr, 30)
	m, err := tr.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	if m.Averaged.L1 <= 0 || m.Averaged == m.Exact || math.IsNaN(m.AveragedLogZ) || m.AveragedLogZ == m.LogZ {
		t.Errorf("averaged %+v log Z %v, last iterate %+v log Z %v", m.Averaged, m.AveragedLogZ, m.Exact, m.LogZ)
	}
	plain := averaging(t, train.Averaging{}, small())
	traintest.Run(t, plain, 3)
	if m, _ := plain.Evaluate(); m.Averaged != (gfn.Distances{}) || !math.IsNaN(m.AveragedLogZ) || plain.Averaged() {
		t.Errorf("without averaging: %+v, %v", m.Averaged, m.AveragedLogZ)
	}
}

// TestAverageResume checks that a run with an averaged model resumes
// bit-identically, the average included, and that a checkpoint is refused
// by a trainer with other averaging.
func TestAverageResume(t *testing.T) {
	for _, avg := range []train.Averaging{{Kind: train.EMAverage}, {Kind: train.UniformAverage, Start: 4}} {
		mk := func(seed uint64) *train.Trainer {
			tr, err := train.New(train.Config{Env: hypergrid.New(2, 4, hypergrid.Standard), Algorithm: small(), Seed: seed, Average: avg})
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
		traintest.Resume(t, mk, modelParams, 5, 4)
		a, b := mk(1), mk(1)
		traintest.Run(t, a, 9)
		traintest.Run(t, b, 5)
		path := filepath.Join(t.TempDir(), "ckpt")
		if err := b.Save(path); err != nil {
			t.Fatal(err)
		}
		c := mk(2)
		if err := c.Load(path); err != nil {
			t.Fatal(err)
		}
		traintest.Run(t, c, 4)
		ma, _ := a.Evaluate()
		mc, _ := c.Evaluate()
		if ma.Averaged != mc.Averaged || math.Float64bits(ma.AveragedLogZ) != math.Float64bits(mc.AveragedLogZ) {
			t.Errorf("%v: averaged model %+v uninterrupted, %+v resumed", avg.Kind, ma.Averaged, mc.Averaged)
		}
		other := averaging(t, train.Averaging{}, small())
		if err := other.Load(path); !errors.Is(err, train.ErrCheckpoint) || !strings.Contains(err.Error(), "average") {
			t.Errorf("%v checkpoint into a trainer without averaging: %v", avg.Kind, err)
		}
	}
}

// TestCheckpointVersion2 checks that a checkpoint of the previous format,
// without the averaged-model section, still loads.
func TestCheckpointVersion2(t *testing.T) {
	tr := averaging(t, train.Averaging{}, small())
	traintest.Run(t, tr, 3)
	var buf bytes.Buffer
	if err := tr.WriteCheckpoint(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	v2 := append([]byte(nil), data[:len(data)-4-8]...) // drop the empty section's length
	binary.LittleEndian.PutUint32(v2[4:], 2)
	v2 = binary.LittleEndian.AppendUint32(v2, crc32.ChecksumIEEE(v2))
	fresh := averaging(t, train.Averaging{}, small())
	if err := fresh.ReadCheckpoint(bytes.NewReader(v2)); err != nil {
		t.Fatal(err)
	}
	if fresh.Iter() != 3 || !traintest.Equal(traintest.Values(modelParams(fresh)), traintest.Values(modelParams(tr))) {
		t.Errorf("version 2: iteration %d, parameters equal %v", fresh.Iter(),
			traintest.Equal(traintest.Values(modelParams(fresh)), traintest.Values(modelParams(tr))))
	}
}

// TestAverageErrors checks the configuration errors.
func TestAverageErrors(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	for name, avg := range map[string]train.Averaging{
		"decay 1":        {Kind: train.EMAverage, Decay: 1},
		"negative start": {Kind: train.UniformAverage, Start: -1},
		"unknown kind":   {Kind: 7},
	} {
		if _, err := train.New(train.Config{Env: env, Algorithm: small(), Average: avg}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
