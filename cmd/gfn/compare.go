package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/gogfn/gogfn/internal/zero"
)

// compareFlags are the flags of gfn compare.
type compareFlags struct {
	out, csv, metric, x, title, at string
	markdown, seeds                bool
}

// compareMetrics are the metrics gfn compare can plot, by metrics.jsonl key.
var compareMetrics = map[string]struct {
	label string
	get   func(*record) (float64, bool)
}{
	"l1":          {"exact L1 = Σₓ |p(x) − p*(x)|", func(r *record) (float64, bool) { return float64(r.L1), r.L1 >= 0 }},
	"l1_mean":     {"exact L1 mean over states", func(r *record) (float64, bool) { return float64(r.L1Mean), r.L1Mean >= 0 }},
	"kl":          {"exact KL(p* ‖ p)", func(r *record) (float64, bool) { return float64(r.KL), r.KL >= 0 }},
	"jsd":         {"exact Jensen-Shannon divergence", func(r *record) (float64, bool) { return float64(r.JSD), r.JSD >= 0 }},
	"emp_l1_mean": {"empirical L1 mean over states (papers')", optional(func(r *record) *float64 { return r.EmpL1Mean })},
	"emp_kl":      {"empirical KL(p* ‖ p̂)", optional(func(r *record) *float64 { return r.EmpKL })},
	"avg_l1":      {"exact L1 of the averaged model", optional(func(r *record) *float64 { return r.AvgL1 })},
	"modes": {"modes found", func(r *record) (float64, bool) {
		if r.Modes == nil {
			return math.NaN(), false
		}
		return float64(*r.Modes), true
	}},
	"spearman":    {"test-set Spearman ρ (uniform P_B)", optional(func(r *record) *float64 { return r.Spearman })},
	"spearman_pb": {"test-set Spearman ρ (learned P_B)", optional(func(r *record) *float64 { return r.SpearmanPB })},
	"mean_logr":   {"mean log-reward of recent samples", optional(func(r *record) *float64 { return r.MeanLogR })},
}

func optional(f func(*record) *float64) func(*record) (float64, bool) {
	return func(r *record) (float64, bool) {
		p := f(r)
		if p == nil || r.Iter == 0 {
			return math.NaN(), false
		}
		return *p, !math.IsNaN(*p) && !math.IsInf(*p, 0)
	}
}

// compareAxes are the x axes of gfn compare.
var compareAxes = map[string]struct {
	label string
	get   func(*record) float64
}{
	"trajectories": {"trajectories sampled", func(r *record) float64 { return float64(r.Trajectories) }},
	"iter":         {"iteration", func(r *record) float64 { return float64(r.Iter) }},
	"seconds":      {"wall-clock seconds (evaluations included)", func(r *record) float64 { return r.Seconds }},
}

func newCompareFlagSet() (*flag.FlagSet, *compareFlags) {
	f := &compareFlags{}
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.out, "out", "", "write the overlaid curves to this PNG file (empty: table only)")
	fs.StringVar(&f.csv, "csv", "", "also write the table to this CSV file")
	fs.StringVar(&f.metric, "metric", "l1", "metric: "+strings.Join(sortedKeys(compareMetrics), ", "))
	fs.StringVar(&f.x, "x", "trajectories", "x axis: trajectories, iter or seconds")
	fs.StringVar(&f.title, "title", "", "plot title (default: the grid and the metric)")
	fs.BoolVar(&f.markdown, "md", false, "print the table in Markdown")
	fs.BoolVar(&f.seeds, "seeds", false, "tabulate, per group of runs that differ only in their seed, the mean ± sd over the seeds")
	fs.StringVar(&f.at, "at", "0.25,0.5,1", "with -seeds: the fractions of the iterations at which to tabulate")
	return fs, f
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// compareRun is one run directory read by gfn compare.
type compareRun struct {
	name  string // the label given on the command line as NAME=DIR, if any
	dir   string
	cfg   *config
	rs    []record
	label string
	xs    []float64 // x and metric of the records where the metric is defined
	ys    []float64
}

// summary of a run: final value, median of the last five evaluations, best
// value, and training speed.
type compareSummary struct {
	iters              int
	final, med5, best  float64
	itPerSec, wallSecs float64
}

func (c *compareRun) summarize() compareSummary {
	s := compareSummary{final: math.NaN(), med5: math.NaN(), best: math.NaN(), itPerSec: math.NaN()}
	if n := len(c.ys); n > 0 {
		s.final = c.ys[n-1]
		last := slices.Clone(c.ys[max(0, n-5):])
		slices.Sort(last)
		s.med5 = last[len(last)/2]
		if len(last)%2 == 0 {
			s.med5 = (last[len(last)/2-1] + last[len(last)/2]) / 2
		}
		s.best = slices.Min(c.ys)
	}
	if len(c.rs) == 0 {
		return s
	}
	last := c.rs[len(c.rs)-1]
	s.iters, s.wallSecs = last.Iter, last.Seconds
	// Training time only: each record's speed covers the iterations since
	// the previous record.
	var secs float64
	prev, done := 0, 0
	for _, r := range c.rs {
		if d := r.Iter - prev; d > 0 && r.ItersPerSec > 0 {
			secs += float64(d) / float64(r.ItersPerSec)
			done += d
		}
		prev = r.Iter
	}
	if secs > 0 {
		s.itPerSec = float64(done) / secs
	}
	return s
}

// cmdCompare is gfn compare: it overlays one metric of several runs on a
// log-scale plot and prints a table of their final values.
func cmdCompare(args []string, stdout, _ io.Writer) error {
	fs, f := newCompareFlagSet()
	if err := fs.Parse(args); err != nil {
		return badUsage(err)
	}
	m, ok := compareMetrics[f.metric]
	if !ok {
		return badUsage(fmt.Errorf("unknown -metric %q (want %s)", f.metric, strings.Join(sortedKeys(compareMetrics), ", ")))
	}
	ax, ok := compareAxes[f.x]
	if !ok {
		return badUsage(fmt.Errorf("unknown -x %q (want trajectories, iter or seconds)", f.x))
	}
	if fs.NArg() == 0 {
		return badUsage(errors.New("no run directories given"))
	}
	runs := make([]*compareRun, fs.NArg())
	for i, arg := range fs.Args() {
		name, dir := splitRunArg(arg)
		cfg, err := readConfig(dir)
		if err != nil {
			return err
		}
		rs, err := readMetrics(filepath.Join(dir, metricsFile))
		if err != nil {
			return err
		}
		c := &compareRun{name: name, dir: dir, cfg: cfg, rs: rs}
		for j := range rs {
			if y, ok := m.get(&rs[j]); ok {
				c.xs = append(c.xs, ax.get(&rs[j]))
				c.ys = append(c.ys, y)
			}
		}
		runs[i] = c
	}
	labelRuns(runs)
	if f.seeds {
		at, err := parseFractions(f.at)
		if err != nil {
			return badUsage(err)
		}
		if err := writeSeedTable(stdout, runs, f.metric, at, f.markdown); err != nil {
			return err
		}
	} else if err := writeCompareTable(stdout, runs, f.metric, f.markdown); err != nil {
		return err
	}
	if f.csv != "" {
		if err := writeCompareCSV(f.csv, runs, f.metric); err != nil {
			return err
		}
	}
	if f.out == "" {
		return nil
	}
	title := f.title
	if title == "" {
		title = fmt.Sprintf("%s, %s", m.label, gridTitle(runs))
	}
	return plotCompare(f.out, runs, title, m.label, ax.label, !linearMetrics[f.metric])
}

// linearMetrics are the metrics plotted on a linear y axis: counts, a
// correlation and log-rewards, which are not positive distances.
var linearMetrics = map[string]bool{"modes": true, "spearman": true, "spearman_pb": true, "mean_logr": true}

// gridTitle describes the grids of the runs.
func gridTitle(runs []*compareRun) string {
	var gs []string
	for _, c := range runs {
		g := strings.TrimPrefix(strings.TrimPrefix(c.cfg.envString(), "an "), "a ")
		if !slices.Contains(gs, g) {
			gs = append(gs, g)
		}
	}
	return strings.Join(gs, ", ")
}

// splitRunArg splits a NAME=DIR argument at the first '=' after which an
// existing path follows (NAME may hold '=' too); an argument that is itself
// an existing path, or has no such '=', is a DIR alone.
func splitRunArg(arg string) (name, dir string) {
	if _, err := os.Stat(arg); err == nil {
		return "", arg
	}
	for i := 1; i < len(arg); i++ {
		if arg[i] != '=' {
			continue
		}
		if _, err := os.Stat(arg[i+1:]); err == nil {
			return arg[:i], arg[i+1:]
		}
	}
	return "", arg
}

// labelRuns labels each run with its loss and seed, and with whatever else
// differs between the runs (grid, ε, backward policy, replay, batch, learning
// rate, reward, policy network, averaging, tree search);
// runs that still share a label get their directory name. A run given as
// NAME=DIR is labelled NAME and its seed.
func labelRuns(runs []*compareRun) {
	differs := func(f func(*config) string) bool {
		for _, c := range runs[1:] {
			if f(c.cfg) != f(runs[0].cfg) {
				return true
			}
		}
		return false
	}
	parts := []func(*config) string{
		func(c *config) string { return c.envTag() },
		func(c *config) string { return "ε=" + strconv.FormatFloat(c.Epsilon, 'g', -1, 64) },
		func(c *config) string { return "P_B " + c.PB },
		func(c *config) string { return "replay " + strconv.Itoa(c.Replay) },
		func(c *config) string { return "batch " + strconv.Itoa(c.Batch) },
		func(c *config) string { return "lr " + strconv.FormatFloat(c.LR, 'g', -1, 64) },
		func(c *config) string { return c.rewardString() },
		func(c *config) string { return "policy " + zero.Or(c.Policy, "mlp") },
		func(c *config) string { return "average " + zero.Or(c.Average, "none") },
		func(c *config) string {
			if c.MCTS == "" {
				return "no search"
			}
			if c.MCTS == "off" {
				return "mcts off"
			}
			return fmt.Sprintf("mcts %s r%d", c.MCTS, c.MCTSRollouts)
		},
	}
	var extra []func(*config) string
	for _, p := range parts {
		if differs(p) {
			extra = append(extra, p)
		}
	}
	count := map[string]int{}
	for _, c := range runs {
		l := lossName(c.cfg.Loss)
		for _, p := range extra {
			l += ", " + p(c.cfg)
		}
		if c.name != "" {
			l = c.name
		}
		c.label = fmt.Sprintf("%s, seed %d", l, c.cfg.Seed)
		count[c.label]++
	}
	for _, c := range runs {
		if count[c.label] > 1 {
			c.label += " (" + filepath.Base(filepath.Clean(c.dir)) + ")"
		}
	}
}

// fmtValue formats a metric value for the table.
func fmtValue(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func writeCompareTable(w io.Writer, runs []*compareRun, metric string, markdown bool) error {
	row := func(cells ...string) string { return strings.Join(cells, "\t") + "\n" }
	if markdown {
		row = func(cells ...string) string { return "| " + strings.Join(cells, " | ") + " |\n" }
	}
	var b strings.Builder
	b.WriteString(row("run", "iters", "final "+metric, "median last 5", "best", "iter/s", "wall s"))
	if markdown {
		b.WriteString(row("---", "---:", "---:", "---:", "---:", "---:", "---:"))
	}
	for _, c := range runs {
		s := c.summarize()
		b.WriteString(row(c.label, strconv.Itoa(s.iters), fmtValue(s.final), fmtValue(s.med5), fmtValue(s.best),
			fmt.Sprintf("%.0f", s.itPerSec), fmt.Sprintf("%.0f", s.wallSecs)))
	}
	if markdown {
		_, err := io.WriteString(w, b.String())
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	io.WriteString(tw, b.String())
	return tw.Flush()
}

func writeCompareCSV(path string, runs []*compareRun, metric string) error {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"run", "dir", "loss", "seed", "metric", "iters", "trajectories", "final", "median_last5", "best", "iters_per_sec", "wall_seconds"})
	for _, c := range runs {
		s := c.summarize()
		traj := 0
		if len(c.rs) > 0 {
			traj = c.rs[len(c.rs)-1].Trajectories
		}
		g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
		w.Write([]string{c.label, filepath.Base(filepath.Clean(c.dir)), c.cfg.Loss, strconv.FormatUint(c.cfg.Seed, 10), metric,
			strconv.Itoa(s.iters), strconv.Itoa(traj), g(s.final), g(s.med5), g(s.best), g(s.itPerSec), g(s.wallSecs)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return writeFileAtomic(path, []byte(b.String()))
}
