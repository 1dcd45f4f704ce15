package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/mcts"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
)

// Tree search (Morozov et al. 2024, package gfn/mcts) in gfn train, with
// -loss softdqn -mcts MODE, and in gfn sample, with -mcts-rollouts N.

// maxRollouts bounds -mcts-rollouts.
const maxRollouts = 1 << 12

// addMCTSFlags adds the tree-search flags of gfn train to fs.
func addMCTSFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.MCTS, "mcts", "", "train -loss softdqn with tree search (Morozov et al. 2024): all (search for targets and actions), "+
		"train (targets), inference (actions) or off (their no_mcts baseline: on-policy Soft DQN, MSE, no replay); unset: the replay DQN")
	fs.IntVar(&c.MCTSRollouts, "mcts-rollouts", 4, "expansion rounds per step of the tree search (with -mcts)")
	fs.Float64Var(&c.MCTSEps, "mcts-eps", mcts.DefaultEps, "E2W exploration ε of the tree search (with -mcts)")
	fs.BoolVar(&c.MCTSTrueReward, "mcts-true-reward", false, "give the search's terminal nodes the true log-reward (with -mcts)")
}

// validateMCTS reports the first invalid tree-search setting of c.
func (c *config) validateMCTS() error {
	if c.MCTS == "" {
		return nil
	}
	if _, err := mcts.ParseMode(c.MCTS); err != nil {
		return fmt.Errorf("unknown -mcts %q (want all, train, inference or off)", c.MCTS)
	}
	switch {
	case c.Loss != "softdqn":
		return fmt.Errorf("-mcts applies only to -loss softdqn (the tree search trains a Soft DQN Q-network), not %s", c.Loss)
	case learnedPB(c.PB):
		return fmt.Errorf("-mcts takes a fixed backward policy (-pb uniform or maxent), not %s", c.PB)
	case c.Policy == "transformer":
		return errors.New("-mcts trains an MLP Q-network: use -policy mlp")
	case c.MCTSRollouts < 1 || c.MCTSRollouts > maxRollouts:
		return fmt.Errorf("-mcts-rollouts must be in [1, %d], got %d", maxRollouts, c.MCTSRollouts)
	case !(c.MCTSEps > 0) || math.IsInf(c.MCTSEps, 1):
		return fmt.Errorf("-mcts-eps must be positive, got %g", c.MCTSEps)
	}
	return nil
}

// checkMCTS rejects tree-search flags without -mcts and flags that -mcts
// ignores, and clears the tree-search settings of a run without -mcts so
// that its config.json does not hold them.
func (f *trainFlags) checkMCTS() error {
	if f.MCTS == "" {
		for _, name := range []string{"mcts-rollouts", "mcts-eps", "mcts-true-reward"} {
			if f.set[name] {
				return fmt.Errorf("-%s applies only with -mcts", name)
			}
		}
		f.MCTSRollouts, f.MCTSEps, f.MCTSTrueReward = 0, 0, false
		return nil
	}
	if f.set["epsilon"] {
		return errors.New("-epsilon does not apply with -mcts (the actions are drawn from softmax Q or from the search)")
	}
	return nil
}

// newMCTSAlgorithm returns the tree-search algorithm of cfg.
// backward is the fixed backward policy of -pb (nil: uniform).
func newMCTSAlgorithm(cfg *config, backward gfn.Backward) train.Algorithm {
	mode, _ := mcts.ParseMode(cfg.MCTS)
	return &mcts.Algorithm{Mode: mode, Rollouts: cfg.MCTSRollouts, Eps: cfg.MCTSEps, TrueReward: cfg.MCTSTrueReward,
		Hidden: cfg.Hidden, Trajectories: cfg.Batch, LR: cfg.LR, Backward: backward}
}

// samplePlanner holds the tree-search flags of gfn sample.
type samplePlanner struct {
	rollouts   int
	eps        float64
	trueReward bool
}

func (sp *samplePlanner) addFlags(fs *flag.FlagSet) {
	fs.IntVar(&sp.rollouts, "mcts-rollouts", -1, "sample through tree search with N expansion rounds per step, over the model's "+
		"log edge flows log F(s) + log P_F(a|s) (0: the model's policy; -1: the model's own sampler)")
	fs.Float64Var(&sp.eps, "mcts-eps", 0, "E2W exploration ε of the tree search (0: 0.01)")
	fs.BoolVar(&sp.trueReward, "mcts-true-reward", false, "give the search's terminal nodes the true log-reward")
}

// check reports a bad combination of the flags.
func (sp *samplePlanner) check() error {
	switch {
	case sp.rollouts < 0 && (sp.eps != 0 || sp.trueReward):
		return badUsage(errors.New("-mcts-eps and -mcts-true-reward need -mcts-rollouts"))
	case sp.rollouts > maxRollouts || !(sp.eps >= 0) || math.IsInf(sp.eps, 1):
		return badUsage(fmt.Errorf("-mcts-rollouts must be in [0, %d] and -mcts-eps ≥ 0", maxRollouts))
	}
	return nil
}

// wrap returns s sampling through the tree search the flags ask for, or s
// itself without -mcts-rollouts.
func (sp *samplePlanner) wrap(s session) (session, error) {
	if sp.rollouts < 0 {
		return s, nil
	}
	ts, ok := s.(*trainerSession)
	if !ok {
		return nil, errors.New("this model cannot be sampled through tree search")
	}
	p, err := modelPlanner(ts.tr)
	if err != nil {
		return nil, err
	}
	p.Rollouts, p.Eps, p.TrueReward = sp.rollouts, sp.eps, sp.trueReward
	return &plannedSession{trainerSession: ts, planner: p}, nil
}

// modelPlanner returns a planner over the trained model of tr, with the
// backward policy it was trained with.
func modelPlanner(tr *train.Trainer) (*mcts.Planner, error) {
	env := tr.Env()
	switch a := tr.Algorithm().(type) {
	case *softrl.DQN:
		return mcts.ForModel(env, a.Model(), a.Backward, math.NaN())
	case *mcts.Algorithm:
		return mcts.ForModel(env, a.Model(), a.Backward, math.NaN())
	case *onpolicy.Algorithm:
		p := a.Trained()
		return mcts.ForModel(env, p, p.Backward(), tr.LogZ())
	}
	return nil, fmt.Errorf("no tree search over a model of %T", tr.Algorithm())
}

// plannedSession is a trainerSession whose samples come from a planner.
type plannedSession struct {
	*trainerSession
	planner *mcts.Planner
	sampler gfn.Sampler
}

func (s *plannedSession) Sample(dst []int, n int, seed uint64) error {
	s.sampler.Env = s.tr.Env()
	if err := s.sampler.Rollout(&s.batch, s.planner, n, rand.New(rand.NewPCG(seed, seed))); err != nil {
		return err
	}
	d := s.dim
	for i := range n {
		copy(dst[i*d:(i+1)*d], s.batch.Terminal(i))
	}
	return nil
}
