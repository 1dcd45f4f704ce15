package gfn

import (
	"fmt"
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
