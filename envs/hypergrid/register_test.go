package hypergrid_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
)

// TestRebuild checks that gfn.NewEnv rebuilds a hypergrid from its
// settings, and refuses bad ones with an error naming the setting.
func TestRebuild(t *testing.T) {
	want := hypergrid.New(3, 5, hypergrid.Hard)
	env, err := gfn.NewEnv(want.Describe())
	if err != nil {
		t.Fatal(err)
	}
	if got := env.(*hypergrid.Env); got.D != 3 || got.H != 5 || got.R != hypergrid.Hard {
		t.Errorf("rebuilt %+v", got)
	}
	if !slices.Contains(gfn.RegisteredEnvs(), "hypergrid") {
		t.Error("not registered")
	}
	set := func(k, v string) []gfn.Setting {
		s := want.Describe()
		for i := range s {
			if s[i].Key == k {
				s[i].Value = v
			}
		}
		return s
	}
	for _, c := range []struct {
		settings []gfn.Setting
		msg      string
	}{
		{set("ndim", "0"), `ndim is "0"`},
		{set("ndim", "x"), `ndim is "x"`},
		{set("height", "1"), `height is "1"`},
		{set("height", "2000000"), `height is "2000000"`},
		{set("ndim", "1000"), "overflows"},
		{set("r0", "0"), `r0 is "0", want a finite number > 0`},
		{set("r1", "-1"), `r1 is "-1"`},
		{set("r2", "NaN"), `r2 is "NaN"`},
		{set("r2", "Inf"), `r2 is "Inf"`},
		{append(want.Describe(), gfn.Setting{Key: "colour", Value: "red"}), `unknown setting "colour"`},
		{append(want.Describe(), gfn.Setting{Key: "ndim", Value: "3"}), `"ndim" given twice`},
		{want.Describe()[:5], `"r2" is missing`},
		{set("r0", "1e-4"), ""}, // the same value written otherwise: rebuilt, but it describes itself as 0.0001
	} {
		_, err := gfn.NewEnv(c.settings)
		switch {
		case c.msg == "" && (err == nil || !strings.Contains(err.Error(), "did not rebuild")):
			t.Errorf("%v: %v, want a rebuild mismatch", c.settings, err)
		case c.msg != "" && (err == nil || !strings.Contains(err.Error(), c.msg)):
			t.Errorf("%v: %v, want an error naming %q", c.settings, err, c.msg)
		}
	}
	if got := want.FormatState(gfn.State{1, 2, 3}); !slices.Equal(got.([]int), []int{1, 2, 3}) {
		t.Errorf("FormatState: %v", got)
	}
}
