package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// These tests run the command on the real library.

// TestEndToEnd trains TB on a 4×4 grid for 50 iterations and then samples
// from and evaluates the checkpoint.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := gfnRun(t, "train", "-height", "4", "-iters", "50", "-eval-every", "10",
		"-hidden", "64,64", "-out", dir, "-cpuprofile", filepath.Join(dir, "cpu.prof"))
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	if fi, err := os.Stat(filepath.Join(dir, "cpu.prof")); err != nil || fi.Size() == 0 {
		t.Errorf("-cpuprofile: %v", err)
	}
	if !strings.Contains(stdout, "Trained TB on a 4×4 hypergrid") {
		t.Errorf("summary: %q", stdout)
	}
	rs := checkMetrics(t, dir)
	if len(rs) != 6 {
		t.Fatalf("%d records, want 6 (iterations 0, 10, …, 50)", len(rs))
	}
	last := rs[5]
	if last["iter"].(float64) != 50 || last["trajectories"].(float64) != 50*16 {
		t.Errorf("last record: %v", last)
	}
	for _, k := range []string{"l1", "kl", "logz", "true_logz", "emp_l1_mean", "emp_kl"} {
		if v, ok := last[k].(float64); !ok || v != v {
			t.Errorf("last record: %s = %v, want a number", k, last[k])
		}
	}
	checkPNG(t, filepath.Join(dir, l1PlotFile))
	checkPNG(t, filepath.Join(dir, distPlotFile))

	code, stdout, stderr = gfnRun(t, "sample", "-checkpoint", filepath.Join(dir, checkpointFile), "-n", "25")
	if code != 0 {
		t.Fatalf("sample: exit %d: %s", code, stderr)
	}
	checkSamples(t, stdout, 25, 2, 4)

	code, stdout, stderr = gfnRun(t, "eval", "-checkpoint", dir, "-json")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("eval -json: %v: %q", err, stdout)
	}
	// The checkpoint holds the final model, so eval repeats the last record.
	for _, k := range []string{"l1", "kl", "logz", "true_logz"} {
		if m[k] != last[k] {
			t.Errorf("eval %s = %v, the last record says %v", k, m[k], last[k])
		}
	}

	// Resuming continues where the run stopped.
	code, _, stderr = gfnRun(t, "train", "-resume", "-out", dir, "-iters", "60", "-eval-every", "10")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	if rs := checkMetrics(t, dir); len(rs) != 7 || rs[6]["trajectories"].(float64) != 60*16 {
		t.Errorf("after resuming: %d records, last %v", len(rs), rs[len(rs)-1])
	}

	// A corrupt checkpoint is reported in one line.
	b, _ := os.ReadFile(filepath.Join(dir, checkpointFile))
	b[len(b)/2] ^= 0xff
	os.WriteFile(filepath.Join(dir, checkpointFile), b, 0o644)
	code, _, stderr = gfnRun(t, "eval", "-checkpoint", dir)
	checkOneLineError(t, []string{"eval corrupt"}, code, stderr, "checksum mismatch")
}

// TestEveryLoss runs a few iterations of every loss (and of learned backward
// policies with replay), then sample and eval.
func TestEveryLoss(t *testing.T) {
	runs := map[string][]string{}
	for _, a := range algorithms {
		runs[a.name] = []string{"-loss", a.name}
	}
	runs["tb-tied"] = []string{"-loss", "tb", "-pb", "tied", "-replay", "4"}
	runs["db-separate"] = []string{"-loss", "db", "-pb", "separate", "-lr-pb", "0.01", "-replay", "2"}
	runs["zvar-custom"] = []string{"-loss", "zvar", "-reward", "custom", "-r0", "0.01", "-r2", "0"}
	runs["tb-maxent"] = []string{"-loss", "tb", "-pb", "maxent"}
	runs["subtb-naive"] = []string{"-loss", "subtb", "-pb", "naive"}
	runs["db-tlm"] = []string{"-loss", "db", "-pb", "tlm", "-pb-tau", "0.5"}
	runs["tb-pessimistic"] = []string{"-loss", "tb", "-pb", "pessimistic"}
	runs["softdqn-naive"] = []string{"-loss", "softdqn", "-pb", "naive"}
	runs["mdqn-maxent"] = []string{"-loss", "mdqn", "-pb", "maxent"}
	runs["mdqn-tlm"] = []string{"-loss", "mdqn", "-pb", "tlm", "-pb-past", "3"}
	for name, args := range runs {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := append([]string{"train"}, args...)
			code, _, stderr := gfnRun(t, append(cmd, "-height", "3", "-iters", "20",
				"-eval-every", "10", "-hidden", "16", "-out", dir)...)
			if code != 0 {
				t.Fatalf("train: exit %d: %s", code, stderr)
			}
			if rs := checkMetrics(t, dir); len(rs) != 3 {
				t.Errorf("%d records, want 3", len(rs))
			}
			if code, stdout, stderr := gfnRun(t, "sample", "-checkpoint", dir, "-n", "5"); code != 0 {
				t.Errorf("sample: exit %d: %s", code, stderr)
			} else {
				checkSamples(t, stdout, 5, 2, 3)
			}
			if code, _, stderr := gfnRun(t, "eval", "-checkpoint", dir); code != 0 {
				t.Errorf("eval: exit %d: %s", code, stderr)
			}
		})
	}
}

// TestTrainConverges checks that the CLI's defaults train: TB on a 4×4 grid
// gets close to the reward distribution and to log Z in 400 iterations (from
// L1 ≈ 1.3 and log Z = 0; seeds 1 to 6 all end below L1 = 0.04).
func TestTrainConverges(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := gfnRun(t, "train", "-height", "4", "-iters", "400", "-hidden", "64,64",
		"-out", dir); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	rs := checkMetrics(t, dir)
	first, last := rs[0], rs[len(rs)-1]
	if l1 := last["l1"].(float64); l1 > 0.1 || first["l1"].(float64) < 1 {
		t.Errorf("exact L1 went from %v to %v, want from above 1 to below 0.1", first["l1"], l1)
	}
	if d := last["logz"].(float64) - last["true_logz"].(float64); d < -0.1 || d > 0.1 {
		t.Errorf("learned log Z %v, true %v", last["logz"], last["true_logz"])
	}
}

// TestResumeIdentical checks, for every algorithm, that a run stopped and
// resumed through the CLI ends exactly where an uninterrupted run does.
func TestResumeIdentical(t *testing.T) {
	runs := map[string][]string{
		"subtb-tied": {"-loss", "subtb", "-pb", "tied", "-replay", "3"},
		"tb-tlm":     {"-loss", "tb", "-pb", "tlm"},
		"mdqn-tlm":   {"-loss", "mdqn", "-pb", "pessimistic"},
		"dqn-naive":  {"-loss", "softdqn", "-pb", "naive"},
		"db-maxent":  {"-loss", "db", "-pb", "maxent"},
		"tb-ema":     {"-loss", "tb", "-average", "ema", "-average-decay", "0.9"},
		"db-uniform": {"-loss", "db", "-average", "uniform", "-average-start", "10"},
	}
	for _, a := range algorithms {
		runs[a.name] = []string{"-loss", a.name}
	}
	for name, loss := range runs {
		t.Run(name, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			args := append([]string{"-height", "4", "-hidden", "32", "-eval-every", "20"}, loss...)
			if code, _, stderr := gfnRun(t, append([]string{"train", "-out", a, "-iters", "60"}, args...)...); code != 0 {
				t.Fatal(stderr)
			}
			if code, _, stderr := gfnRun(t, append([]string{"train", "-out", b, "-iters", "20"}, args...)...); code != 0 {
				t.Fatal(stderr)
			}
			if code, _, stderr := gfnRun(t, "train", "-out", b, "-resume", "-iters", "60", "-eval-every", "20"); code != 0 {
				t.Fatal(stderr)
			}
			ra, rb := checkMetrics(t, a), checkMetrics(t, b)
			if len(ra) != len(rb) {
				t.Fatalf("%d records against %d", len(ra), len(rb))
			}
			if _, ok := ra[len(ra)-1]["avg_l1"].(float64); ok != slices.Contains(loss, "-average") {
				t.Errorf("last record %v: an avg_l1 exactly when averaging", ra[len(ra)-1])
			}
			for i := range ra {
				for _, k := range []string{"iter", "trajectories", "loss", "l1", "kl", "logz", "emp_l1_mean", "backward_loss", "backward_gap", "avg_l1", "avg_logz"} {
					if ra[i][k] != rb[i][k] {
						t.Errorf("record %d: %s = %v uninterrupted, %v resumed", i, k, ra[i][k], rb[i][k])
					}
				}
			}
		})
	}
}

// TestDivergenceReported: a learning rate far too large stops the run with
// one error that names the iteration once, instead of training on and
// reporting made-up metrics.
func TestDivergenceReported(t *testing.T) {
	for _, lr := range []string{"1000", "1e40"} {
		dir := t.TempDir()
		code, _, stderr := gfnRun(t, "train", "-height", "4", "-hidden", "32", "-iters", "200", "-lr", lr, "-out", dir, "-quiet")
		checkOneLineError(t, []string{"-lr " + lr}, code, stderr, "iteration ")
		if strings.Count(stderr, "iteration") != 1 {
			t.Errorf("-lr %s: %q names the iteration more than once", lr, stderr)
		}
		if !strings.Contains(stderr, "diverged") && !strings.Contains(stderr, "non-finite") {
			t.Errorf("-lr %s: %q does not say the run diverged", lr, stderr)
		}
		// A diverged step has updated the parameters: that state is not saved.
		_, err := os.Stat(filepath.Join(dir, checkpointFile))
		if saved := strings.Contains(stderr, "is saved in"); saved == os.IsNotExist(err) {
			t.Errorf("-lr %s: %q, and the checkpoint: %v", lr, stderr, err)
		}
		if strings.Contains(stderr, "loss diverged") && !strings.Contains(stderr, "no checkpoint was written") {
			t.Errorf("-lr %s: %q saved the state of a diverged step", lr, stderr)
		}
	}
}

// TestBitseq trains on bit sequences through the CLI: every algorithm with
// the environment's defaults runs, writes the test-set correlation and the
// progress plot, samples bit strings, evaluates, and resumes bit-identically
// (interrupted at a multiple of -test-every, where both runs measure the
// correlation).
func TestBitseq(t *testing.T) {
	base := []string{"-env", "bitseq", "-n", "16", "-k", "4", "-eval-every", "10", "-test-every", "20", "-quiet"}
	mlp := []string{"-policy", "mlp", "-hidden", "32"}
	tf := []string{"-dim", "8", "-heads", "2", "-layers", "1", "-ff", "8"} // the default -policy
	for _, loss := range [][]string{
		append([]string{"-loss", "tb"}, mlp...),
		append([]string{"-loss", "mdqn"}, mlp...),
		append([]string{"-loss", "subtb", "-pb", "tlm"}, mlp...),
		append([]string{"-loss", "softdqn", "-pb", "naive"}, mlp...),
		append([]string{"-loss", "tb", "-pb", "tlm"}, tf...),
		append([]string{"-loss", "mdqn"}, tf...),
	} {
		name := strings.Join(loss[1:], "-")
		t.Run(name, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			args := append(append([]string{}, base...), loss...)
			if code, _, stderr := gfnRun(t, append([]string{"train", "-out", a, "-iters", "60"}, args...)...); code != 0 {
				t.Fatal(stderr)
			}
			if code, _, stderr := gfnRun(t, append([]string{"train", "-out", b, "-iters", "40"}, args...)...); code != 0 {
				t.Fatal(stderr)
			}
			if code, _, stderr := gfnRun(t, "train", "-out", b, "-resume", "-iters", "60", "-eval-every", "10", "-test-every", "20", "-quiet"); code != 0 {
				t.Fatal(stderr)
			}
			ra, rb := checkMetrics(t, a), checkMetrics(t, b)
			if len(ra) != len(rb) || len(ra) != 7 {
				t.Fatalf("%d records against %d, want 7", len(ra), len(rb))
			}
			for i := range ra {
				for _, k := range []string{"iter", "loss", "modes", "mean_logr", "top_logr", "spearman", "logz"} {
					if ra[i][k] != rb[i][k] {
						t.Errorf("record %d: %s = %v uninterrupted, %v resumed", i, k, ra[i][k], rb[i][k])
					}
				}
			}
			last := ra[len(ra)-1]
			if _, ok := last["spearman"].(float64); !ok || last["l1"] != nil {
				t.Errorf("last record %v: want a spearman and no l1", last)
			}
			checkPNG(t, filepath.Join(a, progressPlotFile))
			code, stdout, stderr := gfnRun(t, "sample", "-checkpoint", a, "-n", "4")
			if code != 0 {
				t.Fatal(stderr)
			}
			for _, l := range strings.Fields(stdout) {
				if len(l) != 16 || strings.Trim(l, "01") != "" {
					t.Errorf("sample %q is not 16 bits", l)
				}
			}
			if code, stdout, stderr := gfnRun(t, "eval", "-checkpoint", a, "-json"); code != 0 || !strings.Contains(stdout, `"spearman"`) {
				t.Errorf("eval: exit %d, %s %s", code, stdout, stderr)
			}
			checkBitseqModelFile(t, a, slices.Contains(loss, "-dim"))
		})
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-env", "bitseq", "-ndim", "3"}, "-ndim applies only to -env hypergrid"},
		{[]string{"-n", "16"}, "-n applies only to -env bitseq"},
		{[]string{"-env", "bitseq", "-n", "12"}, "-n must be a multiple of 8"},
		{[]string{"-env", "bitseq", "-n", "16", "-k", "5"}, "-k must divide -n"},
		{[]string{"-env", "bitseq", "-modes", "mine"}, `unknown -modes "mine"`},
		{[]string{"-env", "bitseq", "-pb", "maxent"}, "-pb maxent needs an environment whose states can be enumerated"},
		{[]string{"-env", "bitseq", "-hidden", "32"}, "-hidden applies only to the MLPs"},
		{[]string{"-dim", "32"}, "-dim applies only to -policy transformer"},
		{[]string{"-policy", "transformer"}, "-policy transformer needs -env bitseq"},
		{[]string{"-env", "bitseq", "-policy", "cnn"}, `unknown -policy "cnn"`},
		{[]string{"-env", "bitseq", "-dim", "30", "-heads", "4"}, "-heads must divide -dim 30"},
		{[]string{"-env", "bitseq", "-pb", "separate"}, "-pb separate needs -policy mlp"},
	} {
		code, _, stderr := gfnRun(t, append([]string{"train", "-out", t.TempDir(), "-iters", "1", "-quiet"}, c.args...)...)
		checkOneLineError(t, c.args, code, stderr, c.want)
	}
}

// checkBitseqModelFile checks the model file of the bit-sequence run in
// dir, with a transformer or an MLP: gfn sample gives the checkpoint's bit
// strings, gfn eval its log Z and test-set correlations, and gfn serve
// answers with bit strings and names the network.
func checkBitseqModelFile(t *testing.T, dir string, transformer bool) {
	t.Helper()
	file := filepath.Join(dir, modelFile)
	_, fromCkpt, _ := gfnRun(t, "sample", "-checkpoint", dir, "-n", "6", "-seed", "3")
	code, fromModel, stderr := gfnRun(t, "sample", "-checkpoint", file, "-n", "6", "-seed", "3")
	if code != 0 || fromModel != fromCkpt {
		t.Errorf("sample of the model file: exit %d, %s\n%s\nthe checkpoint:\n%s", code, stderr, fromModel, fromCkpt)
	}
	var a, b map[string]any
	_, ej, _ := gfnRun(t, "eval", "-checkpoint", dir, "-json")
	json.Unmarshal([]byte(ej), &a)
	if code, ej, stderr = gfnRun(t, "eval", "-checkpoint", file, "-json"); code != 0 {
		t.Fatalf("eval of the model file: %s", stderr)
	}
	json.Unmarshal([]byte(ej), &b)
	// A learned P_B that is not the policy's (-pb naive for Soft DQN) is not
	// in the model file, which has no spearman_pb then.
	for _, k := range []string{"iter", "trajectories", "logz", "spearman", "spearman_pb"} {
		if _, ok := b[k]; (ok || k != "spearman_pb") && a[k] != b[k] {
			t.Errorf("%s: %v from the checkpoint, %v from the model file", k, a[k], b[k])
		}
	}
	ts := testServer(t, file, 10)
	code, body := get(t, ts.URL+"/sample?n=3&seed=2")
	var r struct {
		Samples []struct {
			X     string   `json:"x"`
			LogPF *float64 `json:"log_pf"`
		} `json:"samples"`
	}
	if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil || len(r.Samples) != 3 {
		t.Fatalf("serve: %d %v %s", code, err, body)
	}
	for _, s := range r.Samples {
		if len(s.X) != 16 || strings.Trim(s.X, "01") != "" || s.LogPF == nil || *s.LogPF > 0 {
			t.Errorf("serve: sample %+v", s)
		}
	}
	_, info := get(t, ts.URL+"/model")
	if got := strings.Contains(info, `"network":{`) && strings.Contains(info, `"name":"bitseq.transformer"`) &&
		strings.Contains(info, `"dim":"8"`); got != transformer {
		t.Errorf("/model (transformer %v): %s", transformer, info)
	}
}
