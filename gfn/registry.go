package gfn

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// EnvBuilder builds an environment from the settings its Describe returned
// (the name included). It returns an error naming the first setting that is
// missing, unknown or out of range; it must not panic on any settings, since
// they may come from a file.
type EnvBuilder func(settings []Setting) (Env, error)

var registry = struct {
	sync.RWMutex
	builders map[string]EnvBuilder
}{builders: map[string]EnvBuilder{}}

// RegisterEnv makes the environments whose settings begin with
// {"name", name} buildable by NewEnv, so that a model file can name its
// environment instead of the program that reads it rebuilding it by hand.
// Packages of environments call it in an init function (envs/hypergrid
// does), so that importing the package registers it; a program registers an
// environment of its own the same way. It is safe for concurrent use.
//
// It panics if name is empty, build is nil, or name is already registered.
func RegisterEnv(name string, build EnvBuilder) {
	if name == "" || build == nil {
		panic("gfn: RegisterEnv with an empty name or a nil builder")
	}
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.builders[name]; ok {
		panic(fmt.Sprintf("gfn: RegisterEnv of %q twice", name))
	}
	registry.builders[name] = build
}

// RegisteredEnvs returns the names of the registered environments, sorted.
func RegisteredEnvs() []string {
	registry.RLock()
	defer registry.RUnlock()
	var names []string
	for n := range registry.builders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewEnv builds the environment that settings describe (as Describe returned
// them): the builder registered under their "name" (RegisterEnv) builds it,
// and its own Describe must give the same settings back. It returns an error
// if there is no name, no environment of that name is registered (its
// package was not imported), the builder refuses the settings, or the
// environment it builds describes itself otherwise.
func NewEnv(settings []Setting) (Env, error) {
	name, ok := Lookup(settings, "name")
	if !ok {
		return nil, errorf("the environment's settings have no name (an environment must implement Describer to be rebuilt by name)")
	}
	registry.RLock()
	build := registry.builders[name]
	registry.RUnlock()
	if build == nil {
		return nil, errorf("no environment named %q is registered (registered: %s): import the package that registers it",
			name, strings.Join(RegisteredEnvs(), ", "))
	}
	env, err := build(settings)
	if err != nil {
		return nil, fmt.Errorf("gfn: environment %q: %w", name, err)
	}
	if err := DiffSettings(settings, Describe(env), "the settings", "the built environment"); err != nil {
		return nil, fmt.Errorf("gfn: the builder of %q did not rebuild its environment: %w", name, err)
	}
	return env, nil
}

// Lookup returns the value of the first setting with the given key.
func Lookup(settings []Setting, key string) (string, bool) {
	for _, s := range settings {
		if s.Key == key {
			return s.Value, true
		}
	}
	return "", false
}

// DiffSettings returns nil if a and b hold the same keys with the same
// values (in any order), or else an error that names every difference,
// calling the two sides aName and bName: "r0 is "0.001" in the file and
// "0.0001" in the environment given".
func DiffSettings(a, b []Setting, aName, bName string) error {
	var diffs []string
	for _, s := range a {
		v, ok := Lookup(b, s.Key)
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s is %q in %s and absent from %s", s.Key, s.Value, aName, bName))
		case v != s.Value:
			diffs = append(diffs, fmt.Sprintf("%s is %q in %s and %q in %s", s.Key, s.Value, aName, v, bName))
		}
	}
	for _, s := range b {
		if _, ok := Lookup(a, s.Key); !ok {
			diffs = append(diffs, fmt.Sprintf("%s is %q in %s and absent from %s", s.Key, s.Value, bName, aName))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s", strings.Join(diffs, "; "))
	}
	return nil
}

// Formatter is an Env whose objects have a readable form for people and
// for services that return them: a string (a sequence, a molecule's
// SMILES), or any value that encoding/json marshals. Without it, a state is
// shown as its vector of integers.
type Formatter interface {
	Env
	// FormatState returns the readable form of s. The value must not alias
	// s, and the method must be safe for concurrent use.
	FormatState(s State) any
}
