package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
)

// isModelFile reports whether the file at path begins as a model file.
func isModelFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4)
	_, err = io.ReadFull(f, head)
	return err == nil && model.IsModelFile(head)
}

// openModel loads the model at path: a model file, a run directory (its
// model file, or else its checkpoint), or a checkpoint file, rebuilt from
// the config.json beside it.
func openModel(path string) (*model.Model, error) {
	if path == "" {
		return nil, badUsage(errors.New("-model is required"))
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		if p := filepath.Join(path, modelFile); isModelFile(p) {
			return model.Load(p, nil)
		}
	} else if isModelFile(path) {
		return model.Load(path, nil)
	}
	s, _, err := loadSession(path)
	if err != nil {
		return nil, err
	}
	ts, ok := s.(*trainerSession)
	if !ok {
		return nil, fmt.Errorf("%s: the checkpoint holds no model of the library", path)
	}
	var b bytes.Buffer
	if err := ts.tr.WriteModel(&b); err != nil {
		return nil, err
	}
	return model.Read(b.Bytes(), nil)
}

// modelSession is a model file seen as a finished session, for gfn sample
// and gfn eval: it evaluates and samples, and trains no further.
type modelSession struct {
	m       *model.Model
	env     gfn.Env
	dim     int
	sampler *model.Sampler
	out     model.Samples
}

// loadModelSession returns the session and the config (rebuilt from the
// file's settings and provenance) of a model file of a hypergrid or of bit
// sequences.
func loadModelSession(path string) (session, *config, error) {
	m, err := model.Load(path, nil)
	if err != nil {
		return nil, nil, err
	}
	cfg := &config{Version: configVersion}
	switch env := m.Env.(type) {
	case *hypergrid.Env:
		cfg.Env, cfg.NDim, cfg.Height, cfg.Reward = "hypergrid", env.D, env.H, "custom"
		cfg.R0, cfg.R1, cfg.R2 = env.R.R0, env.R.R1, env.R.R2
		for name, r := range rewards {
			if r == [3]float64{env.R.R0, env.R.R1, env.R.R2} {
				cfg.Reward = name
			}
		}
	case *bitseq.Env:
		c := env.Config()
		cfg.Env, cfg.N, cfg.K, cfg.Modes = "bitseq", c.N, c.K, "tlm"
		if c.RunSeed {
			cfg.Modes = "run"
		}
	default:
		return nil, nil, fmt.Errorf("%s: a model of %T; gfn sample and eval read hypergrid and bitseq models", path, m.Env)
	}
	if tf, ok := m.Network().(*bitseq.Transformer); ok {
		c := tf.Net.Config()
		cfg.Policy, cfg.Dim, cfg.Heads, cfg.Layers, cfg.FF, cfg.Dropout = "transformer", c.Dim, c.Heads, c.Layers, c.FF, c.Dropout
	}
	cfg.Loss, _ = gfn.Lookup(m.Provenance, "algorithm")
	obj, _ := gfn.Lookup(m.Provenance, "objective")
	for _, a := range algorithms {
		if a.objective != nil && fmt.Sprintf("%T", a.objective(cfg)) == obj {
			cfg.Loss = a.name
		}
	}
	return &modelSession{m: m, env: m.Env, dim: m.Env.Spec().StateDim, sampler: model.NewSampler(m, model.SamplerConfig{Workers: 1})}, cfg, nil
}

func (s *modelSession) Step() (stepStats, error) {
	return stepStats{}, errors.New("a model file cannot be trained")
}
func (s *modelSession) Save(string) error { return errors.New("a model file cannot be checkpointed") }
func (s *modelSession) Load(string) error { return errors.New("a model file is not a checkpoint") }
func (s *modelSession) StateDim() int     { return s.dim }
func (s *modelSession) StateAt(dst []int, i int) {
	s.env.(gfn.Enumerable).StateAt(dst, i)
}
func (s *modelSession) Format(x []int) string { return formatState(s.env, x) }

// Correlation computes the test-set correlation of the model with the
// uniform P_B and its own learned one, with the random stream that the
// trainer uses for it (train.Trainer.Correlation), from the seed and the
// iteration of the provenance: the model file gives the checkpoint's
// numbers with the uniform P_B.
func (s *modelSession) Correlation() (float64, float64, error) {
	ts, ok := s.env.(gfn.TestSetter)
	rev, ok2 := s.env.(gfn.Reversible)
	if !ok || !ok2 {
		return math.NaN(), math.NaN(), nil
	}
	xs, logR := ts.TestObjects()
	v, _ := gfn.Lookup(s.m.Provenance, "seed")
	seed, _ := strconv.ParseUint(v, 10, 64)
	rng := rand.New(rand.NewPCG(seed, uint64(s.Iter())^0xc0))
	est := gfn.LogProbEstimator{Env: rev, Model: s.m.Evaluator()}
	u, err := est.Correlation(xs, logR, rng)
	if err != nil {
		return u, math.NaN(), err
	}
	l := math.NaN()
	if s.m.Policy != nil && s.m.Policy.LearnedBackward() != nil {
		est.PB = s.m.Policy.LearnedBackward()
		l, err = est.Correlation(xs, logR, rng)
	}
	return u, l, err
}
func (s *modelSession) Iter() int         { return s.provenance("iteration") }
func (s *modelSession) Trajectories() int { return s.provenance("trained_trajectories") }

func (s *modelSession) provenance(key string) int {
	v, _ := gfn.Lookup(s.m.Provenance, key)
	n, _ := strconv.Atoi(v)
	return n
}

// Evaluate returns the exact metrics of the model (of an Enumerable
// environment); a model file keeps no training samples, so the empirical
// ones are unknown.
func (s *modelSession) Evaluate() (evaluation, error) {
	e := evaluation{L1: math.NaN(), L1Mean: math.NaN(), KL: math.NaN(), JSD: math.NaN(), LogZ: s.m.LogZ,
		TrueLogZ: math.NaN(), EmpL1Mean: math.NaN(), EmpKL: math.NaN(), Modes: -1,
		MeanLogR: math.NaN(), TopLogR: math.NaN(), AvgL1: math.NaN(), AvgLogZ: math.NaN()}
	enum, ok := s.env.(gfn.Enumerable)
	if !ok {
		return e, nil
	}
	target, logZ := gfn.TargetDistribution(enum)
	learned, err := gfn.ExactDistribution(enum, s.m.Evaluator())
	if err != nil {
		return e, err
	}
	d := gfn.Compare(learned, target)
	e.L1, e.L1Mean, e.KL, e.JSD, e.TrueLogZ = d.L1, d.L1Mean, d.KL, d.JSD, logZ
	e.Target, e.Learned, e.Exact = target, learned, true
	if math.IsNaN(d.L1) {
		return e, errors.New("the model's exact distribution is not finite (a diverged model)")
	}
	return e, nil
}

func (s *modelSession) Sample(dst []int, n int, seed uint64) error {
	if err := s.sampler.Sample(&s.out, n, rand.New(rand.NewPCG(seed, seed))); err != nil {
		return err
	}
	copy(dst, s.out.States[:n*s.dim])
	return nil
}
