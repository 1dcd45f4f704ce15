package bitseq_test

import (
	"testing"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn"
)

// TestRebuild: every environment is rebuilt from its own settings, and bad
// settings are refused with the key named.
func TestRebuild(t *testing.T) {
	for _, c := range []bitseq.Config{{}, {N: 16, K: 4, NumModes: 6, Threshold: -1}, {N: 40, K: 4, RunSeed: true, Seed: 7, Beta: 3}} {
		e, err := bitseq.New(c)
		if err != nil {
			t.Fatal(err)
		}
		r, err := gfn.NewEnv(e.Describe())
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if r.(*bitseq.Env).Config() != e.Config() {
			t.Errorf("rebuilt %+v, want %+v", r.(*bitseq.Env).Config(), e.Config())
		}
	}
	e, _ := bitseq.New(bitseq.Config{})
	for _, bad := range []func([]gfn.Setting) []gfn.Setting{
		func(s []gfn.Setting) []gfn.Setting { return s[:len(s)-1] },
		func(s []gfn.Setting) []gfn.Setting { s[1].Value = "x"; return s },
		func(s []gfn.Setting) []gfn.Setting { s[2].Value = "7"; return s },
		func(s []gfn.Setting) []gfn.Setting { return append(s, gfn.Setting{Key: "n", Value: "8"}) },
	} {
		if _, err := bitseq.FromSettings(bad(e.Describe())); err == nil {
			t.Error("bad settings accepted")
		}
	}
}
