package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// parseFractions parses "0.25,0.5,1" into fractions of a run's iterations.
func parseFractions(s string) ([]float64, error) {
	var fs []float64
	for _, p := range strings.Split(s, ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(f > 0 && f <= 1) {
			return nil, fmt.Errorf("bad fraction %q in -at (want numbers in (0, 1] such as 0.25,0.5,1)", p)
		}
		fs = append(fs, f)
	}
	return fs, nil
}

// valueAt returns the run's metric at the last evaluation at or before
// iteration it, or NaN.
func (c *compareRun) valueAt(metric func(*record) (float64, bool), it int) float64 {
	v := math.NaN()
	for i := range c.rs {
		if c.rs[i].Iter > it {
			break
		}
		if y, ok := metric(&c.rs[i]); ok {
			v = y
		} else {
			v = math.NaN()
		}
	}
	return v
}

// writeSeedTable prints, for each group of runs that differ only in their
// seed, the mean and standard deviation over the seeds of the metric at the
// given fractions of the longest run's iterations.
func writeSeedTable(w io.Writer, runs []*compareRun, metric string, at []float64, markdown bool) error {
	get := compareMetrics[metric].get
	maxIter := 0
	for _, c := range runs {
		if n := len(c.rs); n > 0 {
			maxIter = max(maxIter, c.rs[n-1].Iter)
		}
	}
	var order []string
	groups := map[string][]*compareRun{}
	for _, c := range runs {
		g := groupKey(c)
		if groups[g] == nil {
			order = append(order, g)
		}
		groups[g] = append(groups[g], c)
	}
	row := func(cells ...string) string { return strings.Join(cells, "\t") + "\n" }
	if markdown {
		row = func(cells ...string) string { return "| " + strings.Join(cells, " | ") + " |\n" }
	}
	head := []string{"runs", "seeds"}
	for _, f := range at {
		head = append(head, fmt.Sprintf("%s at %d", metric, int(math.Round(f*float64(maxIter)))))
	}
	var b strings.Builder
	b.WriteString(row(head...))
	if markdown {
		sep := []string{"---", "---:"}
		for range at {
			sep = append(sep, "---:")
		}
		b.WriteString(row(sep...))
	}
	for _, g := range order {
		cells := []string{g, strconv.Itoa(len(groups[g]))}
		for _, f := range at {
			it := int(math.Round(f * float64(maxIter)))
			var vs []float64
			for _, c := range groups[g] {
				if v := c.valueAt(get, it); !math.IsNaN(v) {
					vs = append(vs, v)
				}
			}
			cells = append(cells, meanSD(vs))
		}
		b.WriteString(row(cells...))
	}
	if markdown {
		_, err := io.WriteString(w, b.String())
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	io.WriteString(tw, b.String())
	return tw.Flush()
}

// meanSD formats the mean and the sample standard deviation of vs.
func meanSD(vs []float64) string {
	switch len(vs) {
	case 0:
		return "-"
	case 1:
		return fmtValue(vs[0])
	}
	var m float64
	for _, v := range vs {
		m += v
	}
	m /= float64(len(vs))
	var s float64
	for _, v := range vs {
		s += (v - m) * (v - m)
	}
	return fmtValue(m) + " ± " + fmtValue(math.Sqrt(s/float64(len(vs)-1)))
}
