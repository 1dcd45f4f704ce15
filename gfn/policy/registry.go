package policy

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/gogfn/gogfn/gfn"
)

// NetworkBuilder builds a Network for env from the settings that the
// network's Describe returned (its name included), with initial weights
// drawn from rng (a model file then overwrites them). It returns an error
// if env is not an environment the network is made for, or naming the first
// setting that is missing, repeated, unknown or out of range. The settings
// may come from a file: a builder must not panic on any of them, and must
// refuse sizes that would claim much memory before it allocates.
type NetworkBuilder func(env gfn.Env, settings []gfn.Setting, rng *rand.Rand) (Network, error)

var networks = struct {
	sync.RWMutex
	builders map[string]NetworkBuilder
}{builders: map[string]NetworkBuilder{}}

// RegisterNetwork makes the networks whose settings begin with
// {"name", name} buildable by NewNetwork, so that a model file can hold a
// policy (or a Q-function) whose network is not the MLP: the file keeps the
// network's settings (its gfn.Describer), and the program that reads it
// rebuilds the network by name. Packages of networks call it in an init
// function (envs/bitseq registers its Transformer as "bitseq.transformer"),
// so that importing the package registers it, as gfn.RegisterEnv does for
// environments. It is safe for concurrent use.
//
// It panics if name is empty, build is nil, or name is already registered.
func RegisterNetwork(name string, build NetworkBuilder) {
	if name == "" || build == nil {
		panic("policy: RegisterNetwork with an empty name or a nil builder")
	}
	networks.Lock()
	defer networks.Unlock()
	if _, ok := networks.builders[name]; ok {
		panic(fmt.Sprintf("policy: RegisterNetwork of %q twice", name))
	}
	networks.builders[name] = build
}

// RegisteredNetworks returns the names of the registered networks, sorted.
func RegisteredNetworks() []string {
	networks.RLock()
	defer networks.RUnlock()
	var names []string
	for n := range networks.builders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func builder(name string) NetworkBuilder {
	networks.RLock()
	defer networks.RUnlock()
	return networks.builders[name]
}

// NewNetwork builds the network for env that settings describe (as its
// Describe returned them), with initial weights drawn from rng: the builder
// registered under their "name" (RegisterNetwork) builds it, its own
// Describe must give the same settings back, and it must give outputs of
// the environment's shapes on s₀. The network is in evaluation mode.
//
// It returns an error if there is no name, no network of that name is
// registered (its package was not imported), the builder refuses the
// settings or env, the network describes itself otherwise, or it does not
// fit env.
func NewNetwork(env gfn.Env, settings []gfn.Setting, rng *rand.Rand) (Network, error) {
	name, ok := gfn.Lookup(settings, "name")
	if !ok {
		return nil, errors.New("policy: the network's settings have no name")
	}
	build := builder(name)
	if build == nil {
		return nil, fmt.Errorf("policy: no network named %q is registered (registered: %s): import the package that registers it",
			name, strings.Join(RegisteredNetworks(), ", "))
	}
	net, err := build(env, settings, rng)
	if err != nil {
		return nil, fmt.Errorf("policy: network %q: %w", name, err)
	}
	got, err := DescribeNetwork(net)
	if err != nil {
		return nil, fmt.Errorf("policy: the builder of %q: %w", name, err)
	}
	if err := gfn.DiffSettings(settings, got, "the settings", "the built network"); err != nil {
		return nil, fmt.Errorf("policy: the builder of %q did not rebuild its network: %w", name, err)
	}
	if err := checkNetwork(net, env, &Config{}); err != nil {
		return nil, err
	}
	net.SetTraining(nil)
	return net, nil
}

// DescribeNetwork returns the settings of net, from which NewNetwork
// rebuilds it: its own (net implements gfn.Describer), beginning with the
// name under which its builder is registered. It returns an error if net
// does not describe itself, its settings have no name, or no network of
// that name is registered.
func DescribeNetwork(net Network) ([]gfn.Setting, error) {
	d, ok := net.(gfn.Describer)
	if !ok {
		return nil, fmt.Errorf("policy: the %T network does not describe itself (gfn.Describer)", net)
	}
	ss := d.Describe()
	name, ok := gfn.Lookup(ss, "name")
	switch {
	case !ok || name == "":
		return nil, fmt.Errorf("policy: the %T network's settings have no name", net)
	case builder(name) == nil:
		return nil, fmt.Errorf("policy: no network named %q is registered (RegisterNetwork)", name)
	}
	return ss, nil
}
