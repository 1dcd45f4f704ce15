package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// defaultMethods is the table of the reconstruction: quadrature at 4 to 64
// points, Monte Carlo with 1 to 8 samples, and the hierarchical schemes (RVS,
// RVS with its proposal frozen at initialisation as a control, NeRF's).
const defaultMethods = "quad4,quad8,quad16,quad32,quad64,mc1,mc2,mc4,mc8,hier-rvs,hier-frozen,hier-base"

// cmdRecon trains every method from every seed on the 2-D scene and writes
// the table, the curves and the pictures.
func cmdRecon(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("recon", flag.ContinueOnError)
	cfg := reconConfig{}
	out := fs.String("out", "rvs-recon", "output `directory`")
	methods := fs.String("methods", defaultMethods, "comma-separated methods: quadN (quadrature at N points), mcK (Monte Carlo with K radiance samples), hier-rvs, hier-frozen (its proposal untrained), hier-base (NeRF's)")
	seeds := fs.Int("seeds", 3, "seeds per method (1, 2, …)")
	jobs := fs.Int("jobs", 2, "runs trained at once")
	fs.IntVar(&cfg.Steps, "steps", 2000, "training steps")
	fs.IntVar(&cfg.Batch, "batch", 128, "rays per step")
	fs.Float64Var(&cfg.LR, "lr", 5e-3, "learning rate, decayed ×0.1 over the run")
	fs.Float64Var(&cfg.SlowLR, "proposal-lr", 0.1, "learning rate of the RVS proposal network, as a fraction of -lr (the paper: 0.1)")
	fs.IntVar(&cfg.Hidden, "hidden", 48, "width of the two hidden layers of every MLP")
	fs.IntVar(&cfg.Freqs, "freqs", 5, "positional encoding frequencies")
	fs.IntVar(&cfg.Knots, "knots", 32, "density knots per ray of the Monte Carlo methods and of the hierarchical proposals")
	fs.IntVar(&cfg.Fine, "fine", 64, "fine samples per ray of the hierarchical methods")
	fs.IntVar(&cfg.Views, "views", 24, "training cameras")
	fs.IntVar(&cfg.TestViews, "test-views", 8, "held-out cameras, between the training ones")
	fs.IntVar(&cfg.Width, "width", 64, "pixels per image")
	fs.IntVar(&cfg.Evals, "evals", 10, "held-out evaluations per run")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if cfg.Steps < 1 || cfg.Batch < 1 || cfg.Hidden < 1 || cfg.Freqs < 0 || cfg.Knots < 2 || cfg.Fine < 1 ||
		cfg.Views < 1 || cfg.TestViews < 1 || cfg.Width < 1 || cfg.Evals < 1 || *seeds < 1 || *jobs < 1 || !(cfg.LR > 0) || !(cfg.SlowLR > 0) {
		return usageError{fmt.Errorf("every size, count and learning rate must be positive (-knots ≥ 2)")}
	}
	var specs []methodSpec
	for _, name := range strings.Split(*methods, ",") {
		spec, err := parseMethod(strings.TrimSpace(name), &cfg)
		if err != nil {
			return usageError{err}
		}
		specs = append(specs, spec)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}

	sc := &defaultScene
	trainSet := sc.views(cfg.Views, 0, cfg.Width)
	testSet := sc.views(cfg.TestViews, 0.5*float64(cfg.TestViews)/float64(cfg.Views), cfg.Width)
	prog := newProgress(stderr)
	prog.log("recon: %d methods × %d seeds, %d steps of %d rays; %d training rays (%d views), %d held-out rays (%d views); %d at once",
		len(specs), *seeds, cfg.Steps, cfg.Batch, len(trainSet.o), cfg.Views, len(testSet.o), cfg.TestViews, *jobs)

	type job struct{ spec, seed int }
	work := make(chan job)
	results := make([][]runResult, len(specs))
	for i := range results {
		results[i] = make([]runResult, *seeds)
	}
	var mu sync.Mutex
	start := time.Now()
	done, total := 0, len(specs)**seeds
	var wg sync.WaitGroup
	for w := 0; w < *jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				r := train(&cfg, specs[j.spec], j.seed, sc, &trainSet, &testSet, func(line string) {
					mu.Lock()
					prog.log("%s", line)
					mu.Unlock()
				})
				mu.Lock()
				results[j.spec][j.seed-1] = r
				done++
				prog.log("done %d/%d runs (%s seed %d: PSNR %.2f dB), %.0f s so far", done, total, r.Method, r.Seed, r.PSNR, time.Since(start).Seconds())
				mu.Unlock()
			}
		}()
	}
	for seed := 1; seed <= *seeds; seed++ {
		for i := range specs {
			work <- job{i, seed}
		}
	}
	close(work)
	wg.Wait()
	prog.log("recon: all runs in %.0f s", time.Since(start).Seconds())

	var runs bytes.Buffer
	for _, rs := range results {
		for _, r := range rs {
			r := r
			if math.IsNaN(r.DensePSNR) {
				r.DensePSNR = 0 // JSON has no NaN
			}
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			runs.Write(append(b, '\n'))
		}
	}
	if err := writeFile(filepath.Join(*out, "runs.jsonl"), runs.Bytes()); err != nil {
		return err
	}
	table := reconTable(&cfg, results, *seeds, *methods, *jobs)
	if err := writeFile(filepath.Join(*out, "recon.md"), []byte(table)); err != nil {
		return err
	}
	if err := plotCurves(filepath.Join(*out, "psnr.png"), &cfg, results); err != nil {
		return err
	}
	if err := plotDensities(filepath.Join(*out, "density.png"), sc, results); err != nil {
		return err
	}
	if err := plotViews(filepath.Join(*out, "views.png"), &cfg, &testSet, results); err != nil {
		return err
	}
	fmt.Fprint(stdout, table)
	fmt.Fprintf(stdout, "\nwrote %s/recon.md, runs.jsonl, psnr.png, density.png, views.png\n", *out)
	return nil
}

// reconTable writes the results as a markdown table: mean ± standard
// deviation over the seeds.
func reconTable(cfg *reconConfig, results [][]runResult, seeds int, methods string, jobs int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Held-out PSNR after %d steps of %d rays (mean ± std over %d seeds; rvs recon -methods %s -seeds %d -steps %d -batch %d -lr %g -hidden %d -freqs %d -knots %d -fine %d -views %d -test-views %d -width %d -jobs %d).\n\n",
		cfg.Steps, cfg.Batch, seeds, methods, seeds, cfg.Steps, cfg.Batch, cfg.LR, cfg.Hidden, cfg.Freqs, cfg.Knots, cfg.Fine, cfg.Views, cfg.TestViews, cfg.Width, jobs)
	b.WriteString("| method | radiance evals / ray | density evals / ray | PSNR, own renderer (dB) | PSNR, field by 256-point quadrature (dB) | radiance samples inside a disc | training time (s) | ms / step |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, rs := range results {
		spec := rs[0].spec
		var own, dense, secs, ms, in []float64
		for _, r := range rs {
			in = append(in, 100*r.Inside)
			own = append(own, r.PSNR)
			dense = append(dense, r.DensePSNR)
			secs = append(secs, r.Seconds)
			ms = append(ms, r.MsPerStep)
		}
		d := "—"
		if spec.denseQuadrature {
			d = meanStd(dense, 2)
		}
		evals := fmt.Sprint(spec.radiance)
		if spec.radianceAtRender != spec.radiance {
			evals = fmt.Sprintf("%d (%d to render)", spec.radiance, spec.radianceAtRender)
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s%% | %s | %s |\n", spec.name, evals, spec.dens,
			meanStd(own, 2), d, meanStd(in, 0), meanStd(secs, 0), meanStd(ms, 1))
	}
	return b.String()
}

// meanStd formats the mean ± sample standard deviation of xs.
func meanStd(xs []float64, prec int) string {
	var s, s2 float64
	for _, x := range xs {
		s += x
	}
	mean := s / float64(len(xs))
	for _, x := range xs {
		s2 += (x - mean) * (x - mean)
	}
	if len(xs) < 2 {
		return fmt.Sprintf("%.*f", prec, mean)
	}
	return fmt.Sprintf("%.*f ± %.*f", prec, mean, prec, math.Sqrt(s2/float64(len(xs)-1)))
}
