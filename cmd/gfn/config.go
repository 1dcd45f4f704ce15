package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
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

	Env    string  `json:"env"`
	NDim   int     `json:"ndim"`
	Height int     `json:"height"`
	Reward string  `json:"reward"`
	R0     float64 `json:"r0"`
	R1     float64 `json:"r1"`
	R2     float64 `json:"r2"`

	Loss        string  `json:"loss"`
	Hidden      []int   `json:"hidden"`
	SubTBLambda float64 `json:"subtb_lambda"`
	PB          string  `json:"pb"` // backward policy: uniform, tied or separate
	LRPB        float64 `json:"lr_pb"`
	Replay      int     `json:"replay"`
	Workers     int     `json:"workers,omitempty"` // 0 (older configs) means 1

	// Tree search (mcts.go): a mode of -loss softdqn, or empty.
	MCTS           string  `json:"mcts,omitempty"`
	MCTSRollouts   int     `json:"mcts_rollouts,omitempty"`
	MCTSEps        float64 `json:"mcts_eps,omitempty"`
	MCTSTrueReward bool    `json:"mcts_true_reward,omitempty"`

	Batch       int     `json:"batch"`
	LR          float64 `json:"lr"`
	LRLogZ      float64 `json:"lr_logz"`
	Epsilon     float64 `json:"epsilon"`
	Temperature float64 `json:"temperature"`
	Clip        float64 `json:"clip"`
	Seed        uint64  `json:"seed"`
}

// trainFlags are the flags of gfn train: the config plus what only shapes
// this invocation.
type trainFlags struct {
	config
	Iters           int
	EvalEvery       int
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
)

// newTrainFlagSet returns the flag set of gfn train bound to f.
func newTrainFlagSet(f *trainFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.Env, "env", "hypergrid", "environment (only hypergrid for now)")
	fs.IntVar(&f.NDim, "ndim", 2, "hypergrid dimension D")
	fs.IntVar(&f.Height, "height", 8, "hypergrid side length H")
	fs.StringVar(&f.Reward, "reward", "standard", "reward: standard, hard or custom")
	fs.Float64Var(&f.R0, "r0", 0, "custom reward R0 (> 0; default that of standard)")
	fs.Float64Var(&f.R1, "r1", 0, "custom reward R1 (≥ 0; default that of standard)")
	fs.Float64Var(&f.R2, "r2", 0, "custom reward R2 (≥ 0; default that of standard)")
	fs.StringVar(&f.Loss, "loss", "tb", "objective or algorithm: "+lossNames())
	fs.Func("hidden", "hidden layer `widths`, comma-separated (default 256,256)", func(s string) error {
		h, err := parseHidden(s)
		f.Hidden = h
		return err
	})
	fs.Float64Var(&f.SubTBLambda, "subtb-lambda", 0.9, "SubTB λ (> 0)")
	fs.StringVar(&f.PB, "pb", "uniform", "backward policy: uniform, tied (a learned head) or separate (a learned network)")
	fs.Float64Var(&f.LRPB, "lr-pb", 0, "learning rate of a learned backward policy (0: that of -lr)")
	fs.IntVar(&f.Replay, "replay", 0, "also train on one of the last N batches each iteration (0: on-policy only)")
	fs.IntVar(&f.Workers, "workers", 1, "goroutines that share each iteration's trajectories (tb, db, subtb, mdb without -replay); pays from -batch 64 on")
	fs.IntVar(&f.Batch, "batch", 16, "trajectories per iteration")
	fs.IntVar(&f.Iters, "iters", defaultIters, "training iterations (the total, when resuming)")
	fs.Float64Var(&f.LR, "lr", 1e-3, "learning rate of the network")
	fs.Float64Var(&f.LRLogZ, "lr-logz", 0.1, "learning rate of log Z")
	// Without exploration, on-policy TB on the 8×8 grid can lock onto two of
	// the four modes for good (seed 2 does); ε = 0.05 finds all four on
	// every seed we tried. Soft DQN explores through softmax(Q/λ) instead.
	fs.Float64Var(&f.Epsilon, "epsilon", defaultEpsilon, "ε-uniform exploration in [0, 1); softdqn and mdqn default to 0")
	fs.Float64Var(&f.Temperature, "temperature", 1, "sampling temperature on the logits (> 0)")
	fs.Float64Var(&f.Clip, "clip", 0, "gradient-norm clipping (0: none)")
	fs.Uint64Var(&f.Seed, "seed", 1, "random seed")
	fs.IntVar(&f.EvalEvery, "eval-every", 100, "evaluate every N iterations (0: only at the start and the end)")
	fs.IntVar(&f.CheckpointEvery, "checkpoint-every", 0, "checkpoint every N iterations (0: only at the end)")
	fs.StringVar(&f.Out, "out", "", "output directory (default runs/LOSS-DxH-TIME)")
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
	if a, ok := lookup(f.Loss); ok && a.objective == nil && !f.set["epsilon"] {
		f.Epsilon = 0
	}
	if err := f.fillReward(); err != nil {
		return nil, err
	}
	if err := f.config.validate(); err != nil {
		return nil, err
	}
	switch {
	case f.Iters < 1:
		return nil, fmt.Errorf("-iters must be at least 1, got %d", f.Iters)
	case f.EvalEvery < 0:
		return nil, fmt.Errorf("-eval-every must be ≥ 0, got %d", f.EvalEvery)
	case f.CheckpointEvery < 0:
		return nil, fmt.Errorf("-checkpoint-every must be ≥ 0, got %d", f.CheckpointEvery)
	case f.Out == "" && f.set["out"]:
		return nil, errors.New("-out must not be empty")
	case f.Out == "" && f.Resume:
		return nil, errors.New("-resume needs the -out directory of the run")
	case f.Out == "":
		f.Out = filepath.Join("runs", fmt.Sprintf("%s-%dx%d-%s", f.Loss, f.NDim, f.Height,
			time.Now().Format("20060102-150405")))
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
		{"pb", !dqn, "the policy losses (tb, db, subtb, mdb, fm, zvar)"},
		{"replay", !dqn, "the policy losses (tb, db, subtb, mdb, fm, zvar)"},
		{"workers", a.splittable(&f.config) && f.Replay == 0, "-loss tb, db, subtb or mdb without -replay"},
		{"lr-pb", f.PB == "tied" || f.PB == "separate", "-pb tied or separate"},
	} {
		if f.set[c.flag] && !c.applies {
			return fmt.Errorf("-%s applies only to %s", c.flag, c.to)
		}
	}
	return f.checkMCTS()
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
	case c.Env != "hypergrid":
		return fmt.Errorf("unknown -env %q (want hypergrid)", c.Env)
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
	case !finite(c.R0) || c.R0 <= 0:
		return fmt.Errorf("-r0 must be positive and finite, got %g", c.R0)
	case !finite(c.R1) || c.R1 < 0:
		return fmt.Errorf("-r1 must be ≥ 0 and finite, got %g", c.R1)
	case !finite(c.R2) || c.R2 < 0:
		return fmt.Errorf("-r2 must be ≥ 0 and finite, got %g", c.R2)
	case !knownLoss(c.Loss):
		return fmt.Errorf("unknown -loss %q (want one of %s)", c.Loss, lossNames())
	case len(c.Hidden) == 0:
		return errors.New("-hidden needs at least one layer width")
	case !finite(c.SubTBLambda) || c.SubTBLambda <= 0:
		return fmt.Errorf("-subtb-lambda must be positive, got %g", c.SubTBLambda)
	case c.Batch < 1 || c.Batch > maxBatch:
		return fmt.Errorf("-batch must be in [1, %d], got %d", maxBatch, c.Batch)
	case !finite(c.LR) || c.LR <= 0:
		return fmt.Errorf("-lr must be positive, got %g", c.LR)
	case !finite(c.LRLogZ) || c.LRLogZ <= 0:
		return fmt.Errorf("-lr-logz must be positive, got %g", c.LRLogZ)
	case !(c.Epsilon >= 0 && c.Epsilon < 1):
		return fmt.Errorf("-epsilon must be in [0, 1), got %g", c.Epsilon)
	case !finite(c.Temperature) || c.Temperature <= 0:
		return fmt.Errorf("-temperature must be positive, got %g", c.Temperature)
	case !finite(c.Clip) || c.Clip < 0:
		return fmt.Errorf("-clip must be ≥ 0, got %g", c.Clip)
	case c.PB != "uniform" && c.PB != "tied" && c.PB != "separate":
		return fmt.Errorf("unknown -pb %q (want uniform, tied or separate)", c.PB)
	case !finite(c.LRPB) || c.LRPB < 0:
		return fmt.Errorf("-lr-pb must be ≥ 0, got %g", c.LRPB)
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
	return c.validateMCTS()
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
	return writeFileAtomic(filepath.Join(dir, "config.json"), append(b, '\n'))
}

// readConfig reads and validates dir/config.json.
func readConfig(dir string) (*config, error) {
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c config
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &c, nil
}

// writeFileAtomic writes data to path atomically (see nn.WriteFileAtomic):
// path holds either its old or its new contents.
func writeFileAtomic(path string, data []byte) error {
	return nn.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
