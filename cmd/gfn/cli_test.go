package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// gfnRun runs the command line and returns its exit status and outputs.
func gfnRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// checkOneLineError checks that a failed command printed one line on
// stderr containing want, and no stack trace.
func checkOneLineError(t *testing.T, args []string, code int, stderr, want string) {
	t.Helper()
	if code == 0 {
		t.Errorf("%q: exit 0, want an error", args)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("%q: stderr is not one line: %q", args, stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("%q: stderr %q does not contain %q", args, stderr, want)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Errorf("%q: stack trace on stderr: %q", args, stderr)
	}
}

func TestFlagErrors(t *testing.T) {
	useFake(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"train", "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"train", "-env", "chess"}, `unknown -env "chess"`},
		{[]string{"train", "-loss", "ppo"}, `unknown -loss "ppo"`},
		{[]string{"train", "-reward", "easy"}, `unknown -reward "easy"`},
		{[]string{"train", "-r0", "0.1"}, "need -reward custom"},
		{[]string{"train", "-reward", "custom", "-r0", "0"}, "-r0 must be positive"},
		{[]string{"train", "-reward", "custom", "-r1", "-1"}, "-r1 must be ≥ 0"},
		{[]string{"train", "-reward", "custom", "-r2", "NaN"}, "-r2 must be ≥ 0"},
		{[]string{"train", "-ndim", "0"}, "-ndim must be at least 1"},
		{[]string{"train", "-height", "1"}, "-height must be at least 2"},
		{[]string{"train", "-height", "100", "-ndim", "5"}, "too many for exact evaluation"},
		{[]string{"train", "-batch", "0"}, "-batch must be in [1, 65536]"},
		{[]string{"train", "-ndim", "1", "-height", "100000"}, "at most 65536 (the width of the network's input)"},
		{[]string{"train", "-hidden", "256,5000"}, "-hidden widths must be in [1, 4096]"},
		{[]string{"train", "-iters", "0"}, "-iters must be at least 1"},
		{[]string{"train", "-iters", "ten"}, `invalid value "ten" for flag -iters`},
		{[]string{"train", "-hidden", "256,,256"}, "bad width"},
		{[]string{"train", "-hidden", "256,-3"}, "bad width"},
		{[]string{"train", "-lr", "0"}, "-lr must be positive"},
		{[]string{"train", "-lr-logz", "-1"}, "-lr-logz must be positive"},
		{[]string{"train", "-epsilon", "1"}, "-epsilon must be in [0, 1)"},
		{[]string{"train", "-temperature", "0"}, "-temperature must be positive"},
		{[]string{"train", "-subtb-lambda", "0"}, "-subtb-lambda must be positive"},
		{[]string{"train", "-clip", "-1"}, "-clip must be ≥ 0"},
		{[]string{"train", "-eval-every", "-5"}, "-eval-every must be ≥ 0"},
		{[]string{"train", "-checkpoint-every", "-5"}, "-checkpoint-every must be ≥ 0"},
		{[]string{"train", "-out", ""}, "-out must not be empty"},
		{[]string{"train", "extra"}, `unexpected argument "extra"`},
		{[]string{"train", "-loss", "db", "-lr-logz", "0.5"}, "-lr-logz applies only to -loss tb"},
		{[]string{"train", "-subtb-lambda", "0.5"}, "-subtb-lambda applies only to -loss subtb"},
		{[]string{"train", "-average-decay", "0.5"}, "-average-decay applies only to -average ema"},
		{[]string{"train", "-average", "uniform", "-average-decay", "0.5"}, "-average-decay applies only to -average ema"},
		{[]string{"train", "-average", "swa"}, `unknown -average "swa"`},
		{[]string{"train", "-average", "ema", "-average-decay", "1"}, "-average-decay must be in (0, 1)"},
		{[]string{"train", "-loss", "softdqn", "-temperature", "2"}, "-temperature applies only"},
		{[]string{"train", "-loss", "mdqn", "-clip", "1"}, "-clip applies only"},
		{[]string{"train", "-resume"}, "-resume needs the -out directory"},
		{[]string{"train", "-pb", "clever"}, `unknown -pb "clever"`},
		{[]string{"train", "-lr-pb", "0.01"}, "-lr-pb applies only to a learned -pb"},
		{[]string{"train", "-pb-tau", "0.1"}, "-pb-tau applies only to -pb tlm or pessimistic"},
		{[]string{"train", "-pb", "tlm", "-pb-tau", "2"}, "-pb-tau must be in [0, 1]"},
		{[]string{"train", "-pb", "tlm", "-pb-past", "-1"}, "-pb-past must be in"},
		{[]string{"train", "-loss", "softdqn", "-pb", "tied"}, "-pb applies only"},
		{[]string{"train", "-replay", "-1"}, "-replay must be in"},
		{[]string{"train", "-workers", "-2"}, "-workers must be in"},
		{[]string{"train", "-workers", "2", "-loss", "zvar"}, "-workers applies only to"},
		{[]string{"train", "-workers", "2", "-replay", "4"}, "-workers applies only to"},
		{[]string{"train", "-resume", "-out", dir}, "config.json: no such file"},
		{[]string{"sample"}, "-checkpoint is required"},
		{[]string{"sample", "-checkpoint", dir, "-n", "0"}, "-n must be in"},
		{[]string{"sample", "-checkpoint", filepath.Join(dir, "missing")}, "no such file"},
		{[]string{"eval", "-checkpoint", dir}, "no such file"},
		{[]string{"eval", "-checkpoint", dir, "more"}, `unexpected argument "more"`},
	} {
		code, _, stderr := gfnRun(t, tc.args...)
		checkOneLineError(t, tc.args, code, stderr, tc.want)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"train", "-h"}, {"sample", "-h"}, {"eval", "-help"}} {
		code, stdout, stderr := gfnRun(t, args...)
		if code != 0 || stderr != "" || !strings.Contains(stdout, "sage") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	if code, _, stderr := gfnRun(t); code != 2 || !strings.Contains(stderr, "gfn train") {
		t.Errorf("no arguments: exit %d, stderr %q", code, stderr)
	}
}

// requiredKeys are the keys every metrics.jsonl record must have.
var requiredKeys = []string{"iter", "trajectories", "seconds", "loss", "l1", "l1_mean", "kl", "logz", "true_logz"}

// checkMetrics checks dir/metrics.jsonl and returns its records as maps.
func checkMetrics(t *testing.T, dir string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rs []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("metrics.jsonl line %d: %v", len(rs)+1, err)
		}
		for _, k := range requiredKeys {
			if _, ok := m[k]; !ok {
				t.Errorf("metrics.jsonl line %d has no %q: %s", len(rs)+1, k, sc.Text())
			}
		}
		if len(rs) > 0 && m["iter"].(float64) <= rs[len(rs)-1]["iter"].(float64) {
			t.Errorf("metrics.jsonl line %d: iter %v does not increase", len(rs)+1, m["iter"])
		}
		rs = append(rs, m)
	}
	return rs
}

// checkPNG checks that path is a PNG of a sensible size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if c.Width < 400 || c.Height < 300 || len(b) < 10_000 {
		t.Errorf("%s: %d×%d, %d bytes: too small to be a plot", path, c.Width, c.Height, len(b))
	}
}

// checkSamples checks that gfn sample printed n states of d coordinates in
// [0, h).
func checkSamples(t *testing.T, out string, n, d, h int) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d sample lines, want %d", len(lines), n)
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != d {
			t.Fatalf("sample %q has %d coordinates, want %d", l, len(f), d)
		}
		for _, s := range f {
			if v, err := strconv.Atoi(s); err != nil || v < 0 || v >= h {
				t.Fatalf("sample %q: coordinate %q not in [0, %d)", l, s, h)
			}
		}
	}
}

func TestTrainSampleEvalFake(t *testing.T) {
	useFake(t)
	dir := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := gfnRun(t, "train", "-height", "6", "-iters", "60", "-eval-every", "20", "-out", dir)
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Trained TB on a 6×6 hypergrid") || !strings.Contains(stdout, "log Z") {
		t.Errorf("summary: %q", stdout)
	}
	if n := strings.Count(stderr, "\n"); n != 4 { // evaluations at 0, 20, 40, 60
		t.Errorf("progress on a non-terminal: %d lines, want 4:\n%s", n, stderr)
	}
	rs := checkMetrics(t, dir)
	if len(rs) != 4 || rs[3]["iter"].(float64) != 60 || rs[3]["trajectories"].(float64) != 60*16 {
		t.Errorf("metrics: %v", rs)
	}
	if l1 := rs[3]["l1"].(float64); l1 >= rs[0]["l1"].(float64) || l1 <= 0 {
		t.Errorf("l1 did not fall: %v then %v", rs[0]["l1"], l1)
	}
	for _, name := range []string{checkpointFile, "config.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	checkPNG(t, filepath.Join(dir, l1PlotFile))
	checkPNG(t, filepath.Join(dir, distPlotFile))

	code, stdout, stderr = gfnRun(t, "sample", "-checkpoint", filepath.Join(dir, checkpointFile), "-n", "7")
	if code != 0 {
		t.Fatalf("sample: exit %d: %s", code, stderr)
	}
	checkSamples(t, stdout, 7, 2, 6)
	_, again, _ := gfnRun(t, "sample", "-checkpoint", dir, "-n", "7")
	if again != stdout {
		t.Errorf("sample with the same seed differs:\n%s\n%s", stdout, again)
	}

	code, stdout, stderr = gfnRun(t, "eval", "-checkpoint", dir, "-json")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil || m["l1"] != rs[3]["l1"] {
		t.Errorf("eval -json: %q (%v), want l1 %v", stdout, err, rs[3]["l1"])
	}
	if code, stdout, _ = gfnRun(t, "eval", "-checkpoint", dir); code != 0 || !strings.Contains(stdout, "true_logz") {
		t.Errorf("eval: exit %d, %q", code, stdout)
	}

	// A second run into the same directory must not overwrite it.
	code, _, stderr = gfnRun(t, "train", "-iters", "5", "-out", dir)
	checkOneLineError(t, []string{"train again"}, code, stderr, "already holds a run")
}

func TestResumeFake(t *testing.T) {
	useFake(t)
	dir := t.TempDir()
	if code, _, stderr := gfnRun(t, "train", "-ndim", "3", "-height", "4", "-iters", "40", "-eval-every", "10",
		"-checkpoint-every", "20", "-out", dir); code != 0 {
		t.Fatal(stderr)
	}
	code, _, stderr := gfnRun(t, "train", "-resume", "-out", dir, "-height", "5", "-iters", "80")
	checkOneLineError(t, []string{"resume -height 5"}, code, stderr, "-height=5 differs from the run's 4")
	code, _, stderr = gfnRun(t, "train", "-resume", "-out", dir, "-iters", "40")
	checkOneLineError(t, []string{"resume -iters 40"}, code, stderr, "already has 40 iterations")

	code, _, stderr = gfnRun(t, "train", "-resume", "-out", dir, "-height", "4", "-iters", "80", "-eval-every", "20")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	rs := checkMetrics(t, dir)
	var iters []float64
	for _, r := range rs {
		iters = append(iters, r["iter"].(float64))
	}
	if want := []float64{0, 10, 20, 30, 40, 60, 80}; len(iters) != len(want) || iters[5] != 60 || iters[6] != 80 {
		t.Errorf("iterations in metrics.jsonl: %v, want %v", iters, want)
	}
	if rs[6]["trajectories"].(float64) != 80*16 || rs[6]["seconds"].(float64) < rs[4]["seconds"].(float64) {
		t.Errorf("resumed record: %v", rs[6])
	}
	checkPNG(t, filepath.Join(dir, l1PlotFile))
	if _, err := os.Stat(filepath.Join(dir, distPlotFile)); err == nil {
		t.Error("distribution.png written for a 3-D grid")
	}
}

func TestBadCheckpoint(t *testing.T) {
	useFake(t)
	dir := t.TempDir()
	if code, _, stderr := gfnRun(t, "train", "-height", "3", "-iters", "2", "-out", dir); code != 0 {
		t.Fatal(stderr)
	}
	os.WriteFile(filepath.Join(dir, checkpointFile), []byte("garbage"), 0o644)
	code, _, stderr := gfnRun(t, "eval", "-checkpoint", dir)
	checkOneLineError(t, []string{"eval garbage"}, code, stderr, "bad fake checkpoint")

	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"version": 99}`), 0o644)
	code, _, stderr = gfnRun(t, "sample", "-checkpoint", dir)
	checkOneLineError(t, []string{"sample bad config"}, code, stderr, "config version 99")
}

// TestCheckpointNamedOnce: an error about a checkpoint names its path once,
// whether the file is corrupt or is not a regular file.
func TestCheckpointNamedOnce(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := gfnRun(t, "train", "-height", "3", "-hidden", "8", "-iters", "2", "-out", dir, "-quiet"); code != 0 {
		t.Fatal(stderr)
	}
	path := filepath.Join(dir, checkpointFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	os.WriteFile(path, data, 0o644)
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, want string }{{path, "checksum mismatch"}, {zero, "not a regular file"}} {
		code, _, stderr := gfnRun(t, "eval", "-checkpoint", c.path)
		checkOneLineError(t, []string{"eval", c.path}, code, stderr, c.want)
		if n := strings.Count(stderr, c.path); n != 1 {
			t.Errorf("%q names %s %d times, want once", stderr, c.path, n)
		}
	}
}

// TestBadConfigFile: a config.json whose values contradict each other or are
// out of range is refused, with the file's keys (not the flags) named.
func TestBadConfigFile(t *testing.T) {
	useFake(t)
	dir := t.TempDir()
	if code, _, stderr := gfnRun(t, "train", "-height", "3", "-iters", "2", "-out", dir); code != 0 {
		t.Fatal(stderr)
	}
	good, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	for _, c := range []struct{ from, to, want string }{
		{`"reward": "standard"`, `"reward": "hard"`, `"reward" hard has r0, r1, r2 = 0.0001, 1, 3, not 0.001, 0.5, 2`},
		{`"r0": 0.001`, `"r0": -1`, `"reward" standard has r0`},
		{`"lr_logz": 0.1`, `"lr_logz": -1`, `"lr_logz" must be positive`},
		{`"batch": 16`, `"batch": 0`, `"batch" must be in`},
	} {
		bad := strings.Replace(string(good), c.from, c.to, 1)
		if bad == string(good) {
			t.Fatalf("%q is not in config.json:\n%s", c.from, good)
		}
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(bad), 0o644)
		code, _, stderr := gfnRun(t, "eval", "-checkpoint", dir)
		checkOneLineError(t, []string{c.to}, code, stderr, c.want)
	}
}

// TestStaleTemps: temporary files left by a killed write of any file of the
// run directory (runFiles, which must name every file a run writes) are
// removed when the run is resumed.
func TestStaleTemps(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := gfnRun(t, "train", "-height", "3", "-hidden", "8", "-iters", "2", "-out", dir, "-quiet"); code != 0 {
		t.Fatal(stderr)
	}
	written, _ := os.ReadDir(dir)
	for _, e := range written {
		if !slices.Contains(runFiles, e.Name()) {
			t.Errorf("the run wrote %s, which runFiles does not list", e.Name())
		}
	}
	var stale []string
	for _, name := range append([]string{"model.gfn", "progress.png"}, runFiles...) {
		p := filepath.Join(dir, "."+name+".tmp4242")
		os.WriteFile(p, make([]byte, 1000), 0o644)
		stale = append(stale, p)
	}
	if code, _, stderr := gfnRun(t, "train", "-resume", "-iters", "4", "-out", dir, "-quiet"); code != 0 {
		t.Fatal(stderr)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", p, err)
		}
	}
}

// interrupting sends Ctrl-C after iteration at.
type interrupting struct {
	session
	at int
	c  *chan<- os.Signal // set when training starts, after the session is made
}

func (s *interrupting) Step() (stepStats, error) {
	l, err := s.session.Step()
	if s.Iter() == s.at {
		*s.c <- os.Interrupt
	}
	return l, err
}

func TestInterrupt(t *testing.T) {
	var c chan<- os.Signal
	old, oldNotify := newSession, notifyInterrupt
	notifyInterrupt = func(ch chan<- os.Signal) { c = ch }
	newSession = func(cfg *config) (session, error) {
		s, _ := newFakeSession(cfg)
		return &interrupting{session: s, at: 7, c: &c}, nil
	}
	t.Cleanup(func() { newSession, notifyInterrupt = old, oldNotify })
	dir := t.TempDir()
	code, stdout, stderr := gfnRun(t, "train", "-height", "3", "-iters", "50", "-eval-every", "5", "-out", dir)
	if code != 1 || !strings.Contains(stderr, "interrupted") || !strings.Contains(stdout, "7 iterations") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	rs := checkMetrics(t, dir)
	if last := rs[len(rs)-1]["iter"]; last != 7.0 {
		t.Errorf("last record at iteration %v, want 7", last)
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointFile)); err != nil {
		t.Errorf("no checkpoint after Ctrl-C: %v", err)
	}
}

// TestFailureKeepsCheckpoint: a run that fails mid-way says where its last
// good checkpoint is, and that checkpoint resumes.
func TestFailureKeepsCheckpoint(t *testing.T) {
	useFake(t)
	dir := t.TempDir()
	code, _, stderr := gfnRun(t, "train", "-height", "3", "-iters", "60", "-seed", strconv.Itoa(failSeed),
		"-checkpoint-every", "10", "-out", dir, "-quiet")
	checkOneLineError(t, []string{"failing run"}, code, stderr, "the fake diverged; the last good checkpoint, at iteration 20, is in")
	b, err := os.ReadFile(filepath.Join(dir, checkpointFile))
	if err != nil || !strings.HasPrefix(string(b), "[20,") {
		t.Fatalf("checkpoint %q, %v; want the one of iteration 20", b, err)
	}
}

// TestNonFiniteSaves: a run whose loss turns NaN before its first
// checkpoint (the default -checkpoint-every) saves the state the failed
// step left, which is as good as the one before it, and resumes from it.
func TestNonFiniteSaves(t *testing.T) {
	useFake(t)
	dir := t.TempDir()
	code, _, stderr := gfnRun(t, "train", "-height", "3", "-iters", "60", "-seed", strconv.Itoa(nanSeed), "-out", dir, "-quiet")
	checkOneLineError(t, []string{"NaN run"}, code, stderr, "iteration 25: gfn: non-finite loss (loss NaN); the last good state, at iteration 25, is saved in")
	b, err := os.ReadFile(filepath.Join(dir, checkpointFile))
	if err != nil || !strings.HasPrefix(string(b), "[25,") {
		t.Fatalf("checkpoint %q, %v; want the one of iteration 25", b, err)
	}
	if code, _, stderr := gfnRun(t, "train", "-resume", "-iters", "60", "-out", dir, "-quiet"); code != 0 {
		t.Fatalf("-resume: %s", stderr)
	}
	if rs := checkMetrics(t, dir); rs[len(rs)-1]["iter"] != 60.0 {
		t.Errorf("last record %v, want iteration 60", rs[len(rs)-1])
	}
}

// TestBitseqDefaults checks the papers' bit-sequence settings that -env
// bitseq puts in place of the library's defaults, and that a flag given
// overrides them.
func TestBitseqDefaults(t *testing.T) {
	f, err := parseTrainFlags([]string{"-env", "bitseq", "-loss", "subtb"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Epsilon != 0.001 || f.WeightDecay != 1e-5 || f.LRLogZ != 0.064 || f.SubTBLambda != 1.9 || f.Policy != "transformer" {
		t.Errorf("bitseq defaults: ε %v, weight decay %v, lr log Z %v, SubTB λ %v, policy %q", f.Epsilon, f.WeightDecay, f.LRLogZ, f.SubTBLambda, f.Policy)
	}
	f, err = parseTrainFlags([]string{"-env", "bitseq", "-loss", "subtb", "-subtb-lambda", "0.9"})
	if err != nil {
		t.Fatal(err)
	}
	if f.SubTBLambda != 0.9 {
		t.Errorf("-subtb-lambda 0.9 with -env bitseq: λ %v", f.SubTBLambda)
	}
	if f, err = parseTrainFlags([]string{"-loss", "subtb"}); err != nil || f.SubTBLambda != 0.9 {
		t.Errorf("hypergrid SubTB λ %v (err %v), want 0.9", f.SubTBLambda, err)
	}
}
