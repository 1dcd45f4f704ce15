package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/gogfn/gogfn/internal/rotmnist"
)

// rows lists the table's models: the run and the result key in it.
var rows = []struct{ label, run, key string }{
	{"Teacher (ERM+SWAD)", "teacher", "swad"},
	{"Teacher (ERM, last iterate)", "teacher", "last"},
	{"Student ERM (labels, last iterate)", "erm", "last"},
	{"Student KD (last iterate)", "kd", "last"},
	{"Student KD+SWAD", "kd", "swad"},
	{"Student KD+SMA", "kd", "sma"},
	{"Student KD+WAKD", "kd", "wakd"},
	{"Student KD (best validation iterate)", "kd", "val"},
	{"Student ERM (best validation iterate)", "erm", "val"},
	{"Student ERM+WAKD", "erm", "wakd"},
}

// diffs lists the paired differences: a model minus the last iterate of a
// run, or (with no key) the KD student minus the ERM student.
var diffs = []struct{ label, run, key string }{
	{"KD+SWAD − KD", "kd", "swad"},
	{"KD+SMA − KD", "kd", "sma"},
	{"KD+WAKD − KD", "kd", "wakd"},
	{"KD (best validation iterate) − KD", "kd", "val"},
	{"ERM+WAKD − ERM", "erm", "wakd"},
	{"KD − ERM", "", ""},
}

// value returns result key of run in rec, in percent, if present.
func value(rec *record, run, key string) (float64, bool) {
	v, ok := rec.Results[run][key]
	return 100 * v, ok
}

// cells returns, for each target and then for the average over targets
// (taken per seed first, over seeds with every target), the values of f over
// the seeds.
func cells(recs []record, cfg config, seeds, targets []int, f func(*record) (float64, bool)) [][]float64 {
	out := make([][]float64, len(targets)+1)
	for _, s := range seeds {
		sum, n := 0.0, 0
		for j, t := range targets {
			rec := find(recs, cfg, s, t)
			if rec == nil {
				continue
			}
			if v, ok := f(rec); ok {
				out[j] = append(out[j], v)
				sum, n = sum+v, n+1
			}
		}
		if n == len(targets) {
			out[len(targets)] = append(out[len(targets)], sum/float64(n))
		}
	}
	return out
}

// makeTable returns a Markdown table of test accuracy (%) over the seeds,
// mean ± sample standard deviation, per target domain and averaged over the
// targets, then the paired differences.
func makeTable(recs []record, cfg config, seeds, targets []int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rotated MNIST, leave-one-domain-out test accuracy (%%), mean ± std over seeds %v.\n", seeds)
	fmt.Fprintf(&b, "Teacher %v, %d Adam steps; students %v, %d steps (t₀ = %d for SMA and WAKD); batch %d, lr %g, SWAD segments of %d.\n\n",
		cfg.Teacher, cfg.TeacherIters, cfg.Student, cfg.StudentIters, cfg.StudentIters/10, cfg.Batch, cfg.LR, cfg.Segment)
	header := func(first string) {
		fmt.Fprintf(&b, "| %s |", first)
		for _, t := range targets {
			fmt.Fprintf(&b, " %v° |", rotmnist.Angles[t])
		}
		b.WriteString(" average |\n|---|" + strings.Repeat("---|", len(targets)+1) + "\n")
	}
	line := func(label string, cs [][]float64) {
		fmt.Fprintf(&b, "| %s |", label)
		for _, c := range cs {
			b.WriteString(" " + meanStd(c) + " |")
		}
		b.WriteString("\n")
	}
	header("model")
	for _, r := range rows {
		line(r.label, cells(recs, cfg, seeds, targets, func(rec *record) (float64, bool) { return value(rec, r.run, r.key) }))
	}
	b.WriteString("\nPaired differences in percentage points, per seed (each pair shares the seed, teacher, initialisation and batches), from the same run's last iterate:\n\n")
	header("difference")
	for _, d := range diffs {
		line(d.label, cells(recs, cfg, seeds, targets, func(rec *record) (float64, bool) {
			run, key, base := d.run, d.key, d.run
			if run == "" {
				run, key, base = "kd", "last", "erm"
			}
			v, ok1 := value(rec, run, key)
			w, ok2 := value(rec, base, "last")
			return v - w, ok1 && ok2
		}))
	}
	b.WriteString("\nSWAD segments of the KD students (first..last) and SMA's chosen step:\n\n")
	for _, t := range targets {
		for _, s := range seeds {
			if rec := find(recs, cfg, s, t); rec != nil {
				kd := rec.Results["kd"]
				fmt.Fprintf(&b, "- %v°, seed %d: SWAD %g..%g, SMA at step %g; teacher SWAD %g..%g; %.0f s\n",
					rotmnist.Angles[t], s, kd["swad_first"], kd["swad_last"], kd["sma_at"],
					rec.Results["teacher"]["swad_first"], rec.Results["teacher"]["swad_last"], rec.Seconds)
			}
		}
	}
	return b.String()
}

// meanStd formats the mean and sample standard deviation of xs, or the one
// value.
func meanStd(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	m, sd := stats(xs)
	if len(xs) == 1 {
		return fmt.Sprintf("%.2f (1 seed)", m)
	}
	return fmt.Sprintf("%.2f ± %.2f", m, sd)
}

// stats returns the mean and sample standard deviation of xs (0 for one
// value).
func stats(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x / float64(len(xs))
	}
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	if len(xs) > 1 {
		sd /= float64(len(xs) - 1)
	}
	return mean, math.Sqrt(sd)
}
