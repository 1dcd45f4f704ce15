package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/nn"
)

// The files of a run directory.
const (
	checkpointFile = "checkpoint"
	// modelFile is the model file: gfn train writes it beside the
	// checkpoint, and gfn sample, eval and serve read it.
	modelFile    = "model.gfn"
	configFile   = "config.json"
	metricsFile  = "metrics.jsonl"
	l1PlotFile   = "l1.png"
	distPlotFile = "distribution.png"
	// progressPlotFile is the plot of a bit-sequence run: modes found and
	// the test-set correlation against the iteration.
	progressPlotFile = "progress.png"
)

// runFiles are the files of a run directory, every one written atomically
// (nn.WriteFileAtomic), whose stale temporary files gfn train removes.
var runFiles = []string{checkpointFile, modelFile, configFile, metricsFile, l1PlotFile, distPlotFile, progressPlotFile}

// cmdTrain is gfn train.
func cmdTrain(args []string, stdout, stderr io.Writer) error {
	f, err := parseTrainFlags(args)
	if err != nil {
		return err
	}
	cfg := &f.config
	ckpt := filepath.Join(f.Out, checkpointFile)
	if f.Resume {
		if cfg, err = resumeConfig(f); err != nil {
			return err
		}
	} else if _, err := os.Stat(ckpt); err == nil {
		return fmt.Errorf("%s already holds a run: continue it with -resume or choose another -out", f.Out)
	}
	if err := os.MkdirAll(f.Out, 0o755); err != nil {
		return err
	}
	// A run killed while writing leaves temporary files; this process owns
	// the directory now.
	for _, name := range runFiles {
		if err := nn.RemoveStaleTemps(filepath.Join(f.Out, name)); err != nil {
			return err
		}
	}
	s, err := newSession(cfg)
	if err != nil {
		return err
	}
	var prev []record
	if f.Resume {
		if err := s.Load(ckpt); err != nil {
			return fmt.Errorf("-resume: %v", err)
		}
		if s.Iter() >= f.Iters {
			return fmt.Errorf("-resume: the run already has %d iterations; ask for more with -iters", s.Iter())
		}
		prev, _ = readMetrics(filepath.Join(f.Out, metricsFile))
		prev = slices.DeleteFunc(prev, func(r record) bool { return r.Iter > s.Iter() })
	} else if err := writeConfig(f.Out, cfg); err != nil {
		return err
	}
	if f.CPUProfile != "" {
		pf, err := os.Create(f.CPUProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return trainLoop(s, f, cfg, prev, stdout, stderr)
}

// resumeConfig returns the saved config of the run in f.Out after checking
// that no flag given on the command line contradicts it.
func resumeConfig(f *trainFlags) (*config, error) {
	saved, err := readConfig(f.Out)
	if err != nil {
		return nil, fmt.Errorf("-resume: %v", err)
	}
	given, _ := json.Marshal(f.config)
	kept, _ := json.Marshal(saved)
	var g, k map[string]any
	json.Unmarshal(given, &g)
	json.Unmarshal(kept, &k)
	for name := range f.set {
		key := strings.ReplaceAll(name, "-", "_")
		gv, ok := g[key]
		if ok && fmt.Sprint(gv) != fmt.Sprint(k[key]) {
			return nil, fmt.Errorf("-resume: -%s=%v differs from the run's %v", name, gv, k[key])
		}
	}
	return saved, nil
}

// notifyInterrupt asks for Ctrl-C to be sent on c; tests replace it.
var notifyInterrupt = func(c chan<- os.Signal) { signal.Notify(c, os.Interrupt) }

// trainLoop runs the training loop of s up to f.Iters iterations, evaluating,
// logging, checkpointing and plotting along the way.
func trainLoop(s session, f *trainFlags, cfg *config, prev []record, stdout, stderr io.Writer) error {
	mode := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if f.Resume {
		mode = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	mpath := filepath.Join(f.Out, metricsFile)
	if f.Resume { // drop records past the checkpoint, written before a crash
		if err := rewriteMetrics(mpath, prev); err != nil {
			return err
		}
	}
	mf, err := os.OpenFile(mpath, mode, 0o644)
	if err != nil {
		return err
	}
	defer mf.Close()
	enc := json.NewEncoder(mf)

	interrupt := make(chan os.Signal, 1)
	notifyInterrupt(interrupt)
	defer signal.Stop(interrupt)

	pr := newProgress(stderr, f.Iters, f.Quiet)
	defer pr.done()
	offset := 0.0 // seconds of the run before this invocation
	if len(prev) > 0 {
		offset = prev[len(prev)-1].Seconds
	}
	start := time.Now()
	var (
		last     record
		lastEval *evaluation
		loss     meanOf        // the training loss since the last evaluation
		bLoss    meanOf        // TLM's backward loss
		bGap     meanOf        // TLM's |log P_B − log P_B uniform|
		stepTime time.Duration // time in Step since the last evaluation
		stepIter int
		allTime  time.Duration // time in Step in this invocation
		allIter  int
		rate     float64
	)
	stopped := false
	evaluate := func() error {
		e, err := s.Evaluate()
		if err != nil {
			return err
		}
		r := newRecord(s.Iter(), s.Trajectories(), offset+time.Since(start).Seconds(), rate, loss.mean(), &e)
		r.BackwardLoss, r.BackwardGap = finitePtr(bLoss.mean()), finitePtr(bGap.mean())
		if it := s.Iter(); cfg.Env == "bitseq" && (it == f.Iters || stopped || (f.TestEvery > 0 && it > 0 && it%f.TestEvery == 0)) {
			u, l, err := s.Correlation()
			if err != nil {
				return err
			}
			r.Spearman, r.SpearmanPB = finitePtr(u), finitePtr(l)
		}
		if err := enc.Encode(&r); err != nil {
			return err
		}
		loss, bLoss, bGap, stepTime, stepIter = meanOf{}, meanOf{}, meanOf{}, 0, 0
		last = r
		prev = append(prev, r)
		lastEval = &e
		pr.evaluated(&r)
		return nil
	}
	checkpoint := func() error {
		if err := s.Save(filepath.Join(f.Out, checkpointFile)); err != nil {
			return err
		}
		if cfg.Env == "bitseq" {
			return plotProgress(filepath.Join(f.Out, progressPlotFile), prev, cfg)
		}
		if err := plotL1(filepath.Join(f.Out, l1PlotFile), prev, cfg); err != nil {
			return err
		}
		if cfg.NDim != 2 || lastEval == nil {
			return nil
		}
		return plotDistribution(filepath.Join(f.Out, distPlotFile), s, cfg, lastEval)
	}
	if len(prev) > 0 {
		last = prev[len(prev)-1]
		pr.eval = formatEval(&last)
	} else if err := evaluate(); err != nil {
		return err
	}
	saved := -1 // the iteration of the last checkpoint this run wrote
	if f.Resume {
		saved = s.Iter()
	}
	for s.Iter() < f.Iters && !stopped {
		t0 := time.Now()
		st, err := s.Step()
		dt := time.Since(t0)
		if err != nil { // the library's errors name the iteration
			if errors.As(err, new(gfn.ErrNonFinite)) {
				// The parameters are as they were: a state to continue from.
				if cerr := checkpoint(); cerr != nil {
					return fmt.Errorf("%v; saving the last good state failed: %v", err, cerr)
				}
				return fmt.Errorf("%v; the last good state, at iteration %d, is saved in %s: continue from it with -resume", err, s.Iter(), f.Out)
			}
			if saved >= 0 {
				return fmt.Errorf("%v; the last good checkpoint, at iteration %d, is in %s: continue from it with -resume", err, saved, f.Out)
			}
			return fmt.Errorf("%v; no checkpoint was written", err)
		}
		stepTime += dt
		allTime += dt
		stepIter++
		allIter++
		rate = float64(stepIter) / stepTime.Seconds()
		loss.add(st.Loss)
		bLoss.add(st.BackwardLoss)
		bGap.add(st.BackwardGap)
		select {
		case <-interrupt:
			stopped = true
		default:
		}
		it := s.Iter()
		if stopped || it == f.Iters || (f.EvalEvery > 0 && it%f.EvalEvery == 0) {
			if err := evaluate(); err != nil {
				return err
			}
		} else {
			pr.step(it, s.Trajectories(), rate, loss.mean())
		}
		if stopped || it == f.Iters || (f.CheckpointEvery > 0 && it%f.CheckpointEvery == 0) {
			if err := checkpoint(); err != nil {
				return err
			}
			saved = it
		}
	}
	pr.done()
	if err := mf.Sync(); err != nil {
		return err
	}
	overall := float64(allIter) / max(allTime.Seconds(), 1e-9)
	fmt.Fprint(stdout, summary(cfg, &last, s.Iter(), time.Since(start), overall))
	fmt.Fprintf(stdout, "Wrote %s (metrics.jsonl, checkpoint, plots).\n", f.Out)
	if stopped {
		return errors.New("interrupted; the checkpoint is saved, continue with -resume")
	}
	return nil
}

// meanOf is the mean of the finite values added; NaN marks a value not
// measured and is skipped.
type meanOf struct {
	sum float64
	n   int
}

func (m *meanOf) add(x float64) {
	if !math.IsNaN(x) {
		m.sum += x
		m.n++
	}
}

// mean returns the mean, or NaN when nothing was added.
func (m meanOf) mean() float64 {
	if m.n == 0 {
		return math.NaN()
	}
	return m.sum / float64(m.n)
}

// rewriteMetrics replaces the metrics file by rs.
func rewriteMetrics(path string, rs []record) error {
	var b []byte
	for i := range rs {
		line, err := json.Marshal(&rs[i])
		if err != nil {
			return err
		}
		b = append(append(b, line...), '\n')
	}
	return writeFileAtomic(path, b)
}
