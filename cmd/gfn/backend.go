package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/tlm"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/zero"
	"github.com/gogfn/gogfn/nn"
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
	env, err := newEnv(cfg)
	if err != nil {
		return nil, err
	}
	alg, err := newAlgorithm(cfg, env)
	if err != nil {
		return nil, err
	}
	avg := train.Averaging{Decay: cfg.AverageDecay, Start: cfg.AverageStart}
	switch cfg.Average {
	case "ema":
		avg.Kind = train.EMAverage
	case "uniform":
		avg.Kind = train.UniformAverage
	}
	tr, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: cfg.Seed, Average: avg})
	if err != nil {
		return nil, err
	}
	return &trainerSession{tr: tr, env: env, dim: env.Spec().StateDim}, nil
}

// backwardPolicies lists the values of -pb, in the order of the usage text:
// the backward policies of Gritsaev et al. 2025's comparison.
var backwardPolicies = []string{"uniform", "maxent", "naive", "tied", "separate", "tlm", "pessimistic"}

func pbNames() string { return strings.Join(backwardPolicies, ", ") }

func knownPB(pb string) bool { return slices.Contains(backwardPolicies, pb) }

// learnedPB reports whether -pb is learned; tlmPB whether it is TLM's.
func learnedPB(pb string) bool { return pb != "uniform" && pb != "maxent" }
func tlmPB(pb string) bool     { return pb == "tlm" || pb == "pessimistic" }

// dqnPB reports whether -pb applies to softdqn and mdqn: all but the two
// that name a place in a policy network (tied, separate).
func dqnPB(pb string) bool { return pb != "tied" && pb != "separate" }

// newEnv returns the environment of cfg.
func newEnv(cfg *config) (gfn.Env, error) {
	if cfg.Env == "bitseq" {
		return bitseq.New(bitseq.Config{N: cfg.N, K: cfg.K, RunSeed: cfg.Modes == "run", Seed: uint32(cfg.Seed)})
	}
	return hypergrid.New(cfg.NDim, cfg.Height, hypergrid.Reward{R0: cfg.R0, R1: cfg.R1, R2: cfg.R2}), nil
}

// newAlgorithm returns the library's algorithm for cfg on env.
func newAlgorithm(cfg *config, env gfn.Env) (train.Algorithm, error) {
	a, _ := lookup(cfg.Loss)
	var fixed gfn.Backward
	if cfg.PB == "maxent" {
		e, ok := env.(gfn.Enumerable)
		if !ok {
			return nil, fmt.Errorf("-pb maxent needs an environment whose states can be enumerated")
		}
		m, err := gfn.NewMaxEnt(e)
		if err != nil {
			return nil, err
		}
		fixed = m
	}
	if cfg.MCTS != "" {
		return newMCTSAlgorithm(cfg, fixed), nil
	}
	var net policy.Network
	if cfg.Policy == "transformer" {
		tf, err := bitseq.NewTransformer(env.(*bitseq.Env), transformerConfig(cfg), rand.New(rand.NewPCG(cfg.Seed, 0x7f)))
		if err != nil {
			return nil, err
		}
		net = tf
	}
	var fwd train.Algorithm
	if a.objective == nil {
		d := &softrl.DQN{Hidden: cfg.Hidden, Alpha: a.alpha, Epsilon: cfg.Epsilon, Trajectories: cfg.Batch, LR: cfg.LR,
			WeightDecay: cfg.WeightDecay, Backward: fixed, BackwardLR: cfg.LRPB}
		if cfg.Env == "bitseq" { // the bit-sequence settings of the soft-RL code
			d.PERAlpha, d.BetaStart, d.BetaEnd, d.ApplyWeights = 0.9, 0.1, 0.1, true
			d.LeafCoeff, d.HardEvery, d.L0, d.LearningStarts = 5, 5, -25, 50
		}
		if net != nil { // the transformer's logits are the Q-values
			d.Q, d.Target, d.Hidden = softrl.NetworkQ{Net: net}, softrl.NetworkQ{Net: policy.CloneNetwork(net)}, nil
		}
		if cfg.PB == "naive" {
			// A network of its own trained by the TD loss; its weights come
			// from a stream of their own, so that the Q-networks' stay those
			// of the uniform run with the same seed.
			net, err := policy.NewBackwardNet(env, cfg.Hidden, nn.ReLU, nil, rand.New(rand.NewPCG(cfg.Seed, 0x9b)))
			if err != nil {
				return nil, err
			}
			d.Backward = net
		}
		fwd = d
	} else {
		kind := map[string]policy.PBKind{"naive": policy.TiedPB, "tied": policy.TiedPB, "separate": policy.SeparatePB}[cfg.PB]
		fwd = &onpolicy.Algorithm{
			Objective:     a.objective(cfg),
			Policy:        policyConfig(cfg, kind, fixed, net),
			BackwardLR:    cfg.LRPB,
			ReplayBatches: cfg.Replay,
			Workers:       cfg.Workers,
			Trajectories:  cfg.Batch,
			LR:            cfg.LR,
			WeightDecay:   cfg.WeightDecay,
			ObjectiveLR:   cfg.LRLogZ,
			Epsilon:       cfg.Epsilon,
			Temperature:   cfg.Temperature,
			ClipNorm:      cfg.Clip,
		}
	}
	if !tlmPB(cfg.PB) {
		return fwd, nil
	}
	t := &tlm.Algorithm{Forward: fwd, Hidden: cfg.Hidden, LR: zero.Or(cfg.LRPB, cfg.LR), Gamma: cfg.PBGamma, Tau: cfg.PBTau, Past: cfg.PBPast}
	if cfg.Env == "bitseq" {
		// The bit-sequence code's schedule: one of the last 20 batches, the
		// loss per trajectory and per step, a slower decay and average, and
		// for TB the P_B head alone.
		t.Past, t.Gamma, t.Tau = zero.Or(cfg.PBPast, 20), zero.Or(cfg.PBGamma, 0.9999), zero.Or(cfg.PBTau, 0.1)
		t.Norm, t.HeadOnly = tlm.PerTrajectory, cfg.Loss == "tb"
	}
	if cfg.PB == "pessimistic" {
		t.Past, t.Gamma = zero.Or(cfg.PBPast, 20), zero.Or(cfg.PBGamma, 1)
	}
	return t, nil
}

// policyConfig returns the policy of an on-policy algorithm: the MLP of
// cfg, or net.
func policyConfig(cfg *config, kind policy.PBKind, fixed gfn.Backward, net policy.Network) policy.Config {
	if net != nil {
		return policy.Config{PB: kind, Backward: fixed, Network: net}
	}
	return policy.Config{Hidden: cfg.Hidden, PB: kind, Backward: fixed}
}

// transformerConfig returns the sizes of cfg's transformer.
func transformerConfig(cfg *config) nn.TransformerConfig {
	c := nn.TransformerConfig{Dim: cfg.Dim, Heads: cfg.Heads, FF: cfg.FF, Layers: cfg.Layers, Dropout: cfg.Dropout}
	if c.Dropout == 0 {
		c.Dropout = -1 // none (nn's zero value is its default, 0.1)
	}
	return c
}

// trainerSession is a session of train.Trainer.
type trainerSession struct {
	tr    *train.Trainer
	env   gfn.Env
	dim   int
	batch gfn.Batch // for Sample
}

func (s *trainerSession) Step() (stepStats, error) {
	info, err := s.tr.Step()
	st := stepStats{Loss: info.Loss, BackwardLoss: math.NaN(), BackwardGap: math.NaN()}
	if _, ok := s.tr.Algorithm().(*tlm.Algorithm); ok {
		st.BackwardLoss, st.BackwardGap = info.BackwardLoss, info.BackwardGap
	}
	return st, err
}

func (s *trainerSession) Iter() int                { return s.tr.Iter() }
func (s *trainerSession) Trajectories() int        { return s.tr.Trajectories() }
func (s *trainerSession) Load(path string) error   { return s.tr.Load(path) }
func (s *trainerSession) StateDim() int            { return s.dim }
func (s *trainerSession) StateAt(dst []int, i int) { s.env.(gfn.Enumerable).StateAt(dst, i) }
func (s *trainerSession) Format(x []int) string    { return formatState(s.env, x) }

func (s *trainerSession) Correlation() (float64, float64, error) {
	if _, ok := s.env.(gfn.TestSetter); !ok {
		return math.NaN(), math.NaN(), nil
	}
	c, err := s.tr.Correlation(0)
	return c.Uniform, c.Learned, err
}

// formatState returns the readable form of x: the environment's
// (gfn.Formatter) when it is a string, else its integers separated by
// spaces.
func formatState(env gfn.Env, x []int) string {
	if f, ok := env.(gfn.Formatter); ok && env != nil {
		if s, ok := f.FormatState(x).(string); ok {
			return s
		}
	}
	b := make([]byte, 0, 4*len(x))
	for k, v := range x {
		if k > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(v), 10)
	}
	return string(b)
}

func (s *trainerSession) Evaluate() (evaluation, error) {
	m, err := s.tr.Evaluate()
	_, exact := s.env.(gfn.Enumerable)
	e := evaluation{
		L1: m.Exact.L1, L1Mean: m.Exact.L1Mean, KL: m.Exact.KL, JSD: m.Exact.JSD,
		LogZ: m.LogZ, TrueLogZ: m.TrueLogZ,
		EmpL1Mean: math.NaN(), EmpKL: math.NaN(), Modes: -1,
		Target: m.Target, Learned: m.Learned,
		MeanLogR: m.MeanLogR, TopLogR: m.TopLogR, Exact: exact,
		AvgL1: math.NaN(), AvgLogZ: m.AveragedLogZ,
	}
	if exact && s.tr.Averaged() {
		e.AvgL1 = m.Averaged.L1
	}
	if !exact {
		e.L1, e.L1Mean, e.KL, e.JSD = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	if m.Trajectories > 0 {
		if exact {
			e.EmpL1Mean, e.EmpKL = m.Empirical.L1Mean, m.Empirical.KL
		}
		e.Modes, e.NumModes = m.ModesFound, m.NumModes
	}
	return e, err
}

func (s *trainerSession) Sample(dst []int, n int, seed uint64) error {
	if err := s.tr.Sample(&s.batch, n, rand.New(rand.NewPCG(seed, seed))); err != nil {
		return err
	}
	d := s.dim
	for i := range n {
		copy(dst[i*d:(i+1)*d], s.batch.Terminal(i))
	}
	return nil
}

// Save writes the checkpoint to path and the model file beside it.
func (s *trainerSession) Save(path string) error {
	if err := s.tr.Save(path); err != nil {
		return err
	}
	return s.tr.SaveModel(filepath.Join(filepath.Dir(path), modelFile))
}
