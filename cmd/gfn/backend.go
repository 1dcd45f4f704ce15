package main

import (
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
)

// algorithm is an entry of the table from which gfn train chooses by -loss.
type algorithm struct {
	name  string // the -loss value
	prose string // its written name
	// objective makes the objective of a policy loss; nil for the soft RL
	// algorithms, which learn a Q-function and sample from softmax(Q/λ).
	objective func(cfg *config) gfn.Objective
	alpha     float64 // the Munchausen α of a soft RL algorithm
}

// algorithms is the one table of what gfn train can train.
var algorithms = []algorithm{
	{name: "tb", prose: "TB", objective: func(*config) gfn.Objective { return objective.NewTB() }},
	{name: "db", prose: "DB", objective: func(*config) gfn.Objective { return &objective.DB{} }},
	{name: "subtb", prose: "SubTB", objective: func(c *config) gfn.Objective { return &objective.SubTB{Lambda: c.SubTBLambda} }},
	{name: "mdb", prose: "modified DB", objective: func(*config) gfn.Objective { return &objective.ModifiedDB{} }},
	{name: "fm", prose: "FM", objective: func(*config) gfn.Objective { return &objective.FM{} }},
	{name: "zvar", prose: "ZVar", objective: func(*config) gfn.Objective { return &objective.ZVar{} }},
	{name: "softdqn", prose: "Soft DQN"},
	{name: "mdqn", prose: "Munchausen DQN", alpha: softrl.MunchausenAlpha},
}

// lookup returns the table's entry for -loss name, or false.
func lookup(name string) (algorithm, bool) {
	for _, a := range algorithms {
		if a.name == name {
			return a, true
		}
	}
	return algorithm{}, false
}

// splittable reports whether the policy loss can be split among workers.
func (a algorithm) splittable(cfg *config) bool {
	if a.objective == nil {
		return false
	}
	_, ok := a.objective(cfg).(gfn.Splittable)
	return ok
}

// newSession builds a training session from a config on the gfn library.
// Tests replace it with a fake.
var newSession = newLibrarySession

// newLibrarySession returns a session of the library's train.Trainer with
// the algorithm the config names.
func newLibrarySession(cfg *config) (session, error) {
	env := hypergrid.New(cfg.NDim, cfg.Height, hypergrid.Reward{R0: cfg.R0, R1: cfg.R1, R2: cfg.R2})
	tr, err := train.New(train.Config{Env: env, Algorithm: newAlgorithm(cfg), Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	return &trainerSession{tr: tr, env: env}, nil
}

// newAlgorithm returns the library's algorithm for cfg.
func newAlgorithm(cfg *config) train.Algorithm {
	if cfg.MCTS != "" {
		return newMCTSAlgorithm(cfg)
	}
	a, _ := lookup(cfg.Loss)
	if a.objective == nil {
		return &softrl.DQN{Hidden: cfg.Hidden, Alpha: a.alpha, Epsilon: cfg.Epsilon, Trajectories: cfg.Batch, LR: cfg.LR}
	}
	return &onpolicy.Algorithm{
		Objective:     a.objective(cfg),
		Policy:        policy.Config{Hidden: cfg.Hidden, PB: backwardKinds[cfg.PB]},
		BackwardLR:    cfg.LRPB,
		ReplayBatches: cfg.Replay,
		Workers:       cfg.Workers,
		Trajectories:  cfg.Batch,
		LR:            cfg.LR,
		ObjectiveLR:   cfg.LRLogZ,
		Epsilon:       cfg.Epsilon,
		Temperature:   cfg.Temperature,
		ClipNorm:      cfg.Clip,
	}
}

// backwardKinds maps -pb to the library's backward policies.
var backwardKinds = map[string]policy.PBKind{"uniform": policy.FixedPB, "tied": policy.TiedPB, "separate": policy.SeparatePB}

// trainerSession is a session of train.Trainer.
type trainerSession struct {
	tr    *train.Trainer
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
	return e, err
}

func (s *trainerSession) Sample(dst []int, n int, seed uint64) error {
	if err := s.tr.Sample(&s.batch, n, rand.New(rand.NewPCG(seed, seed))); err != nil {
		return err
	}
	d := s.env.D
	for i := range n {
		copy(dst[i*d:(i+1)*d], s.batch.Terminal(i))
	}
	return nil
}
