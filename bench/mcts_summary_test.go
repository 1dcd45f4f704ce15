package bench

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/jsonl"
	"github.com/gogfn/gogfn/nn"
)

var (
	mctsSummary = flag.String("mcts-summary", "",
		"summarise the tree-search runs of DIR/runs (metrics.jsonl of gfn train) into DIR/summary.md")
	mctsSummaryIters = flag.Int("mcts-summary-iters", 6250, "iterations of a complete run (shorter runs are left out)")
)

// mctsRecord holds the fields of a metrics.jsonl line that the summary reads.
type mctsRecord struct {
	Iter        int      `json:"iter"`
	Seconds     float64  `json:"seconds"`
	ItersPerSec float64  `json:"iters_per_sec"`
	L1          float64  `json:"l1"`
	EmpL1Mean   *float64 `json:"emp_l1_mean"`
}

// TestMCTSSummary writes the table of bench/MCTS.md from the runs'
// metrics, on demand:
//
//	go test ./bench -run MCTSSummary -mcts-summary results/mcts
//
// For each setting (runs/off-sS and runs/MODE-rR-sS) it gives the mean and
// the spread (min to max) over the seeds found of the final exact L1 of
// softmax Q_θ, its best value, the final empirical L1 of the training
// samples, the training seconds (evaluations excluded: the sum over
// records of iterations / iterations per second; wall-clock time on a shared
// machine) and, where the run directory holds time.txt (user and system
// seconds of the process, as /usr/bin/time -f "%U %S %e" writes them), the
// CPU seconds of the whole run (evaluations included). Its last row is the
// floor of the empirical L1: as many i.i.d. draws from R/Z as a run samples.
func TestMCTSSummary(t *testing.T) {
	if *mctsSummary == "" {
		t.Skip("run with -mcts-summary DIR")
	}
	var b strings.Builder
	b.WriteString("| setting | seeds | final exact L1 (Σ) | best exact L1 | final empirical L1 (mean) | training s (wall) | CPU s (seeds) | CPU ratio to no_mcts |\n")
	b.WriteString("|---|---:|---|---|---|---|---|---:|\n")
	var base float64
	settings := []string{"off"}
	for _, r := range []int{4, 8, 16} {
		for _, m := range []string{"train", "inference", "all"} {
			settings = append(settings, fmt.Sprintf("%s-r%d", m, r))
		}
	}
	for _, s := range settings {
		var final, best, emp, secs, cpu []float64
		var cpuSeeds []string
		for seed := 1; seed <= 9; seed++ {
			dir := filepath.Join(*mctsSummary, "runs", fmt.Sprintf("%s-s%d", s, seed))
			rs, err := readMCTSRecords(filepath.Join(dir, "metrics.jsonl"))
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			last := rs[len(rs)-1]
			if last.Iter < *mctsSummaryIters {
				continue
			}
			if c, ok := cpuSeconds(t, filepath.Join(dir, "time.txt")); ok {
				cpu = append(cpu, c)
				cpuSeeds = append(cpuSeeds, fmt.Sprint(seed))
			}
			final = append(final, last.L1)
			bst, sec, prev := math.Inf(1), 0.0, 0
			for _, r := range rs {
				bst = min(bst, r.L1)
				if r.ItersPerSec > 0 {
					sec += float64(r.Iter-prev) / r.ItersPerSec
				}
				prev = r.Iter
			}
			best, secs = append(best, bst), append(secs, sec)
			if last.EmpL1Mean != nil {
				emp = append(emp, *last.EmpL1Mean)
			}
		}
		if len(final) == 0 {
			continue
		}
		name := strings.Replace(strings.Replace(s, "-r", ", ", 1), "off", "no_mcts", 1)
		if s != "off" {
			name = "mcts_" + name + " rollouts"
		}
		if s == "off" && len(cpu) > 0 {
			base = mean(cpu)
		}
		ratio, cpus := "-", "-"
		if len(cpu) > 0 {
			cpus = spread(cpu, "%.0f") + " (" + strings.Join(cpuSeeds, ",") + ")"
			if base > 0 {
				ratio = fmt.Sprintf("%.1f", mean(cpu)/base)
			}
		}
		b.WriteString(fmt.Sprintf("| %s | %d | %s | %s | %s | %s | %s | %s |\n", name, len(final), spread(final, "%.3f"),
			spread(best, "%.3f"), spread(emp, "%.2e"), spread(secs, "%.0f"), cpus, ratio))
	}
	target, _ := gfn.TargetDistribution(hypergrid.New(4, 20, hypergrid.Standard))
	floor := perfectSamples(target, *mctsSummaryIters*16)
	b.WriteString(fmt.Sprintf("| R/Z itself: %d i.i.d. draws | | 0 | | %.2e | | | |\n", *mctsSummaryIters*16, floor.L1Mean))
	if err := nn.WriteFileAtomic(filepath.Join(*mctsSummary, "summary.md"), func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + b.String())
}

// readMCTSRecords reads the records of a run's metrics.jsonl.
func readMCTSRecords(path string) ([]mctsRecord, error) {
	rs, err := jsonl.Read[mctsRecord](path)
	if err == nil && len(rs) == 0 {
		err = fmt.Errorf("%s: no records", path)
	}
	return rs, err
}

// cpuSeconds returns the user plus system seconds that path records, and
// false when there is no such file.
func cpuSeconds(t *testing.T, path string) (float64, bool) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0, false
	}
	var user, sys float64
	if _, err2 := fmt.Sscan(string(b), &user, &sys); err != nil || err2 != nil {
		t.Fatalf("%s: %v %v", path, err, err2)
	}
	return user + sys, true
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// spread formats the mean of xs and their range.
func spread(xs []float64, format string) string {
	if len(xs) == 0 {
		return "-"
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	f := func(x float64) string { return fmt.Sprintf(format, x) }
	if len(xs) == 1 {
		return f(xs[0])
	}
	return f(mean(xs)) + " (" + f(lo) + "–" + f(hi) + ")"
}
