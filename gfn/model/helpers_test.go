package model_test

import (
	"bytes"
	"hash/crc32"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
	"github.com/gogfn/gogfn/nn"
)

// trainTB trains trajectory balance on env for iters iterations with a
// small policy and returns the trainer.
func trainTB(t testing.TB, env gfn.Env, cfg policy.Config, iters int) *train.Trainer {
	t.Helper()
	tr, err := train.New(train.Config{Env: env, Seed: 3,
		Algorithm: &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: cfg, Epsilon: 0.05}})
	if err != nil {
		t.Fatal(err)
	}
	traintest.Run(t, tr, iters)
	return tr
}

// small is the policy of most tests: two tanh layers of 32 (tanh, so that a
// loader that assumed ReLU would be caught).
var small = policy.Config{Hidden: []int{32, 32}, Act: nn.Tanh}

// grid is the 8×8 hypergrid of the papers.
func grid() *hypergrid.Env { return hypergrid.New(2, 8, hypergrid.Standard) }

// reload writes the trainer's model file and reads it back.
func reload(t testing.TB, tr *train.Trainer, opts *model.Options) *model.Model {
	t.Helper()
	var b bytes.Buffer
	if err := tr.WriteModel(&b); err != nil {
		t.Fatal(err)
	}
	m, err := model.Read(b.Bytes(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// exact returns the exact terminal distribution of the model.
func exact(t testing.TB, m *model.Model) []float64 {
	t.Helper()
	p, err := gfn.ExactDistribution(m.Env.(gfn.Enumerable), m.Evaluator())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// crc is the checksum of the parameter and model files.
func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
