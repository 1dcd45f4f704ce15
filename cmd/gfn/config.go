package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gogfn/gogfn/nn"
)

// configVersion is the version of config.json. Bump it when a field changes
// meaning; readConfig rejects versions it does not know.
const configVersion = 1

// Limits that keep a mistyped flag from exhausting memory.
const (
	maxExactStates = 1 << 22 // H^D: exact evaluation enumerates every state
	maxInput       = 1 << 16 // D·H, the width of the network's input
	maxWidth       = 4096    // a hidden layer
	maxBatch       = 1 << 16 // trajectories per iteration
)

// config is everything needed to rebuild a model and continue its training.
// It is saved beside the checkpoint as config.json.
type config struct {
	Version int `json:"version"`

	Env    string  `json:"env"` // hypergrid or bitseq
	NDim   int     `json:"ndim,omitempty"`
	Height int     `json:"height,omitempty"`
	Reward string  `json:"reward,omitempty"`
	R0     float64 `json:"r0,omitempty"`
	R1     float64 `json:"r1,omitempty"`
	R2     float64 `json:"r2,omitempty"`
	N      int     `json:"n,omitempty"`     // bitseq: bits
	K      int     `json:"k,omitempty"`     // bitseq: bits per word
	Modes  string  `json:"modes,omitempty"` // bitseq: the mode set's seed, tlm (42) or run (the run's)

	Loss    string  `json:"loss"`
	Policy  string  `json:"policy,omitempty"`  // mlp or transformer; "" (older configs) means mlp
	Dim     int     `json:"dim,omitempty"`     // transformer: model width
	Heads   int     `json:"heads,omitempty"`   // transformer: attention heads
	Layers  int     `json:"layers,omitempty"`  // transformer: encoder layers
	FF      int     `json:"ff,omitempty"`      // transformer: feed-forward width
	Dropout float64 `json:"dropout,omitempty"` // transformer: dropout in training

	Hidden      []int   `json:"hidden"`
	SubTBLambda float64 `json:"subtb_lambda"`
	PB          string  `json:"pb"` // backward policy: see backwardPolicies
	LRPB        float64 `json:"lr_pb"`
	PBTau       float64 `json:"pb_tau,omitempty"`   // TLM's moving-average rate; 0 means 0.25
	PBGamma     float64 `json:"pb_gamma,omitempty"` // TLM's learning-rate decay per step; 0 means 0.999
	PBPast      int     `json:"pb_past,omitempty"`  // TLM's source: 0 the fresh batch, else one of the last N
	Replay      int     `json:"replay"`
	Workers     int     `json:"workers,omitempty"` // 0 (older configs) means 1

	// Tree search (mcts.go): a mode of -loss softdqn, or empty.
	MCTS           string  `json:"mcts,omitempty"`
	MCTSRollouts   int     `json:"mcts_rollouts,omitempty"`
	MCTSEps        float64 `json:"mcts_eps,omitempty"`
	MCTSTrueReward bool    `json:"mcts_true_reward,omitempty"`

	Batch       int     `json:"batch"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay,omitempty"`
	LRLogZ      float64 `json:"lr_logz"`
	Epsilon     float64 `json:"epsilon"`
	Temperature float64 `json:"temperature"`
	Clip        float64 `json:"clip"`
	Seed        uint64  `json:"seed"`

	Average      string  `json:"average,omitempty"`       // averaged model: ema or uniform; "" none
	AverageDecay float64 `json:"average_decay,omitempty"` // ema: the weight kept; 0 means 0.99
	AverageStart int     `json:"average_start,omitempty"` // uniform: first iteration averaged
}

// trainFlags are the flags of gfn train: the config plus what only shapes
// this invocation.
type trainFlags struct {
	config
	Iters           int
	EvalEvery       int
	TestEvery       int
	CheckpointEvery int
	Out             string
	Resume          bool
	CPUProfile      string
	Quiet           bool

	set map[string]bool // flags given on the command line
}

// rewards are the named hypergrid rewards of the papers: R(x) = R0 + R1·Π 1[0.25 < aᵢ] + R2·Π 1[0.3 < aᵢ < 0.4].
var rewards = map[string][3]float64{
	"standard": {1e-3, 0.5, 2},
	"hard":     {1e-4, 1, 3},
}

// lossNames lists the names of the algorithms gfn train knows, in the
// table's order.
func lossNames() string {
	var s []string
	for _, a := range algorithms {
		s = append(s, a.name)
	}
	return strings.Join(s, ", ")
}

// Defaults of gfn train that are not the library's.
const (
	defaultIters   = 2000
	defaultEpsilon = 0.05
	// defaultCheckpointEvery keeps a recent good checkpoint: a run that
	// fails (diverges, meets a broken environment, is killed) loses at most
	// this many iterations.
	defaultCheckpointEvery = 500
)

// newTrainFlagSet returns the flag set of gfn train bound to f.
func newTrainFlagSet(f *trainFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.Env, "env", "hypergrid", "environment: hypergrid or bitseq")
	fs.IntVar(&f.NDim, "ndim", 2, "hypergrid dimension D")
	fs.IntVar(&f.Height, "height", 8, "hypergrid side length H")
	fs.StringVar(&f.Reward, "reward", "standard", "hypergrid reward: standard, hard or custom")
	fs.Float64Var(&f.R0, "r0", 0, "custom reward R0 (> 0; default that of standard)")
	fs.Float64Var(&f.R1, "r1", 0, "custom reward R1 (≥ 0; default that of standard)")
	fs.Float64Var(&f.R2, "r2", 0, "custom reward R2 (≥ 0; default that of standard)")
	fs.IntVar(&f.N, "n", 120, "bitseq: sequence length in bits (a multiple of 8)")
	fs.IntVar(&f.K, "k", 8, "bitseq: bits per word (a divisor of -n)")
	fs.StringVar(&f.Modes, "modes", "tlm", "bitseq: the mode set, tlm (numpy seed 42, the TLM code's) or run (seeded with -seed, the soft-RL code's)")
	fs.StringVar(&f.Loss, "loss", "tb", "objective or algorithm: "+lossNames())
	fs.StringVar(&f.Policy, "policy", "", "network: mlp or transformer (bitseq only, the papers' network; the bitseq default)")
	fs.IntVar(&f.Dim, "dim", 64, "transformer: model width")
	fs.IntVar(&f.Heads, "heads", 8, "transformer: attention heads (a divisor of -dim)")
	fs.IntVar(&f.Layers, "layers", 3, "transformer: encoder layers")
	fs.IntVar(&f.FF, "ff", 64, "transformer: feed-forward width")
	fs.Float64Var(&f.Dropout, "dropout", 0.1, "transformer: dropout probability in training, in [0, 1)")
	fs.Func("hidden", "hidden layer `widths` of the MLPs, comma-separated (default 256,256)", func(s string) error {
		h, err := parseHidden(s)
		f.Hidden = h
		return err
	})
	fs.Float64Var(&f.SubTBLambda, "subtb-lambda", 0.9, "SubTB λ (> 0; -env bitseq: 1.9, the soft-RL paper's)")
	fs.StringVar(&f.PB, "pb", "uniform", "backward policy: "+pbNames())
	fs.Float64Var(&f.LRPB, "lr-pb", 0, "learning rate of a learned backward policy (0: that of -lr)")
	fs.Float64Var(&f.PBTau, "pb-tau", 0, "TLM: rate of the moving average of P_B that the forward step uses (0: 0.25, bitseq 0.1)")
	fs.Float64Var(&f.PBGamma, "pb-gamma", 0, "TLM: decay of the backward learning rate per step (0: 0.999, bitseq 0.9999, pessimistic 1)")
	fs.IntVar(&f.PBPast, "pb-past", 0, "TLM: train P_B on one of the last N batches instead of the fresh one (bitseq and pessimistic: 20)")
	fs.IntVar(&f.Replay, "replay", 0, "also train on one of the last N batches each iteration (0: on-policy only)")
	fs.IntVar(&f.Workers, "workers", 1, "goroutines that share each iteration's trajectories (tb, db, subtb, mdb without -replay); pays from -batch 64 on")
	fs.IntVar(&f.Batch, "batch", 16, "trajectories per iteration")
	fs.IntVar(&f.Iters, "iters", defaultIters, "training iterations (the total, when resuming)")
	fs.Float64Var(&f.LR, "lr", 1e-3, "learning rate of the network")
	fs.Float64Var(&f.WeightDecay, "weight-decay", 0, "Adam's decoupled weight decay (bitseq default 1e-5, hypergrid 0)")
	fs.Float64Var(&f.LRLogZ, "lr-logz", 0.1, "learning rate of log Z (bitseq default 0.064)")
	// Without exploration, on-policy TB on the 8×8 grid can lock onto two of
	// the four modes for good (seed 2 does); ε = 0.05 finds all four on
	// every seed we tried. Soft DQN explores through softmax(Q/λ) instead.
	fs.Float64Var(&f.Epsilon, "epsilon", defaultEpsilon, "ε-uniform exploration in [0, 1); softdqn and mdqn default to 0")
	fs.Float64Var(&f.Temperature, "temperature", 1, "sampling temperature on the logits (> 0)")
	fs.Float64Var(&f.Clip, "clip", 0, "gradient-norm clipping (0: none)")
	fs.Uint64Var(&f.Seed, "seed", 1, "random seed")
	fs.StringVar(&f.Average, "average", "none", "keep an averaged model beside the last iterate and sample, evaluate and save it: none, ema or uniform")
	fs.Float64Var(&f.AverageDecay, "average-decay", 0.99, "-average ema: the weight the average keeps at each iteration, in (0, 1)")
	fs.IntVar(&f.AverageStart, "average-start", 0, "-average uniform: the first iteration averaged (0: a tenth of -iters, as WAKD)")
	fs.IntVar(&f.EvalEvery, "eval-every", 100, "evaluate every N iterations (0: only at the start and the end)")
	fs.IntVar(&f.TestEvery, "test-every", 2000, "bitseq: compute the test-set correlation (minutes for n = 120) at the evaluations every N iterations, and at the end (0: only at the end)")
	fs.IntVar(&f.CheckpointEvery, "checkpoint-every", defaultCheckpointEvery, "checkpoint every N iterations, and at the end (0: only at the end)")
	fs.StringVar(&f.Out, "out", "", "output directory (default runs/LOSS-ENV-TIME)")
	fs.BoolVar(&f.Resume, "resume", false, "continue the run saved in -out")
	fs.StringVar(&f.CPUProfile, "cpuprofile", "", "write a CPU profile to this file")
	fs.BoolVar(&f.Quiet, "quiet", false, "print only the final summary")
	addMCTSFlags(fs, &f.config)
	return fs
}

// parseTrainFlags parses and validates the arguments of gfn train.
func parseTrainFlags(args []string) (*trainFlags, error) {
	f, err := parseTrainFlags1(args)
	return f, badUsage(err)
}

func parseTrainFlags1(args []string) (*trainFlags, error) {
	f := &trainFlags{config: config{Version: configVersion, Hidden: []int{256, 256}}}
	fs := newTrainFlagSet(f)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	a, _ := lookup(f.Loss)
	switch {
	case a.objective == nil && !f.set["epsilon"]:
		f.Epsilon = 0 // Soft DQN explores through softmax(Q/λ)
	case f.Env == "bitseq" && !f.set["epsilon"]:
		f.Epsilon = bitseqEpsilon
	}
	if f.Env == "bitseq" && !f.set["weight-decay"] {
		f.WeightDecay = bitseqWeightDecay
	}
	if f.Env == "bitseq" && !f.set["lr-logz"] {
		f.LRLogZ = bitseqLRLogZ
	}
	if f.Env == "bitseq" && f.Loss == "subtb" && !f.set["subtb-lambda"] {
		f.SubTBLambda = bitseqSubTBLambda
	}
	if f.Policy == "" {
		f.Policy = "mlp"
		if f.Env == "bitseq" {
			f.Policy = "transformer"
		}
	}
	switch f.Average {
	case "none":
		f.Average, f.AverageDecay, f.AverageStart = "", 0, 0
	case "ema":
		f.AverageStart = 0
	case "uniform":
		f.AverageDecay = 0
		if f.AverageStart == 0 {
			f.AverageStart = max(f.Iters/10, 1)
		}
	}
	if f.Policy != "transformer" {
		f.Dim, f.Heads, f.Layers, f.FF, f.Dropout = 0, 0, 0, 0, 0
	}
	if !f.Resume { // a resumed run's environment is the saved one
		if err := f.checkEnvFlags(); err != nil {
			return nil, err
		}
		if f.Env == "hypergrid" {
			if err := f.fillReward(); err != nil {
				return nil, err
			}
		}
		if err := f.config.validate(); err != nil {
			return nil, err
		}
	}
	switch {
	case f.Iters < 1:
		return nil, fmt.Errorf("-iters must be at least 1, got %d", f.Iters)
	case f.EvalEvery < 0:
		return nil, fmt.Errorf("-eval-every must be ≥ 0, got %d", f.EvalEvery)
	case f.CheckpointEvery < 0:
		return nil, fmt.Errorf("-checkpoint-every must be ≥ 0, got %d", f.CheckpointEvery)
	case f.TestEvery < 0:
		return nil, fmt.Errorf("-test-every must be ≥ 0, got %d", f.TestEvery)
	case f.Out == "" && f.set["out"]:
		return nil, errors.New("-out must not be empty")
	case f.Out == "" && f.Resume:
		return nil, errors.New("-resume needs the -out directory of the run")
	case f.Out == "":
		f.Out = filepath.Join("runs", fmt.Sprintf("%s-%s-%s", f.Loss, f.envTag(), time.Now().Format("20060102-150405")))
	}
	return f, f.checkApplies()
}

// checkApplies rejects flags given on the command line that the chosen loss
// would ignore.
func (f *trainFlags) checkApplies() error {
	a, _ := lookup(f.Loss)
	dqn := a.objective == nil
	for _, c := range []struct {
		flag    string
		applies bool
		to      string
	}{
		{"subtb-lambda", f.Loss == "subtb", "-loss subtb"},
		{"lr-logz", f.Loss == "tb", "-loss tb (the only loss with a learned log Z)"},
		{"temperature", !dqn, "the policy losses (tb, db, subtb, mdb, fm, zvar) (softdqn and mdqn sample from softmax(Q/λ))"},
		{"clip", !dqn, "the policy losses (tb, db, subtb, mdb, fm, zvar)"},
		{"pb", !dqn || dqnPB(f.PB), "the policy losses (tb, db, subtb, mdb, fm, zvar) for tied and separate"},
		{"replay", !dqn, "the policy losses (tb, db, subtb, mdb, fm, zvar)"},
		{"workers", a.splittable(&f.config) && f.Replay == 0, "-loss tb, db, subtb or mdb without -replay"},
		{"lr-pb", learnedPB(f.PB), "a learned -pb (tied, separate, naive, tlm, pessimistic)"},
		{"pb-tau", tlmPB(f.PB), "-pb tlm or pessimistic"},
		{"pb-gamma", tlmPB(f.PB), "-pb tlm or pessimistic"},
		{"pb-past", tlmPB(f.PB), "-pb tlm or pessimistic"},
		{"test-every", f.Env == "bitseq" || f.Resume, "-env bitseq"},
		{"hidden", f.Policy == "mlp" || (dqn && learnedPB(f.PB)) || f.Resume, "the MLPs: -policy mlp, or a learned -pb of softdqn and mdqn"},
		{"dim", f.Policy == "transformer" || f.Resume, "-policy transformer"},
		{"heads", f.Policy == "transformer" || f.Resume, "-policy transformer"},
		{"layers", f.Policy == "transformer" || f.Resume, "-policy transformer"},
		{"ff", f.Policy == "transformer" || f.Resume, "-policy transformer"},
		{"dropout", f.Policy == "transformer" || f.Resume, "-policy transformer"},
		{"average-decay", f.Average == "ema" || f.Resume, "-average ema"},
		{"average-start", f.Average == "uniform" || f.Resume, "-average uniform"},
	} {
		if f.set[c.flag] && !c.applies {
			return fmt.Errorf("-%s applies only to %s", c.flag, c.to)
		}
	}
	return f.checkMCTS()
}

// The bit-sequence defaults of the papers' code that are not the library's.
const (
	bitseqEpsilon     = 0.001 // a uniformly random action with probability 0.001
	bitseqWeightDecay = 1e-5  // Adam's weight decay
	// The papers' log Z is the sum of a 64-vector trained by Adam at 1e-3:
	// its components get the same gradient and stay equal, so it moves as
	// one scalar trained by Adam at 64 × 1e-3.
	bitseqLRLogZ = 0.064
	// The soft-RL paper's SubTB baseline on bit sequences weighs a
	// sub-trajectory of length L by λ^L with λ = 1.9 (longer ones more).
	bitseqSubTBLambda = 1.9
)

// envFlags are the flags of each environment; the others' must not be given.
var envFlags = map[string][]string{
	"hypergrid": {"ndim", "height", "reward", "r0", "r1", "r2"},
	"bitseq":    {"n", "k", "modes"},
}

// checkEnvFlags refuses flags of another environment than -env, and clears
// the other environment's defaults so that config.json holds only the
// environment's own settings.
func (f *trainFlags) checkEnvFlags() error {
	own, ok := envFlags[f.Env]
	if !ok {
		return fmt.Errorf("unknown -env %q (want hypergrid or bitseq)", f.Env)
	}
	for env, names := range envFlags {
		for _, name := range names {
			if env != f.Env && f.set[name] && !slices.Contains(own, name) {
				return fmt.Errorf("-%s applies only to -env %s", name, env)
			}
		}
	}
	switch f.Env {
	case "bitseq":
		f.NDim, f.Height, f.Reward = 0, 0, ""
	case "hypergrid":
		f.N, f.K, f.Modes = 0, 0, ""
	}
	return nil
}

// envTag names the environment in a run directory's name: 8x8, n120k8.
func (c *config) envTag() string {
	if c.Env == "bitseq" {
		return fmt.Sprintf("n%dk%d", c.N, c.K)
	}
	return fmt.Sprintf("%dx%d", c.NDim, c.Height)
}

// fillReward resolves -reward and -r0/-r1/-r2 into R0, R1, R2.
func (f *trainFlags) fillReward() error {
	custom := f.set["r0"] || f.set["r1"] || f.set["r2"]
	if f.Reward != "custom" {
		r, ok := rewards[f.Reward]
		if !ok {
			return fmt.Errorf("unknown -reward %q (want standard, hard or custom)", f.Reward)
		}
		if custom {
			return fmt.Errorf("-r0, -r1 and -r2 need -reward custom")
		}
		f.R0, f.R1, f.R2 = r[0], r[1], r[2]
		return nil
	}
	std := rewards["standard"]
	for i, p := range []*float64{&f.R0, &f.R1, &f.R2} {
		if !f.set["r"+strconv.Itoa(i)] {
			*p = std[i]
		}
	}
	return nil
}

// validate reports the first invalid setting of c.
func (c *config) validate() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case c.Version != configVersion:
		return fmt.Errorf("config version %d, this program reads version %d", c.Version, configVersion)
	case c.Env != "hypergrid" && c.Env != "bitseq":
		return fmt.Errorf("unknown -env %q (want hypergrid or bitseq)", c.Env)
	}
	var err error
	if c.Env == "hypergrid" {
		err = c.validateHypergrid()
	} else {
		err = c.validateBitseq()
	}
	if err == nil {
		err = c.validateMCTS()
	}
	if err != nil {
		return err
	}
	switch {
	case !knownLoss(c.Loss):
		return fmt.Errorf("unknown -loss %q (want one of %s)", c.Loss, lossNames())
	case c.Policy != "" && c.Policy != "mlp" && c.Policy != "transformer":
		return fmt.Errorf("unknown -policy %q (want mlp or transformer)", c.Policy)
	case c.Policy == "transformer" && c.Env != "bitseq":
		return errors.New("-policy transformer needs -env bitseq")
	case c.Policy == "transformer" && c.PB == "separate":
		return errors.New("-pb separate needs -policy mlp (use tied for a backward head on the transformer)")
	case c.Policy == "transformer" && (c.Dim < 2 || c.Dim > 1024 || c.Dim%2 != 0):
		return fmt.Errorf("-dim must be even and in [2, 1024], got %d", c.Dim)
	case c.Policy == "transformer" && (c.Heads < 1 || c.Dim%c.Heads != 0):
		return fmt.Errorf("-heads must divide -dim %d, got %d", c.Dim, c.Heads)
	case c.Policy == "transformer" && (c.Layers < 1 || c.Layers > 64):
		return fmt.Errorf("-layers must be in [1, 64], got %d", c.Layers)
	case c.Policy == "transformer" && (c.FF < 1 || c.FF > maxWidth):
		return fmt.Errorf("-ff must be in [1, %d], got %d", maxWidth, c.FF)
	case !(c.Dropout >= 0 && c.Dropout < 1):
		return fmt.Errorf("-dropout must be in [0, 1), got %g", c.Dropout)
	case c.Average != "" && c.Average != "ema" && c.Average != "uniform":
		return fmt.Errorf("unknown -average %q (want none, ema or uniform)", c.Average)
	case c.Average == "ema" && !(c.AverageDecay > 0 && c.AverageDecay < 1):
		return fmt.Errorf("-average-decay must be in (0, 1), got %g", c.AverageDecay)
	case c.AverageStart < 0:
		return fmt.Errorf("-average-start must be ≥ 0, got %d", c.AverageStart)
	case len(c.Hidden) == 0:
		return errors.New("-hidden needs at least one layer width")
	case !finite(c.SubTBLambda) || c.SubTBLambda <= 0:
		return fmt.Errorf("-subtb-lambda must be positive, got %g", c.SubTBLambda)
	case c.Batch < 1 || c.Batch > maxBatch:
		return fmt.Errorf("-batch must be in [1, %d], got %d", maxBatch, c.Batch)
	case !finite(c.LR) || c.LR <= 0:
		return fmt.Errorf("-lr must be positive, got %g", c.LR)
	case !finite(c.WeightDecay) || c.WeightDecay < 0:
		return fmt.Errorf("-weight-decay must be ≥ 0, got %g", c.WeightDecay)
	case !finite(c.LRLogZ) || c.LRLogZ <= 0:
		return fmt.Errorf("-lr-logz must be positive, got %g", c.LRLogZ)
	case !(c.Epsilon >= 0 && c.Epsilon < 1):
		return fmt.Errorf("-epsilon must be in [0, 1), got %g", c.Epsilon)
	case !finite(c.Temperature) || c.Temperature <= 0:
		return fmt.Errorf("-temperature must be positive, got %g", c.Temperature)
	case !finite(c.Clip) || c.Clip < 0:
		return fmt.Errorf("-clip must be ≥ 0, got %g", c.Clip)
	case !knownPB(c.PB):
		return fmt.Errorf("unknown -pb %q (want %s)", c.PB, pbNames())
	case !finite(c.LRPB) || c.LRPB < 0:
		return fmt.Errorf("-lr-pb must be ≥ 0, got %g", c.LRPB)
	case !(c.PBTau >= 0 && c.PBTau <= 1):
		return fmt.Errorf("-pb-tau must be in [0, 1], got %g", c.PBTau)
	case !(c.PBGamma >= 0 && c.PBGamma <= 1):
		return fmt.Errorf("-pb-gamma must be in [0, 1], got %g", c.PBGamma)
	case c.PBPast < 0 || c.PBPast > 1<<16:
		return fmt.Errorf("-pb-past must be in [0, %d], got %d", 1<<16, c.PBPast)
	case c.Replay < 0 || c.Replay > 1<<20:
		return fmt.Errorf("-replay must be in [0, %d], got %d", 1<<20, c.Replay)
	case c.Workers < 0 || c.Workers > 64:
		return fmt.Errorf("-workers must be in [1, 64], got %d", c.Workers)
	}
	for _, h := range c.Hidden {
		if h < 1 || h > maxWidth {
			return fmt.Errorf("-hidden widths must be in [1, %d], got %d", maxWidth, h)
		}
	}
	return nil
}

// validateHypergrid reports the first invalid hypergrid setting of c.
func (c *config) validateHypergrid() error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case c.NDim < 1:
		return fmt.Errorf("-ndim must be at least 1, got %d", c.NDim)
	case c.Height < 2:
		return fmt.Errorf("-height must be at least 2, got %d", c.Height)
	case numStates(c.NDim, c.Height) > maxExactStates:
		return fmt.Errorf("-height %d and -ndim %d give more than %d states, too many for exact evaluation",
			c.Height, c.NDim, maxExactStates)
	case c.NDim*c.Height > maxInput:
		return fmt.Errorf("-ndim × -height must be at most %d (the width of the network's input), got %d",
			maxInput, c.NDim*c.Height)
	case c.Reward != "custom" && rewards[c.Reward] != [3]float64{} && rewards[c.Reward] != [3]float64{c.R0, c.R1, c.R2}:
		r := rewards[c.Reward]
		return fmt.Errorf("-reward %s has r0, r1, r2 = %g, %g, %g, not %g, %g, %g", c.Reward, r[0], r[1], r[2], c.R0, c.R1, c.R2)
	case c.Reward != "custom" && rewards[c.Reward] == [3]float64{}:
		return fmt.Errorf("unknown -reward %q (want standard, hard or custom)", c.Reward)
	case !finite(c.R0) || c.R0 <= 0:
		return fmt.Errorf("-r0 must be positive and finite, got %g", c.R0)
	case !finite(c.R1) || c.R1 < 0:
		return fmt.Errorf("-r1 must be ≥ 0 and finite, got %g", c.R1)
	case !finite(c.R2) || c.R2 < 0:
		return fmt.Errorf("-r2 must be ≥ 0 and finite, got %g", c.R2)
	}
	return nil
}

// validateBitseq reports the first invalid bit-sequence setting of c.
func (c *config) validateBitseq() error {
	switch {
	case c.N < 8 || c.N%8 != 0 || c.N > 1024:
		return fmt.Errorf("-n must be a multiple of 8 in [8, 1024], got %d", c.N)
	case c.K < 1 || c.K > 12 || c.N%c.K != 0:
		return fmt.Errorf("-k must divide -n %d and be in [1, 12], got %d", c.N, c.K)
	case (c.N/c.K)*(1<<c.K+1) > maxInput:
		return fmt.Errorf("-n %d and -k %d give a network input wider than %d", c.N, c.K, maxInput)
	case c.Modes != "tlm" && c.Modes != "run":
		return fmt.Errorf("unknown -modes %q (want tlm or run)", c.Modes)
	}
	return nil
}

func knownLoss(s string) bool {
	_, ok := lookup(s)
	return ok
}

// numStates returns H^D, saturating at maxExactStates+1.
func numStates(d, h int) int {
	n := 1
	for range d {
		n *= h
		if n > maxExactStates {
			return maxExactStates + 1
		}
	}
	return n
}

// parseHidden parses "256,256" into layer widths.
func parseHidden(s string) ([]int, error) {
	var h []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad width %q (want positive integers such as 256,256)", f)
		}
		h = append(h, n)
	}
	return h, nil
}

// envString describes the environment for people: "an 8×8 hypergrid
// (standard reward)", "bit sequences (n = 120, k = 8)".
func (c *config) envString() string {
	if c.Env == "bitseq" {
		return fmt.Sprintf("bit sequences (n = %d, k = %d)", c.N, c.K)
	}
	grid := gridString(c.NDim, c.Height)
	return fmt.Sprintf("%s %s hypergrid (%s)", article(grid), grid, c.rewardString())
}

// rewardString describes the reward for people.
func (c *config) rewardString() string {
	if c.Reward == "custom" {
		return fmt.Sprintf("custom reward R0=%g R1=%g R2=%g", c.R0, c.R1, c.R2)
	}
	return c.Reward + " reward"
}

// writeConfig saves c as dir/config.json, atomically.
func writeConfig(dir string, c *config) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, configFile), append(b, '\n'))
}

// readConfig reads and validates dir/config.json.
func readConfig(dir string) (*config, error) {
	path := filepath.Join(dir, configFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxConfigBytes {
		return nil, fmt.Errorf("%s: more than %d bytes, not a config", path, maxConfigBytes)
	}
	var c config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %s", path, asConfigKeys(err.Error()))
	}
	return &c, nil
}

// maxConfigBytes bounds the size of a config.json.
const maxConfigBytes = 1 << 16

// flagRef matches a flag name in an error message of validate.
var flagRef = regexp.MustCompile(`(^|[ (])-([a-z][a-z0-9-]*)`)

// asConfigKeys rewrites the flag names in a message of validate as the keys
// of config.json ("-lr-logz" becomes "lr_logz"), for errors in a file, which
// has no flags.
func asConfigKeys(msg string) string {
	return flagRef.ReplaceAllStringFunc(msg, func(m string) string {
		lead := ""
		if m[0] != '-' {
			lead, m = m[:1], m[1:]
		}
		return lead + `"` + strings.ReplaceAll(m[1:], "-", "_") + `"`
	})
}

// writeFileAtomic writes data to path atomically (see nn.WriteFileAtomic):
// path holds either its old or its new contents.
func writeFileAtomic(path string, data []byte) error {
	return nn.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
