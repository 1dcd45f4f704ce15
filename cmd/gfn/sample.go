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
	"strconv"
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
	fs.StringVar(&f.checkpoint, "checkpoint", "", "checkpoint file, or the run directory holding it")
	fs.IntVar(&f.n, "n", 10, "number of samples")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed")
	f.planner.addFlags(fs)
	return fs, f
}

// cmdSample is gfn sample: it prints samples of a trained model, one state
// per line, its coordinates separated by spaces.
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
	line := make([]byte, 0, 64)
	for done, i := 0, uint64(0); done < f.n; i++ {
		n := min(chunk, f.n-done)
		// Each chunk has its own seed, so that -n does not change the
		// first samples.
		if err := s.Sample(buf[:n*d], n, f.seed+i*0x9e3779b97f4a7c15); err != nil {
			return err
		}
		for j := range n {
			line = line[:0]
			for k, v := range buf[j*d : (j+1)*d] {
				if k > 0 {
					line = append(line, ' ')
				}
				line = strconv.AppendInt(line, int64(v), 10)
			}
			w.Write(append(line, '\n'))
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
	fs.StringVar(&f.checkpoint, "checkpoint", "", "checkpoint file, or the run directory holding it")
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
	r.clean()
	if f.json {
		out := struct {
			Iter         int      `json:"iter"`
			Trajectories int      `json:"trajectories"`
			L1           float64  `json:"l1"`
			L1Mean       float64  `json:"l1_mean"`
			KL           float64  `json:"kl"`
			JSD          float64  `json:"jsd"`
			LogZ         *float64 `json:"logz"`
			TrueLogZ     float64  `json:"true_logz"`
			EmpL1Mean    *float64 `json:"emp_l1_mean,omitempty"`
			EmpKL        *float64 `json:"emp_kl,omitempty"`
			Modes        *int     `json:"modes,omitempty"`
			NumModes     *int     `json:"num_modes,omitempty"`
		}{r.Iter, r.Trajectories, r.L1, r.L1Mean, r.KL, r.JSD, r.LogZ, r.TrueLogZ, r.EmpL1Mean, r.EmpKL, r.Modes, r.NumModes}
		return json.NewEncoder(stdout).Encode(&out)
	}
	grid := gridString(cfg.NDim, cfg.Height)
	fmt.Fprintf(stdout, "model         %s on %s %s hypergrid (%s), %d iterations, %d trajectories\n",
		lossName(cfg.Loss), article(grid), grid, cfg.rewardString(), r.Iter, r.Trajectories)
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
// run directory holding one) from the config.json beside it.
func loadSession(path string) (session, *config, error) {
	if path == "" {
		return nil, nil, badUsage(errors.New("-checkpoint is required"))
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		path = filepath.Join(path, checkpointFile)
		if _, err := os.Stat(path); err != nil {
			return nil, nil, err
		}
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
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	return s, cfg, nil
}
