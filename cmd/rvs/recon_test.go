package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/autograd"
)

func TestSceneRenderOneDisc(t *testing.T) {
	sc := scene{discs: []disc{{x: 0, y: 0, r: 0.5, sigma: 3, col: [3]float64{1, 0.5, 0}}}, bg: [3]float64{0, 0, 1}}
	for _, y := range []float64{0, 0.3, 0.49, 0.6} {
		got := sc.render([2]float64{-2, y}, [2]float64{1, 0}, near, far)
		chordLen := 2 * math.Sqrt(max(0, 0.25-y*y))
		a := -math.Expm1(-3 * chordLen)
		want := [3]float64{a, 0.5 * a, 1 - a}
		for ch := range got {
			if math.Abs(got[ch]-want[ch]) > 1e-12 {
				t.Errorf("y = %v: colour %v, want %v", y, got, want)
			}
		}
	}
	// Two overlapping discs of the same colour add their densities.
	two := scene{discs: []disc{{x: 0, y: 0, r: 0.5, sigma: 1, col: [3]float64{1, 1, 1}}, {x: 0, y: 0, r: 0.5, sigma: 2, col: [3]float64{1, 1, 1}}}}
	if got, want := two.render([2]float64{-2, 0}, [2]float64{1, 0}, near, far)[0], -math.Expm1(-3); math.Abs(got-want) > 1e-12 {
		t.Errorf("overlapping discs: %v, want %v", got, want)
	}
}

func TestCamerasSeeTheScene(t *testing.T) {
	o, d := camera{angle: 1}.rays(16)
	for i := range o {
		if math.Abs(math.Hypot(d[i][0], d[i][1])-1) > 1e-12 {
			t.Fatalf("direction %v is not a unit vector", d[i])
		}
	}
	// The middle rays pass near the origin, at depth ≈ camRadius.
	mid := [2]float64{o[8][0] + camRadius*d[8][0], o[8][1] + camRadius*d[8][1]}
	if math.Hypot(mid[0], mid[1]) > 0.1 {
		t.Errorf("the middle ray passes %v from the origin", math.Hypot(mid[0], mid[1]))
	}
}

// TestHierarchicalGradients checks where the gradients of the hierarchical
// losses go: RVS trains its density-only proposal through the sample
// positions alone; NeRF's coarse field is trained by its own image loss.
func TestHierarchicalGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cfg := reconConfig{Hidden: 8, Freqs: 2, Knots: 8, Fine: 6}
	sc := &defaultScene
	rd := sc.views(2, 0, 4)
	for _, name := range []string{"hier-rvs", "hier-frozen", "hier-base"} {
		spec, err := parseMethod(name, &cfg)
		if err != nil {
			t.Fatal(err)
		}
		m := spec.build(&cfg, rng)
		var tp autograd.Tape
		b := fillBatch(&tp, &rd, []int{0, 1, 2, 3, 4, 5, 6, 7}, sc.bg)
		tp.Backward(m.loss(&tp, b, rng))
		base, slow := m.params()
		fields, _ := m.fields()
		coarse := fields[0].params()
		var g float64
		for _, p := range coarse {
			for _, v := range p.Grad.RawMatrix().Data {
				g += v * v
			}
		}
		if g == 0 {
			t.Errorf("%s: no gradient reaches the proposal", name)
		}
		trained := len(base) + len(slow)
		switch name {
		case "hier-frozen":
			if slow != nil || trained != len(fields[1].params()) {
				t.Errorf("hier-frozen trains %d tensors, want the fine field's %d", trained, len(fields[1].params()))
			}
		default:
			if trained != len(coarse)+len(fields[1].params()) {
				t.Errorf("%s trains %d tensors, want %d", name, trained, len(coarse)+len(fields[1].params()))
			}
		}
	}
}

// TestCommands runs both commands end to end at a tiny scale.
func TestCommands(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"study", "-out", dir, "-repeats", "8", "-kmax", "4", "-knots", "32", "-seeds", "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("study exited %d: %s", code, stderr.String())
	}
	if code := run([]string{"recon", "-out", dir, "-seeds", "2", "-steps", "4", "-batch", "8", "-hidden", "4", "-freqs", "1",
		"-knots", "4", "-fine", "4", "-views", "3", "-test-views", "2", "-width", "6", "-evals", "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("recon exited %d: %s", code, stderr.String())
	}
	for _, f := range []string{"study.png", "study.md", "study.csv", "study_seeds.md", "recon.md", "runs.jsonl", "psnr.png", "density.png", "views.png"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	table, _ := os.ReadFile(filepath.Join(dir, "recon.md"))
	for _, m := range strings.Split(defaultMethods, ",") {
		if !strings.Contains(string(table), "| "+m+" |") {
			t.Errorf("recon.md has no row for %s", m)
		}
	}
	for _, args := range [][]string{{"nonsense"}, {"recon", "-methods", "quad0"}, {"recon", "-steps", "0"}, {"study", "-interp", "cubic"}} {
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v exited %d, want 2", args, code)
		}
	}
}
