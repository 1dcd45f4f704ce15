package gfn_test

import (
	"strings"
	"testing"

	"github.com/gogfn/gogfn/gfn"
)

func TestRegistry(t *testing.T) {
	gfn.RegisterEnv("words-test", func(s []gfn.Setting) (gfn.Env, error) { return words{}, nil })
	for _, c := range []struct {
		settings []gfn.Setting
		want     string
	}{
		{nil, "no name"},
		{[]gfn.Setting{{Key: "name", Value: "chess"}}, `no environment named "chess"`},
		// words does not describe itself, so it is not the environment asked for.
		{[]gfn.Setting{{Key: "name", Value: "words-test"}}, `name is "words-test" in the settings and absent from the built environment`},
	} {
		if _, err := gfn.NewEnv(c.settings); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.settings, err, c.want)
		}
	}
	for name, f := range map[string]func(){
		"twice":   func() { gfn.RegisterEnv("words-test", func([]gfn.Setting) (gfn.Env, error) { return nil, nil }) },
		"no name": func() { gfn.RegisterEnv("", func([]gfn.Setting) (gfn.Env, error) { return nil, nil }) },
		"nil":     func() { gfn.RegisterEnv("x", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterEnv %s did not panic", name)
				}
			}()
			f()
		}()
	}
	err := gfn.DiffSettings([]gfn.Setting{{"a", "1"}, {"b", "2"}}, []gfn.Setting{{"b", "3"}, {"c", "4"}}, "A", "B")
	if err == nil || err.Error() != `a is "1" in A and absent from B; b is "2" in A and "3" in B; c is "4" in B and absent from A` {
		t.Errorf("DiffSettings: %v", err)
	}
}
