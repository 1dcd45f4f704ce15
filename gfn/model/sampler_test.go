package model_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
)

// TestSamplerConcurrent draws 80,000 objects from one Sampler in 8
// goroutines at once (run it with -race) and compares their distribution
// with the model's exact one. The L1 distance of an empirical distribution
// of N draws over K = 64 states has mean at most √(K/N) = 0.028, and moves
// by at most 2/N when one draw changes, so (McDiarmid) it exceeds its mean
// by 0.022 with probability below exp(−N·0.022²/2) ≈ 4·10⁻⁹: the bound 0.05
// fails only for a sampler that draws from another distribution.
func TestSamplerConcurrent(t *testing.T) {
	m := reload(t, trainTB(t, grid(), small, 100), nil)
	want := exact(t, m)
	s := model.NewSampler(m, model.SamplerConfig{Workers: 4, Seed: 1})
	const goroutines, calls, n = 8, 1000, 10
	counts := make([][]int, goroutines)
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[g] = make([]int, len(want))
			var rng *rand.Rand // half the goroutines use the workers' own sources
			if g%2 == 0 {
				rng = rand.New(rand.NewPCG(uint64(g), 7))
			}
			var out model.Samples
			for range calls {
				if err := s.Sample(&out, n, rng); err != nil {
					errs[g] = err
					return
				}
				for i := 0; i < out.N; i++ {
					counts[g][grid().Index(out.State(i))]++
				}
			}
		}()
	}
	wg.Wait()
	emp := make([]float64, len(want))
	for g := range goroutines {
		if errs[g] != nil {
			t.Fatal(errs[g])
		}
		for i, c := range counts[g] {
			emp[i] += float64(c) / (goroutines * calls * n)
		}
	}
	if d := gfn.Compare(emp, want); d.L1 > 0.05 {
		t.Errorf("L1(empirical, exact) = %.4f over %d draws, want ≤ 0.05", d.L1, goroutines*calls*n)
	} else {
		t.Logf("L1(empirical, exact) = %.4f over %d draws", d.L1, goroutines*calls*n)
	}
}

// TestSamplerDeterministic checks that the same random state gives the
// same objects, whichever worker runs the call and whatever runs beside
// it, and that the caller owns the result.
func TestSamplerDeterministic(t *testing.T) {
	m := reload(t, trainTB(t, grid(), small, 20), nil)
	draw := func(s *model.Sampler, seed uint64) model.Samples {
		var out model.Samples
		if err := s.Sample(&out, 25, rand.New(rand.NewPCG(seed, seed))); err != nil {
			t.Fatal(err)
		}
		return out
	}
	one := model.NewSampler(m, model.SamplerConfig{Workers: 1})
	ref := draw(one, 5)
	kept := slices.Clone(ref.States)
	_ = draw(one, 6) // the next call must not write into ref
	if !slices.Equal(ref.States, kept) {
		t.Fatal("a later Sample changed an earlier result")
	}
	many := model.NewSampler(m, model.SamplerConfig{Workers: 3})
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := draw(many, 5)
			if !slices.Equal(got.States, ref.States) || !slices.Equal(got.LogPF, ref.LogPF) {
				t.Error("the same seed gave other samples")
			}
		}()
	}
	wg.Wait()
}

// TestFreshProcess saves a model, samples it in this process and in a new
// one (this test binary, run again), and compares: the same seed gives the
// same objects and log-probabilities, to the bit.
func TestFreshProcess(t *testing.T) {
	if path := os.Getenv("GOGFN_MODEL_CHILD"); path != "" {
		fmt.Print(sampleText(t, path))
		return
	}
	path := filepath.Join(t.TempDir(), "model.gfn")
	if err := trainTB(t, grid(), small, 20).SaveModel(path); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFreshProcess$")
	cmd.Env = append(os.Environ(), "GOGFN_MODEL_CHILD="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	want := sampleText(t, path)
	if got, _, _ := strings.Cut(string(out), "PASS"); got != want {
		t.Errorf("the new process sampled\n%s\nthis one\n%s", got, want)
	}
}

// sampleText loads the model at path and returns 20 samples of seed 9 as
// text, with their log-probabilities' bits.
func sampleText(t *testing.T, path string) string {
	m, err := model.Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out model.Samples
	if err := model.NewSampler(m, model.SamplerConfig{}).Sample(&out, 20, rand.New(rand.NewPCG(9, 9))); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := 0; i < out.N; i++ {
		fmt.Fprintf(&b, "%v %x %x\n", out.State(i), out.LogPF[i], out.LogPB[i])
	}
	return b.String()
}
