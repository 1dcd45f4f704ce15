// Command summarize prints the table of the hypergrid weight-averaging
// experiment (bench/average/hypergrid.sh) from its run directories, named
// GRID-LOSS-AVERAGE-sSEED, each holding the metrics.jsonl of gfn train.
//
//	go run ./bench/average/summarize bench/results/average/runs
//
// For every grid, loss and kind of average it gives, as mean ± sd over the
// seeds: the exact L1 of the last iterate and of the averaged model at the
// end of training, and the spread of each over the last ten evaluations
// (the standard deviation of the ten values, averaged over the seeds).
package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/gogfn/gogfn/internal/jsonl"
)

// record holds the fields of a metrics.jsonl line this command reads.
type record struct {
	Iter  int      `json:"iter"`
	L1    *float64 `json:"l1"`
	AvgL1 *float64 `json:"avg_l1"`
}

var runName = regexp.MustCompile(`^(\d+x\d+)-(\w+)-(ema|uniform)-s(\d+)$`)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: summarize DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "summarize:", err)
		os.Exit(1)
	}
}

// stats collects one row's per-seed values.
type stats struct{ last, avg, spreadLast, spreadAvg []float64 }

func run(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	rows := map[string]*stats{}
	var keys []string
	for _, e := range entries {
		m := runName.FindStringSubmatch(e.Name())
		if !e.IsDir() || m == nil {
			continue
		}
		recs, err := jsonl.Read[record](filepath.Join(dir, e.Name(), "metrics.jsonl"))
		if err != nil {
			return err
		}
		if len(recs) < 10 {
			return fmt.Errorf("%s: %d evaluations, want at least 10", e.Name(), len(recs))
		}
		tail := recs[len(recs)-10:]
		var l, a []float64
		for _, r := range tail {
			if r.L1 == nil || r.AvgL1 == nil {
				return fmt.Errorf("%s: iteration %d has no l1 or avg_l1", e.Name(), r.Iter)
			}
			l, a = append(l, *r.L1), append(a, *r.AvgL1)
		}
		key := strings.Join(m[1:4], " ")
		s := rows[key]
		if s == nil {
			s = &stats{}
			rows[key] = s
			keys = append(keys, key)
		}
		s.last, s.avg = append(s.last, l[9]), append(s.avg, a[9])
		s.spreadLast, s.spreadAvg = append(s.spreadLast, sd(l)), append(s.spreadAvg, sd(a))
	}
	slices.Sort(keys)
	fmt.Println("| grid | loss | average | seeds | L1, last iterate | L1, averaged | spread, last iterate | spread, averaged |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for _, k := range keys {
		s := rows[k]
		f := strings.Fields(k)
		fmt.Printf("| %s | %s | %s | %d | %s | %s | %s | %s |\n", f[0], f[1], f[2], len(s.last),
			pm(s.last), pm(s.avg), pm(s.spreadLast), pm(s.spreadAvg))
	}
	return nil
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// sd is the sample standard deviation (0 for one value).
func sd(x []float64) float64 {
	if len(x) < 2 {
		return 0
	}
	m := mean(x)
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}

func pm(x []float64) string { return fmt.Sprintf("%.4f ± %.4f", mean(x), sd(x)) }
