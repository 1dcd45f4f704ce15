package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
)

// newSession builds a training session from a config on the gfn library.
// Tests replace it with a fake.
var newSession = newLibrarySession

// newLibrarySession returns a session of the library's gfn.Trainer, or of
// gfn.SoftDQN for -loss softdqn and mdqn.
func newLibrarySession(cfg *config) (session, error) {
	env := hypergrid.New(cfg.NDim, cfg.Height, hypergrid.Reward{R0: cfg.R0, R1: cfg.R1, R2: cfg.R2})
	if cfg.Loss == "softdqn" || cfg.Loss == "mdqn" {
		return newSoftDQNSession(cfg, env)
	}
	var (
		obj  gfn.Objective
		flow bool
	)
	switch cfg.Loss {
	case "tb":
		obj = gfn.NewTB()
	case "db":
		obj, flow = &gfn.DB{}, true
	case "subtb":
		obj, flow = &gfn.SubTB{Lambda: cfg.SubTBLambda}, true
	case "mdb":
		obj = &gfn.ModifiedDB{}
	case "fm":
		obj, flow = &gfn.FM{Env: env}, true
	case "zvar":
		obj = &gfn.ZVar{}
	default:
		return nil, fmt.Errorf("unknown loss %q", cfg.Loss)
	}
	tr, err := gfn.NewTrainer(gfn.TrainerConfig{
		Env:         env,
		Objective:   obj,
		Policy:      gfn.PolicyConfig{Hidden: cfg.Hidden, Flow: flow, Backward: backwardKinds[cfg.PB]},
		BackwardLR:  cfg.LRPB,
		Replay:      cfg.Replay,
		Workers:     cfg.Workers,
		BatchSize:   cfg.Batch,
		LR:          cfg.LR,
		ObjectiveLR: cfg.LRLogZ,
		Epsilon:     cfg.Epsilon,
		Temperature: cfg.Temperature,
		ClipNorm:    cfg.Clip,
		Seed:        cfg.Seed,
	})
	if err != nil {
		return nil, err
	}
	return &trainerSession{tr: tr, env: env}, nil
}

// backwardKinds maps -pb to the library's backward policies.
var backwardKinds = map[string]gfn.BackwardKind{"uniform": gfn.UniformPB, "tied": gfn.TiedPB, "separate": gfn.SeparatePB}

// trainerSession is a session of gfn.Trainer.
type trainerSession struct {
	tr    *gfn.Trainer
	env   *hypergrid.Env
	batch gfn.Batch // for Sample
}

func (s *trainerSession) Step() (float64, error) {
	info, err := s.tr.Step()
	return info.Loss, err
}

func (s *trainerSession) Iter() int                { return s.tr.Iter() }
func (s *trainerSession) Trajectories() int        { return s.tr.Trajectories() }
func (s *trainerSession) Save(path string) error   { return s.tr.Save(path) }
func (s *trainerSession) Load(path string) error   { return s.tr.Load(path) }
func (s *trainerSession) StateDim() int            { return s.env.D }
func (s *trainerSession) StateAt(dst []int, i int) { s.env.StateAt(dst, i) }

func (s *trainerSession) Evaluate() (evaluation, error) {
	m, err := s.tr.Evaluate()
	if err != nil {
		return evaluation{}, err
	}
	e := evaluation{
		L1: m.Exact.L1, L1Mean: m.Exact.L1Mean, KL: m.Exact.KL, JSD: m.Exact.JSD,
		LogZ: m.LogZ, TrueLogZ: m.TrueLogZ,
		EmpL1Mean: math.NaN(), EmpKL: math.NaN(), Modes: -1,
		Target: m.Target, Learned: m.Learned,
	}
	if m.Trajectories > 0 {
		e.EmpL1Mean, e.EmpKL = m.Empirical.L1Mean, m.Empirical.KL
		e.Modes, e.NumModes = m.ModesFound, m.NumModes
	}
	return e, nil
}

func (s *trainerSession) Sample(dst []int, n int, seed uint64) error {
	s.tr.Sample(&s.batch, n, rand.New(rand.NewPCG(seed, seed)))
	d := s.env.D
	for i := range n {
		copy(dst[i*d:(i+1)*d], s.batch.Terminal(i))
	}
	return nil
}
