package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressTerminal(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, tty: true, total: 100}
	logZ, loss := 1.5, 0.125
	p.evaluated(&record{Iter: 0, L1: 1.25, KL: 2, LogZ: &logZ, TrueLogZ: 2})
	p.step(10, 160, 500, 0.25)
	p.evaluated(&record{Iter: 20, Trajectories: 320, ItersPerSec: 600, Loss: &loss, L1: 0.5, KL: 0.25})
	p.done()
	out := b.String()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("a terminal gets one line, rewritten with \\r: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\r")[1:]
	if len(lines) != 3 {
		t.Fatalf("%d redraws, want 3: %q", len(lines), out)
	}
	if want := "iter  10/100   500 it/s  160 traj  loss 0.25  L1 1.2500  KL 2.0000  logZ 1.500/2.000"; lines[1] != want {
		t.Errorf("line\n%q, want\n%q", lines[1], want)
	}
	if len(lines[2]) < len(lines[1]) {
		t.Errorf("a shorter line must blank the rest of the longer one: %q", lines[2])
	}
}

func TestProgressPipe(t *testing.T) {
	var b bytes.Buffer
	loss := 0.125
	p := newProgress(&b, 100, false)
	p.step(10, 160, 500, 0.25) // nothing between evaluations
	p.evaluated(&record{Iter: 20, Trajectories: 320, ItersPerSec: 600, Loss: &loss, L1: 0.5, KL: 0.25})
	p.done()
	if want := "iter  20/100   600 it/s  320 traj  loss 0.125  L1 0.5000  KL 0.2500\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	q := newProgress(&b, 100, true)
	q.evaluated(&record{Iter: 20})
	if b.Len() != 0 {
		t.Errorf("-quiet printed %q", b.String())
	}
}

func TestSummary(t *testing.T) {
	logZ := 2.75
	r := &record{Trajectories: 32000, L1: 0.0123, KL: 0.0004, LogZ: &logZ, TrueLogZ: 2.7766}
	cfg := &config{Loss: "tb", NDim: 2, Height: 8, Reward: "standard"}
	got := summary(cfg, r, 2000, 12*time.Second, 200)
	want := "Trained TB on an 8×8 hypergrid (standard reward): 2000 iterations, 32000 trajectories, 12.0 s, 200 iterations/s.\n" +
		"The sampler's exact distribution is L1 = 0.0123 from the target (KL 0.0004): very close; " +
		"its learned log Z = 2.7500 against the true 2.7766 (off by 0.0266).\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	for grid, a := range map[string]string{"8×8": "an", "4×4": "a", "11×11": "an", "18^4": "an", "8-cell": "an", "110": "a", "80": "an", "1": "a"} {
		if article(grid) != a {
			t.Errorf("article(%q) = %q, want %q", grid, article(grid), a)
		}
	}
}
