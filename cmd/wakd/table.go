package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/gogfn/gogfn/datasets/rotmnist"
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

// makeTable returns a Markdown table of test accuracy (%) over the seeds,
// mean ± sample standard deviation, per target domain and averaged over the
// targets (the average is taken per seed first).
func makeTable(recs []record, cfg config, seeds, targets []int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rotated MNIST, leave-one-domain-out test accuracy (%%), mean ± std over seeds %v.\n", seeds)
	fmt.Fprintf(&b, "Teacher %v, %d Adam steps; students %v, %d steps (t₀ = %d for SMA and WAKD); batch %d, lr %g, SWAD segments of %d.\n\n",
		cfg.Teacher, cfg.TeacherIters, cfg.Student, cfg.StudentIters, cfg.StudentIters/10, cfg.Batch, cfg.LR, cfg.Segment)
	b.WriteString("| model |")
	for _, t := range targets {
		fmt.Fprintf(&b, " %v° |", rotmnist.Angles[t])
	}
	b.WriteString(" average |\n|---|")
	b.WriteString(strings.Repeat("---|", len(targets)+1))
	b.WriteString("\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s |", r.label)
		avg := make([]float64, len(seeds))
		complete := true
		for _, t := range targets {
			var xs []float64
			for i, s := range seeds {
				rec := find(recs, cfg, s, t)
				if rec == nil {
					complete = false
					continue
				}
				v := 100 * rec.Results[r.run][r.key]
				xs = append(xs, v)
				avg[i] += v / float64(len(targets))
			}
			b.WriteString(" " + meanStd(xs) + " |")
		}
		if !complete {
			avg = nil
		}
		b.WriteString(" " + meanStd(avg) + " |\n")
	}
	b.WriteString("\nPaired differences in percentage points, per seed (each pair shares the seed, teacher, initialisation and batches), from the same run's last iterate:\n\n| difference |")
	for _, t := range targets {
		fmt.Fprintf(&b, " %v° |", rotmnist.Angles[t])
	}
	b.WriteString(" average |\n|---|" + strings.Repeat("---|", len(targets)+1) + "\n")
	for _, d := range []struct{ label, run, key string }{
		{"KD+SWAD − KD", "kd", "swad"},
		{"KD+SMA − KD", "kd", "sma"},
		{"KD+WAKD − KD", "kd", "wakd"},
		{"KD (best validation iterate) − KD", "kd", "val"},
		{"ERM+WAKD − ERM", "erm", "wakd"},
		{"KD − ERM", "", ""},
	} {
		fmt.Fprintf(&b, "| %s |", d.label)
		avg := make([]float64, len(seeds))
		complete := true
		for _, t := range targets {
			var xs []float64
			for i, s := range seeds {
				rec := find(recs, cfg, s, t)
				if rec == nil {
					complete = false
					continue
				}
				var v float64
				if d.run == "" {
					v = 100 * (rec.Results["kd"]["last"] - rec.Results["erm"]["last"])
				} else {
					v = 100 * (rec.Results[d.run][d.key] - rec.Results[d.run]["last"])
				}
				xs = append(xs, v)
				avg[i] += v / float64(len(targets))
			}
			b.WriteString(" " + meanStd(xs) + " |")
		}
		if !complete {
			avg = nil
		}
		b.WriteString(" " + meanStd(avg) + " |\n")
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

// meanStd formats the mean and sample standard deviation of xs.
func meanStd(xs []float64) string {
	if len(xs) == 0 {
		return "–"
	}
	var m, v float64
	for _, x := range xs {
		m += x / float64(len(xs))
	}
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	if len(xs) > 1 {
		v /= float64(len(xs) - 1)
	}
	return fmt.Sprintf("%.2f ± %.2f", m, math.Sqrt(v))
}
