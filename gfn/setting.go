package gfn

import (
	"fmt"
	"slices"
	"strconv"
)

// Setting is one named value of a configuration, as checkpoints and model
// files record it: a checkpoint refuses to load into a trainer whose settings
// differ, and names the setting.
type Setting struct{ Key, Value string }

// Describer is implemented by environments (and other parts of a run) that
// can list the parameters that define them. An environment's settings begin
// with its name, {"name", "hypergrid"} for example; two environments with
// the same settings must be the same environment.
type Describer interface {
	Describe() []Setting
}

// Describe returns the settings of env: its own (Describer), or else its Go
// type and its Spec, which tell environments apart less surely.
func Describe(env Env) []Setting {
	if d, ok := env.(Describer); ok {
		return d.Describe()
	}
	s := env.Spec()
	return []Setting{
		{"type", fmt.Sprintf("%T", env)},
		{"state_dim", strconv.Itoa(s.StateDim)},
		{"actions", strconv.Itoa(s.NumActions)},
		{"backward_actions", strconv.Itoa(s.NumBackward)},
		{"input_dim", strconv.Itoa(s.InputDim)},
		{"max_len", strconv.Itoa(s.MaxLen)},
		{"exit", strconv.FormatBool(s.Exit)},
		{"tree", strconv.FormatBool(s.Tree)},
	}
}

// SettingValues returns the values of keys in settings, in the order of
// keys, for a builder that reads settings back (an environment's
// FromSettings, a network's builder). keys[0] must be "name", and its value
// must be name. It returns an error naming the first key that is unknown,
// given twice or missing, or the wrong name. It panics if keys[0] is not
// "name".
func SettingValues(settings []Setting, name string, keys ...string) ([]string, error) {
	if len(keys) == 0 || keys[0] != "name" {
		panic("gfn: SettingValues without \"name\" as the first key")
	}
	vals := make([]string, len(keys))
	seen := make([]bool, len(keys))
	for _, s := range settings {
		i := slices.Index(keys, s.Key)
		switch {
		case i < 0:
			return nil, fmt.Errorf("unknown setting %q", s.Key)
		case seen[i]:
			return nil, fmt.Errorf("setting %q given twice", s.Key)
		}
		seen[i], vals[i] = true, s.Value
	}
	if i := slices.Index(seen, false); i >= 0 {
		return nil, fmt.Errorf("setting %q is missing", keys[i])
	}
	if vals[0] != name {
		return nil, fmt.Errorf("name is %q, want %q", vals[0], name)
	}
	return vals, nil
}
