package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fakeRun trains a fake run into dir/name and returns its directory.
func fakeRun(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	args = append([]string{"train", "-quiet", "-height", "6", "-out", out}, args...)
	if code, _, stderr := gfnRun(t, args...); code != 0 {
		t.Fatalf("%q: exit %d: %s", args, code, stderr)
	}
	return out
}

func TestCompareFake(t *testing.T) {
	useFake(t)
	tmp := t.TempDir()
	a := fakeRun(t, tmp, "a", "-loss", "tb", "-seed", "1", "-iters", "80", "-eval-every", "10")
	b := fakeRun(t, tmp, "b", "-loss", "db", "-seed", "2", "-iters", "40", "-eval-every", "5", "-epsilon", "0.1")
	png, csvPath := filepath.Join(tmp, "cmp.png"), filepath.Join(tmp, "cmp.csv")
	code, stdout, stderr := gfnRun(t, "compare", "-out", png, "-csv", csvPath, "-metric", "kl", a, b)
	if code != 0 {
		t.Fatalf("compare: exit %d: %s", code, stderr)
	}
	checkPNG(t, png)

	// The labels name the loss and seed, and ε, which differs.
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "final kl") {
		t.Fatalf("table:\n%s", stdout)
	}
	if !strings.HasPrefix(lines[1], "TB, ε=0.05, seed 1 ") || !strings.HasPrefix(lines[2], "DB, ε=0.1, seed 2 ") {
		t.Errorf("labels:\n%s", stdout)
	}

	// The CSV holds the final, median-of-five and best values of the runs'
	// metrics.jsonl, computed here independently.
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("csv has %d rows, want 3", len(rows))
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	for i, dir := range []string{a, b} {
		rs := checkMetrics(t, dir)
		var kl []float64
		for _, r := range rs {
			kl = append(kl, r["kl"].(float64))
		}
		last := slices.Clone(kl[len(kl)-5:])
		slices.Sort(last)
		want := map[string]float64{
			"final": kl[len(kl)-1], "median_last5": last[2], "best": slices.Min(kl),
			"iters": rs[len(rs)-1]["iter"].(float64), "trajectories": rs[len(rs)-1]["trajectories"].(float64),
		}
		if want["best"] >= kl[0] || want["final"] == kl[0] {
			t.Fatalf("run %d: the fake's kl did not move: %v", i, kl)
		}
		for k, w := range want {
			got, err := strconv.ParseFloat(rows[i+1][col(k)], 64)
			if err != nil || math.Abs(got-w) > 1e-5*math.Abs(w) {
				t.Errorf("run %d %s = %q, want %g", i, k, rows[i+1][col(k)], w)
			}
		}
	}

	// Without -out, only the table.
	code, stdout2, _ := gfnRun(t, "compare", "-metric", "kl", a, b)
	if code != 0 || stdout2 != stdout {
		t.Errorf("compare without -out: exit %d, table %q, want %q", code, stdout2, stdout)
	}
	code, md, _ := gfnRun(t, "compare", "-md", "-metric", "kl", a, b)
	mdLines := strings.Split(strings.TrimSpace(md), "\n")
	if code != 0 || len(mdLines) != 4 || !strings.HasPrefix(mdLines[1], "| --- | ---: |") ||
		!strings.HasPrefix(mdLines[2], "| TB, ε=0.05, seed 1 | 80 | ") {
		t.Errorf("compare -md: exit %d:\n%s", code, md)
	}
	for _, x := range []string{"iter", "seconds"} {
		out := filepath.Join(tmp, x+".png")
		if code, _, stderr := gfnRun(t, "compare", "-x", x, "-metric", "l1_mean", "-out", out, a, b); code != 0 {
			t.Errorf("-x %s: exit %d: %s", x, code, stderr)
		}
		checkPNG(t, out)
	}
}

func TestCompareLabels(t *testing.T) {
	useFake(t)
	tmp := t.TempDir()
	a := fakeRun(t, tmp, "a", "-iters", "10", "-seed", "1")
	b := fakeRun(t, tmp, "b", "-iters", "10", "-seed", "2")
	c := fakeRun(t, tmp, "c", "-iters", "10", "-seed", "2")
	_, stdout, stderr := gfnRun(t, "compare", a, b, c)
	for _, want := range []string{"\nTB, seed 1 ", "\nTB, seed 2 (b) ", "\nTB, seed 2 (c) "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table has no %q:\n%s%s", want, stdout, stderr)
		}
	}
	// NAME=DIR names a run; the name groups runs in the plot.
	_, stdout, stderr = gfnRun(t, "compare", "He init="+a, "He init="+b, "ε=0 init="+c)
	for _, want := range []string{"\nHe init, seed 1 ", "\nHe init, seed 2 ", "\nε=0 init, seed 2 "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table has no %q:\n%s%s", want, stdout, stderr)
		}
	}
}

func TestCompareSummary(t *testing.T) {
	c := &compareRun{
		rs: []record{
			{Iter: 0},
			{Iter: 10, ItersPerSec: 10, Seconds: 2}, // 1 s of training
			{Iter: 30, ItersPerSec: 40, Seconds: 5}, // 0.5 s
		},
		ys: []float64{9, 1, 5, 3, 8, 2, 7},
	}
	s := c.summarize()
	if s.final != 7 || s.med5 != 5 || s.best != 1 || s.iters != 30 || s.wallSecs != 5 {
		t.Errorf("summary %+v, want final 7, median 5 (of 5 3 8 2 7), best 1, 30 iterations, 5 s", s)
	}
	if want := 30 / 1.5; math.Abs(s.itPerSec-want) > 1e-12 {
		t.Errorf("iterations/s = %g, want %g", s.itPerSec, want)
	}
	c.ys = []float64{4, 2}
	if s := c.summarize(); s.med5 != 3 {
		t.Errorf("median of 4 and 2 = %g, want 3", s.med5)
	}
}

func TestCompareErrors(t *testing.T) {
	useFake(t)
	tmp := t.TempDir()
	a := fakeRun(t, tmp, "a", "-iters", "5")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare"}, "no run directories given"},
		{[]string{"compare", "-metric", "auc", a}, `unknown -metric "auc"`},
		{[]string{"compare", "-x", "epochs", a}, `unknown -x "epochs"`},
		{[]string{"compare", a, filepath.Join(tmp, "missing")}, "config.json"},
	} {
		code, _, stderr := gfnRun(t, tc.args...)
		checkOneLineError(t, tc.args, code, stderr, tc.want)
	}
}

func TestDecadeTicks(t *testing.T) {
	var got []string
	for _, tk := range (decadeTicks{}).Ticks(math.Pow(10, -7), math.Pow(10, 2)) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	want := []string{"1e-7", "1e-6", "1e-5", "0.0001", "0.001", "0.01", "0.1", "1", "10", "100"}
	if !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
}

// TestCompareSeeds: -seeds groups the runs that differ only in their seed and
// tabulates the mean and the standard deviation over the seeds, computed
// here from the runs' own records, at the requested fractions.
func TestCompareSeeds(t *testing.T) {
	useFake(t)
	tmp := t.TempDir()
	var tb, db []string
	for _, s := range []string{"1", "2", "3"} {
		tb = append(tb, fakeRun(t, tmp, "tb"+s, "-loss", "tb", "-seed", s, "-iters", "40", "-eval-every", "10", "-batch", strconv.Itoa(10+len(tb))))
		db = append(db, fakeRun(t, tmp, "db"+s, "-loss", "db", "-seed", s, "-iters", "40", "-eval-every", "10"))
	}
	code, stdout, stderr := gfnRun(t, append([]string{"compare", "-seeds", "-at", "0.5,1", "-metric", "l1"}, append(tb, db...)...)...)
	if code != 0 {
		t.Fatalf("compare: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	// Three TB groups (their batches differ) and one DB group.
	if len(lines) != 5 || !strings.Contains(lines[0], "l1 at 20") || !strings.Contains(lines[0], "l1 at 40") {
		t.Fatalf("table:\n%s", stdout)
	}
	// The DB runs differ only in their seed: one group of three, whose
	// values at iteration 20 are the records'.
	var vs []float64
	for _, d := range db {
		rs, err := readMetrics(filepath.Join(d, metricsFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Iter == 20 {
				vs = append(vs, float64(r.L1))
			}
		}
	}
	want := meanSD(vs)
	found := false
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "DB") {
			found = strings.Contains(l, " 3 ") && strings.Contains(l, want)
		}
	}
	if !found || !strings.Contains(want, "±") {
		t.Errorf("no DB row of 3 seeds with %q:\n%s", want, stdout)
	}
	if code, _, stderr := gfnRun(t, "compare", "-seeds", "-at", "2", db[0]); code != 2 || !strings.Contains(stderr, "bad fraction") {
		t.Errorf("-at 2: exit %d, %s", code, stderr)
	}
}

// TestCompareSigned checks that metrics that may be negative (a log-reward,
// a correlation) are tabulated and plotted, on a linear axis, and not
// dropped as the distances' missing values are.
func TestCompareSigned(t *testing.T) {
	useFake(t)
	dir := fakeRun(t, t.TempDir(), "tb", "-loss", "tb", "-iters", "40", "-eval-every", "10")
	path := filepath.Join(dir, metricsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		r["mean_logr"], r["spearman"] = -86.5, -0.25
		b, _ := json.Marshal(r)
		out = append(append(out, b...), '\n')
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	for metric, want := range map[string]string{"mean_logr": "-86.5", "spearman": "-0.25"} {
		png := filepath.Join(t.TempDir(), metric+".png")
		code, stdout, stderr := gfnRun(t, "compare", "-metric", metric, "-md", "-out", png, dir)
		if code != 0 {
			t.Fatalf("compare -metric %s: exit %d: %s", metric, code, stderr)
		}
		if !strings.Contains(stdout, want) {
			t.Errorf("compare -metric %s: no %s in\n%s", metric, want, stdout)
		}
		if fi, err := os.Stat(png); err != nil || fi.Size() == 0 {
			t.Errorf("compare -metric %s: no plot (%v)", metric, err)
		}
	}
}
