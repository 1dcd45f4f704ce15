package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// maxSamples bounds gfn sample -n.
const maxSamples = 100_000_000

type sampleFlags struct {
	checkpoint string
	n          int
	seed       uint64
	planner    samplePlanner // mcts.go
}

func newSampleFlagSet() (*flag.FlagSet, *sampleFlags) {
	f := &sampleFlags{}
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.checkpoint, "checkpoint", "", "checkpoint or model file, or the run directory holding it")
	fs.IntVar(&f.n, "n", 10, "number of samples")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed")
	f.planner.addFlags(fs)
	return fs, f
}

// cmdSample is gfn sample: it prints samples of a trained model, one per
// line in the environment's readable form (a hypergrid cell's coordinates
// separated by spaces, a sequence's bits).
func cmdSample(args []string, stdout, _ io.Writer) error {
	fs, f := newSampleFlagSet()
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.n < 1 || f.n > maxSamples {
		return badUsage(fmt.Errorf("-n must be in [1, %d], got %d", maxSamples, f.n))
	}
	if err := f.planner.check(); err != nil {
		return err
	}
	s, _, err := loadSession(f.checkpoint)
	if err != nil {
		return err
	}
	if s, err = f.planner.wrap(s); err != nil {
		return err
	}
	d := s.StateDim()
	w := bufio.NewWriter(stdout)
	const chunk = 4096
	buf := make([]int, chunk*d)
	for done, i := 0, uint64(0); done < f.n; i++ {
		n := min(chunk, f.n-done)
		// Each chunk has its own seed, so that -n does not change the
		// first samples.
		if err := s.Sample(buf[:n*d], n, f.seed+i*0x9e3779b97f4a7c15); err != nil {
			return err
		}
		for j := range n {
			w.WriteString(s.Format(buf[j*d : (j+1)*d]))
			w.WriteByte('\n')
		}
		done += n
	}
	return w.Flush()
}

type evalFlags struct {
	checkpoint string
	json       bool
}

func newEvalFlagSet() (*flag.FlagSet, *evalFlags) {
	f := &evalFlags{}
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.checkpoint, "checkpoint", "", "checkpoint or model file, or the run directory holding it")
	fs.BoolVar(&f.json, "json", false, "print the metrics as one JSON object")
	return fs, f
}

// cmdEval is gfn eval: it prints the exact metrics of a trained model.
func cmdEval(args []string, stdout, _ io.Writer) error {
	fs, f := newEvalFlagSet()
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, cfg, err := loadSession(f.checkpoint)
	if err != nil {
		return err
	}
	e, err := s.Evaluate()
	if err != nil {
		return err
	}
	r := newRecord(s.Iter(), s.Trajectories(), 0, 0, 0, &e)
	if cfg.Env == "bitseq" {
		u, l, err := s.Correlation()
		if err != nil {
			return err
		}
		r.Spearman, r.SpearmanPB = finitePtr(u), finitePtr(l)
	}
	if f.json {
		out := struct {
			Iter         int      `json:"iter"`
			Trajectories int      `json:"trajectories"`
			L1           metric   `json:"l1"`
			L1Mean       metric   `json:"l1_mean"`
			KL           metric   `json:"kl"`
			JSD          metric   `json:"jsd"`
			LogZ         *float64 `json:"logz"`
			TrueLogZ     metric   `json:"true_logz"`
			EmpL1Mean    *float64 `json:"emp_l1_mean,omitempty"`
			EmpKL        *float64 `json:"emp_kl,omitempty"`
			Modes        *int     `json:"modes,omitempty"`
			NumModes     *int     `json:"num_modes,omitempty"`
			Spearman     *float64 `json:"spearman,omitempty"`
			SpearmanPB   *float64 `json:"spearman_pb,omitempty"`
		}{r.Iter, r.Trajectories, r.L1, r.L1Mean, r.KL, r.JSD, r.LogZ, r.TrueLogZ, r.EmpL1Mean, r.EmpKL, r.Modes, r.NumModes,
			r.Spearman, r.SpearmanPB}
		return json.NewEncoder(stdout).Encode(&out)
	}
	fmt.Fprintf(stdout, "model         %s on %s, %d iterations, %d trajectories\n",
		lossName(cfg.Loss), cfg.envString(), r.Iter, r.Trajectories)
	if cfg.Env == "bitseq" {
		if r.Spearman != nil {
			fmt.Fprintf(stdout, "spearman      %-12.6g ρ(log R, estimated log P) on the %s test set, uniform P_B\n", *r.Spearman, "papers'")
		}
		if r.SpearmanPB != nil {
			fmt.Fprintf(stdout, "spearman_pb   %-12.6g the same with the learned P_B\n", *r.SpearmanPB)
		}
		if r.LogZ != nil {
			fmt.Fprintf(stdout, "logz          %-12.6g the model's log Z\n", *r.LogZ)
		}
		return nil
	}
	fmt.Fprintf(stdout, "l1            %-12.6g Σₓ |p(x) − p*(x)| of the sampler's exact distribution p\n", r.L1)
	fmt.Fprintf(stdout, "l1_mean       %-12.6g the same divided by the %d states\n", r.L1Mean, numStates(cfg.NDim, cfg.Height))
	fmt.Fprintf(stdout, "kl            %-12.6g KL(p* ‖ p)\n", r.KL)
	fmt.Fprintf(stdout, "jsd           %-12.6g Jensen-Shannon divergence\n", r.JSD)
	if r.LogZ != nil {
		fmt.Fprintf(stdout, "logz          %-12.6g the model's log Z\n", *r.LogZ)
	}
	fmt.Fprintf(stdout, "true_logz     %.6g\n", r.TrueLogZ)
	if r.EmpL1Mean != nil && r.EmpKL != nil {
		fmt.Fprintf(stdout, "emp_l1_mean   %-12.6g the papers' L1 of the last training samples\n", *r.EmpL1Mean)
		fmt.Fprintf(stdout, "emp_kl        %-12.6g the papers' KL of the last training samples\n", *r.EmpKL)
	}
	if r.Modes != nil {
		fmt.Fprintf(stdout, "modes         %d of %d states at maximal reward sampled in training\n", *r.Modes, *r.NumModes)
	}
	return nil
}

// parseFlags parses args into fs, rejecting positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return badUsage(err)
	}
	if fs.NArg() > 0 {
		return badUsage(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	return nil
}

// loadSession rebuilds the model saved at path (a checkpoint file, or the
// run directory holding one) from the config.json beside it, or loads a
// model file (given, or in a run directory without a checkpoint).
func loadSession(path string) (session, *config, error) {
	if path == "" {
		return nil, nil, badUsage(errors.New("-checkpoint is required"))
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, checkpointFile)); err != nil && isModelFile(filepath.Join(path, modelFile)) {
			return loadModelSession(filepath.Join(path, modelFile))
		}
		path = filepath.Join(path, checkpointFile)
		if _, err := os.Stat(path); err != nil {
			return nil, nil, err
		}
	} else if isModelFile(path) {
		return loadModelSession(path)
	}
	cfg, err := readConfig(filepath.Dir(path))
	if err != nil {
		return nil, nil, err
	}
	s, err := newSession(cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Load(path); err != nil {
		return nil, nil, err // it names the path
	}
	return s, cfg, nil
}
