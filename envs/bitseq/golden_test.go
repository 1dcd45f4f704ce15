package bitseq

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// golden is testdata/numpy_golden.json, written by numpy_golden.py beside it
// with real numpy.
type golden struct {
	Key42         []uint32                     `json:"key42"`
	Raw           map[string]map[string]uint32 `json:"raw"`
	Choice5Seed3  []int                        `json:"choice5_seed3"`
	Perm10Seed5   []int                        `json:"perm10_seed5"`
	Subset120Seed []int                        `json:"subset120_7_seed5"`
	Modes120      []string                     `json:"modes120_seed42"`
	Cases         []struct {
		N           int               `json:"n"`
		Seed        uint32            `json:"seed"`
		ModesSHA    string            `json:"modes_sha256"`
		TestSize    int               `json:"test_size"`
		TestSHA     string            `json:"test_sha256"`
		TestDistSHA string            `json:"test_dist_sha256"`
		Samples     map[string]string `json:"test_samples"`
	} `json:"cases"`
}

func readGolden(t *testing.T) *golden {
	t.Helper()
	b, err := os.ReadFile("testdata/numpy_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

func sha(lines []string) string {
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:])
}

func TestMT19937AgainstNumpy(t *testing.T) {
	g := readGolden(t)
	var r mt19937
	r.seed(42)
	if got := r.key[:4]; !slices.Equal(got, g.Key42) {
		t.Errorf("state after seed(42) = %v, numpy %v", got, g.Key42)
	}
	for seed, want := range g.Raw {
		s, _ := strconv.Atoi(seed)
		r.seed(uint32(s))
		out := make([]uint32, 1300)
		for i := range out {
			out[i] = r.uint32()
		}
		for i, v := range want {
			j, _ := strconv.Atoi(i)
			if out[j] != v {
				t.Errorf("seed %d: output %d = %d, numpy %d", s, j, out[j], v)
			}
		}
	}
	r.seed(3)
	for i, want := range g.Choice5Seed3 {
		if got := r.choice(5); got != want {
			t.Fatalf("seed 3: choice(H) number %d = %d, numpy %d", i, got, want)
		}
	}
	r.seed(5)
	perm := make([]int, 10)
	r.permutation(perm)
	if !slices.Equal(perm, g.Perm10Seed5) {
		t.Errorf("permutation(10) = %v, numpy %v", perm, g.Perm10Seed5)
	}
	perm = make([]int, 120)
	r.permutation(perm)
	if !slices.Equal(perm[:7], g.Subset120Seed) {
		t.Errorf("choice(120, 7, replace=False) = %v, numpy %v", perm[:7], g.Subset120Seed)
	}
}

func TestModesAndTestSetAgainstNumpy(t *testing.T) {
	g := readGolden(t)
	e := mustNew(t, Config{})
	modes := modeStrings(e)
	if !slices.Equal(modes, g.Modes120) {
		t.Errorf("default modes differ from numpy's seed 42; first: %s, numpy %s", modes[0], g.Modes120[0])
	}
	for _, c := range g.Cases {
		for _, k := range []int{8, 4, 2} {
			if c.N%k != 0 {
				continue
			}
			e := mustNew(t, Config{N: c.N, K: k, RunSeed: true, Seed: c.Seed})
			if got := sha(modeStrings(e)); got != c.ModesSHA {
				t.Errorf("n=%d k=%d seed %d: modes differ from numpy's", c.N, k, c.Seed)
			}
			ts := e.TestSet()
			if ts.Len() != c.TestSize {
				t.Errorf("n=%d k=%d seed %d: test set of %d, numpy %d", c.N, k, c.Seed, ts.Len(), c.TestSize)
			}
			xs := make([]string, ts.Len())
			ds := make([]string, ts.Len())
			for i, x := range ts.X {
				xs[i] = e.Bits(x)
				ds[i] = strconv.Itoa(e.Distance(x))
			}
			for i, want := range c.Samples {
				j, _ := strconv.Atoi(i)
				if xs[j] != want {
					t.Errorf("n=%d k=%d seed %d: test object %d = %s, numpy %s", c.N, k, c.Seed, j, xs[j], want)
				}
			}
			if sha(xs) != c.TestSHA {
				t.Errorf("n=%d k=%d seed %d: test set differs from numpy's", c.N, k, c.Seed)
			}
			if sha(ds) != c.TestDistSHA {
				t.Errorf("n=%d k=%d seed %d: test-set distances differ from numpy's", c.N, k, c.Seed)
			}
		}
	}
}

func modeStrings(e *Env) []string {
	s := make([]int, e.NumSlots())
	out := make([]string, e.NumModes())
	for m := range out {
		e.Mode(s, m)
		out[m] = e.Bits(s)
	}
	return out
}

func mustNew(t testing.TB, c Config) *Env {
	t.Helper()
	e, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
