package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/nn/volume"
)

// cmdStudy runs the 1-D study and writes study.png, study.md and study.csv.
func cmdStudy(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("study", flag.ContinueOnError)
	out := fs.String("out", "rvs-study", "output `directory`")
	repeats := fs.Int("repeats", 256, "draws of each estimator for each k")
	kmax := fs.Int("kmax", 256, "largest number of samples per ray")
	knots := fs.Int("knots", 256, "knots of the density approximation on [0, 1]")
	interp := fs.String("interp", "constant", "density approximation: constant (the paper's notebook) or linear")
	seed := fs.Uint64("seed", 1, "random seed (of the radiance and the draws)")
	seeds := fs.Int("seeds", 1, "also tabulate, in study_seeds.md, how often each ordering holds over this many radiances (seeds seed, seed+1, …)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	var p volume.Interp
	switch *interp {
	case "constant":
		p = volume.Constant
	case "linear":
		p = volume.Linear
	default:
		return usageError{fmt.Errorf("-interp %q: want constant or linear", *interp)}
	}
	if *repeats < 2 || *kmax < 1 || *knots < 2 {
		return usageError{fmt.Errorf("need -repeats ≥ 2, -kmax ≥ 1 and -knots ≥ 2")}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	ks := make([]int, *kmax)
	for i := range ks {
		ks[i] = i + 1
	}
	start := time.Now()
	prog := newProgress(stderr)
	rs, rad := runStudy(p, *knots, ks, *repeats, *seed, func(done, total int) {
		prog.status("study: %d/%d (density, estimator, k) cells, %.0f s", done, total, time.Since(start).Seconds())
	})
	prog.log("study: %d densities × %d estimators × k = 1…%d, %d repeats each, in %.1f s",
		len(rs), numEstimators, *kmax, *repeats, time.Since(start).Seconds())

	title := fmt.Sprintf("Spread of four estimators of one ray's colour (%s density on %d knots, %d repeats)", p, *knots, *repeats)
	if err := plotStudy(filepath.Join(*out, "study.png"), title, rs, rad); err != nil {
		return err
	}
	var md bytes.Buffer
	fmt.Fprintf(&md, "Standard deviation of the estimate of C = ∫ c dF over %d draws (rvs study -interp %s -knots %d -repeats %d -kmax %d -seed %d).\n\n",
		*repeats, p, *knots, *repeats, *kmax, *seed)
	md.WriteString(studyTable(rs, []int{1, 2, 4, 8, 16, 32, 64, 128, 256}))
	if err := writeFile(filepath.Join(*out, "study.md"), md.Bytes()); err != nil {
		return err
	}
	var csv bytes.Buffer
	csv.WriteString("density,k,estimator,mean,std,exact\n")
	for _, r := range rs {
		for e := estimator(0); e < numEstimators; e++ {
			for i, k := range r.ks {
				fmt.Fprintf(&csv, "%s,%d,%s,%.9g,%.9g,%.9g\n", r.name, k, e, r.mean[e][i], r.std[e][i], r.exact)
			}
		}
	}
	if err := writeFile(filepath.Join(*out, "study.csv"), csv.Bytes()); err != nil {
		return err
	}
	fmt.Fprint(stdout, md.String())
	fmt.Fprintf(stdout, "\nwrote %s/study.png, study.md, study.csv\n", *out)
	if *seeds < 2 {
		return nil
	}
	var few []int
	for k := 1; k <= *kmax; k *= 4 {
		few = append(few, k)
	}
	start = time.Now()
	table := orderingTable(p, *knots, few, *repeats, *seed, *seeds, func(done, total int) {
		prog.log("orderings: radiance %d/%d, %.0f s", done, total, time.Since(start).Seconds())
	})
	md.Reset()
	fmt.Fprintf(&md, "In how many of %d random radiances (seeds %d…%d) each estimator spreads less than the other, "+
		"and the smallest ratio of the two standard deviations (%d draws per cell; rvs study -interp %s -knots %d -repeats %d -kmax %d -seed %d -seeds %d).\n\n",
		*seeds, *seed, *seed+uint64(*seeds)-1, *repeats, p, *knots, *repeats, *kmax, *seed, *seeds)
	md.WriteString(table)
	fmt.Fprint(stdout, "\n"+md.String())
	return writeFile(filepath.Join(*out, "study_seeds.md"), md.Bytes())
}

// writeFile writes data to path atomically (see nn.WriteFileAtomic).
func writeFile(path string, data []byte) error {
	return nn.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
