package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestMCTSFlagErrors checks the tree-search flags that make no sense.
func TestMCTSFlagErrors(t *testing.T) {
	useFake(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "-mcts", "sometimes"}, `unknown -mcts "sometimes"`},
		{[]string{"train", "-loss", "tb", "-mcts", "all"}, "-mcts applies only to -loss softdqn"},
		{[]string{"train", "-loss", "mdqn", "-mcts", "all"}, "-mcts applies only to -loss softdqn"},
		{[]string{"train", "-loss", "softdqn", "-mcts-rollouts", "8"}, "-mcts-rollouts applies only with -mcts"},
		{[]string{"train", "-loss", "softdqn", "-mcts-true-reward"}, "-mcts-true-reward applies only with -mcts"},
		{[]string{"train", "-loss", "softdqn", "-mcts", "all", "-mcts-rollouts", "0"}, "-mcts-rollouts must be in [1, 4096]"},
		{[]string{"train", "-loss", "softdqn", "-mcts", "all", "-mcts-eps", "-1"}, "-mcts-eps must be positive"},
		{[]string{"train", "-loss", "softdqn", "-mcts", "all", "-pb", "tlm"}, "-mcts takes a fixed backward policy"},
		{[]string{"train", "-env", "bitseq", "-loss", "softdqn", "-mcts", "all"}, "-mcts trains an MLP Q-network"},
		{[]string{"train", "-loss", "softdqn", "-mcts", "all", "-epsilon", "0.1"}, "-epsilon does not apply with -mcts"},
		{[]string{"sample", "-checkpoint", dir, "-mcts-eps", "0.1"}, "-mcts-eps and -mcts-true-reward need -mcts-rollouts"},
	} {
		code, _, stderr := gfnRun(t, tc.args...)
		checkOneLineError(t, tc.args, code, stderr, tc.want)
	}
}

// TestMCTSTrainSample trains each tree-search mode for a few iterations on
// the real library, checks that config.json records the search, resumes,
// and samples through tree search from it and from models of other losses.
func TestMCTSTrainSample(t *testing.T) {
	for _, mode := range []string{"all", "train", "inference", "off"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"train", "-loss", "softdqn", "-mcts", mode, "-mcts-rollouts", "3", "-height", "4",
				"-hidden", "16", "-eval-every", "10", "-out", dir}
			if code, _, stderr := gfnRun(t, append(args, "-iters", "20")...); code != 0 {
				t.Fatalf("train: exit %d: %s", code, stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			var c config
			if err := json.Unmarshal(b, &c); err != nil || c.MCTS != mode || c.MCTSRollouts != 3 || c.MCTSEps != 0.01 {
				t.Fatalf("config.json: %+v (%v)", c, err)
			}
			if code, _, stderr := gfnRun(t, "train", "-resume", "-out", dir, "-iters", "30", "-eval-every", "10"); code != 0 {
				t.Fatalf("resume: exit %d: %s", code, stderr)
			}
			if rs := checkMetrics(t, dir); len(rs) != 4 {
				t.Errorf("%d records after resuming, want 4", len(rs))
			}
			code, stdout, stderr := gfnRun(t, "sample", "-checkpoint", dir, "-n", "7", "-mcts-rollouts", "5", "-mcts-eps", "0.05")
			if code != 0 {
				t.Fatalf("sample: exit %d: %s", code, stderr)
			}
			checkSamples(t, stdout, 7, 2, 4)
		})
	}
	for _, loss := range []string{"tb", "db", "mdqn"} {
		t.Run(loss, func(t *testing.T) {
			dir := t.TempDir()
			if code, _, stderr := gfnRun(t, "train", "-loss", loss, "-height", "4", "-hidden", "16", "-iters", "10",
				"-out", dir); code != 0 {
				t.Fatalf("train: exit %d: %s", code, stderr)
			}
			code, stdout, stderr := gfnRun(t, "sample", "-checkpoint", dir, "-n", "6", "-mcts-rollouts", "4", "-mcts-true-reward")
			if code != 0 {
				t.Fatalf("sample: exit %d: %s", code, stderr)
			}
			checkSamples(t, stdout, 6, 2, 4)
		})
	}
}

// TestMCTSConfigWithout checks that a run without -mcts keeps no tree-search
// settings in config.json.
func TestMCTSConfigWithout(t *testing.T) {
	f, err := parseTrainFlags([]string{"-loss", "softdqn"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(&f.config)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"mcts", "mcts_rollouts", "mcts_eps", "mcts_true_reward"} {
		if _, ok := m[k]; ok {
			t.Errorf("config.json of a run without -mcts holds %s", k)
		}
	}
}
