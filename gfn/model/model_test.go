package model_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
)

// TestSaveLoad checks that a saved model loads as the same model: the same
// exact distribution bit for bit (a tanh policy, which a loader assuming
// ReLU would get wrong), log Z and provenance, and the same file again.
func TestSaveLoad(t *testing.T) {
	for _, pb := range []policy.PBKind{policy.FixedPB, policy.TiedPB, policy.SeparatePB} {
		t.Run(pb.String(), func(t *testing.T) {
			cfg := small
			cfg.PB = pb
			tr := trainTB(t, grid(), cfg, 30)
			path := filepath.Join(t.TempDir(), "model.gfn")
			if err := tr.SaveModel(path); err != nil {
				t.Fatal(err)
			}
			m, err := model.Load(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := gfn.ExactDistribution(grid(), tr.Algorithm().Model())
			if err != nil {
				t.Fatal(err)
			}
			if got := exact(t, m); !slices.Equal(got, want) {
				t.Errorf("the loaded model's exact distribution differs: L1 %g", gfn.Compare(got, want).L1)
			}
			if m.LogZ != tr.LogZ() {
				t.Errorf("log Z %v, want %v", m.LogZ, tr.LogZ())
			}
			if v, _ := gfn.Lookup(m.Provenance, "iteration"); v != "30" {
				t.Errorf("provenance iteration %q", v)
			}
			if v, _ := gfn.Lookup(m.Provenance, "seed"); v != "3" {
				t.Errorf("provenance seed %q", v)
			}
			if m.Policy.Net.Trunk.Act != small.Act || m.Policy.PB != pb {
				t.Errorf("architecture: %v, %v", m.Policy.Net.Trunk.Act, m.Policy.PB)
			}
			again := filepath.Join(t.TempDir(), "again.gfn")
			if err := m.Save(again); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(path)
			b, _ := os.ReadFile(again)
			if !slices.Equal(a, b) {
				t.Error("saving the loaded model gives another file")
			}
		})
	}
}

// TestSoftDQNModel checks a Q-network model: the loaded model's Boltzmann
// policy has the trained one's exact distribution, and its λ.
func TestSoftDQNModel(t *testing.T) {
	alg := &softrl.DQN{Hidden: []int{16}, Alpha: softrl.MunchausenAlpha, LearningStarts: -1, BatchSize: 32, Capacity: 1000}
	tr, err := train.New(train.Config{Env: grid(), Algorithm: alg, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	traintest.Run(t, tr, 10)
	m := reload(t, tr, nil)
	if m.Q == nil || m.Lambda != alg.Lambda() {
		t.Fatalf("Q %v, λ %v", m.Q, m.Lambda)
	}
	want, err := gfn.ExactDistribution(grid(), alg.Model())
	if err != nil {
		t.Fatal(err)
	}
	if got := exact(t, m); !slices.Equal(got, want) {
		t.Errorf("exact distribution differs: L1 %g", gfn.Compare(got, want).L1)
	}
	if m.LogZ != alg.LogZ() {
		t.Errorf("log Z %v, want %v", m.LogZ, alg.LogZ())
	}
}

// TestEnvMismatch checks that a model trained on the standard reward is
// refused on the hard one, with every difference named, and accepted on
// an equal environment.
func TestEnvMismatch(t *testing.T) {
	tr := trainTB(t, grid(), small, 1)
	_ = reload(t, tr, &model.Options{Env: grid()})
	var b strings.Builder
	if err := tr.WriteModel(&b); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  gfn.Env
		want []string
	}{
		{hypergrid.New(2, 8, hypergrid.Hard), []string{`r0 is "0.001" in the file and "0.0001" in the environment given`, "r1", "r2"}},
		{hypergrid.New(2, 9, hypergrid.Standard), []string{`height is "8" in the file and "9"`}},
		{stranger{grid()}, []string{`name is "hypergrid" in the file and absent`, "type is"}},
	} {
		_, err := model.Read([]byte(b.String()), &model.Options{Env: c.env})
		if !errors.Is(err, model.ErrMismatch) {
			t.Errorf("%v: %v, want ErrMismatch", c.env, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not name %q", err, w)
			}
		}
	}
}

// stranger is a hypergrid that does not describe itself.
type stranger struct{ gfn.Env }

// TestTreeLogProb checks log P_F(τ) on a one-dimensional hypergrid, a tree
// (each state has one parent), where it is the exact log-probability of x.
func TestTreeLogProb(t *testing.T) {
	env := hypergrid.New(1, 8, hypergrid.Standard)
	m := reload(t, trainTB(t, env, small, 20), nil)
	p := exact(t, m)
	s := model.NewSampler(m, model.SamplerConfig{})
	var out model.Samples
	if err := s.Sample(&out, 50, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < out.N; i++ {
		x := out.State(i)
		if want := math.Log(p[env.Index(x)]); math.Abs(out.LogProb(i)-want) > 1e-12 || out.LogPB[i] != 0 {
			t.Fatalf("x = %v: log P_F(τ) − log P_B = %v − %v, want log p(x) = %v", x, out.LogPF[i], out.LogPB[i], want)
		}
		if out.LogReward[i] != env.LogReward(x) || out.Len[i] != x[0]+1 {
			t.Fatalf("x = %v: log R %v, %d actions", x, out.LogReward[i], out.Len[i])
		}
	}
}
