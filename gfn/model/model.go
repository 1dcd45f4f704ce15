package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	_ "github.com/gogfn/gogfn/envs/bitseq" // the built-in environments register themselves
	_ "github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/modelfile"
	"github.com/gogfn/gogfn/nn"
)

// ErrFormat reports a model file that cannot be read: not a model file, a
// version this package does not read, a bad checksum, a length or value out
// of range, weights that do not fit the architecture or are not finite, an
// environment or a network that cannot be rebuilt.
var ErrFormat = errors.New("model: bad model file")

// ErrMismatch reports a model file whose environment is not the one given
// (Options.Env); the error names every setting that differs.
var ErrMismatch = errors.New("model: the model file does not match the environment")

// Model is a trained GFlowNet sampler, with everything needed to sample and
// evaluate it: its environment, its network (a policy.Policy, or a
// Q-function sampled from softmax(Q/λ)), its estimate of log Z and how it
// was trained. Load reads one from a model file, and train.Trainer.SaveModel
// writes one.
//
// The network is the MLP (policy.Policy.Net, *softrl.QNet), or a registered
// policy.Network (policy.RegisterNetwork), such as the bit-sequence
// transformer, as a policy's Network or as a Q-function (softrl.NetworkQ).
// A model file holds either; a Model made by hand may hold another
// softrl.QFunction (a softrl.QTable), which it evaluates but can neither
// write nor sample from.
//
// A Model's network keeps scratch buffers: use it (Evaluator) from one
// goroutine at a time. To sample from many goroutines, use a Sampler, which
// gives each of its workers a clone. Do not change the weights while a
// Sampler of the model makes clones.
type Model struct {
	Env gfn.Env
	// Policy is the network of a policy model, or nil.
	Policy *policy.Policy
	// Q and Lambda are the Q-function and temperature λ of a Q-network
	// model (Q nil for a policy model): a *softrl.QNet, or a
	// softrl.NetworkQ of a registered network.
	Q      softrl.QFunction
	Lambda float64
	// LogZ is the model's estimate of log Z (NaN when it has none).
	LogZ float64
	// Backward names the backward policy: "uniform" (P_B = 1 in a tree),
	// "tied" or "separate" (learned, part of Policy), or the Go type of a
	// fixed P_B that a model file does not hold, in which case log P_B is
	// not known to the model.
	Backward string
	// Provenance records how the model was trained: the algorithm's
	// settings, "iteration", "trained_trajectories", "seed"
	// and "toolkit" (train.Trainer.Provenance).
	Provenance []gfn.Setting
}

// Options configures Load and Read. The zero value (or nil) rebuilds the
// environment from the file.
type Options struct {
	// Env is the environment of the model. Nil rebuilds it from the settings
	// in the file, by name (gfn.NewEnv: the environment's package must be
	// imported; the hypergrid always is). When set, its settings
	// (gfn.Describe) must equal the file's: a file trained on another
	// environment is refused with an error wrapping ErrMismatch that names
	// every difference.
	Env gfn.Env
}

// Load reads the model file at path (see Read). It reads only a regular
// file, and at most as many bytes as it holds. A file that cannot be opened
// or read gives the *fs.PathError.
func Load(path string, opts *Options) (*Model, error) {
	f, err := modelfile.ReadFile(path)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		return nil, err // the file cannot be opened or read
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	m, err := build(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Read decodes a model file held in data. Every value is validated before
// it is used: the file's checksum and lengths, its architecture, the
// environment's settings (rebuilt or compared with opts.Env), the size of
// the weights against the architecture before anything is allocated (for a
// registered network, once its builder, which bounds the sizes it
// allocates, has built it from its settings), their shapes and checksum,
// and that every weight is finite. Errors wrap ErrFormat or ErrMismatch.
func Read(data []byte, opts *Options) (*Model, error) {
	f, err := modelfile.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	return build(f, opts)
}

// IsModelFile reports whether data begins as a model file does.
func IsModelFile(data []byte) bool { return modelfile.Sniff(data) }

func build(f *modelfile.File, opts *Options) (*Model, error) {
	var env gfn.Env
	if opts != nil && opts.Env != nil {
		env = opts.Env
		if err := gfn.DiffSettings(f.Env, gfn.Describe(env), "the file", "the environment given"); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMismatch, err)
		}
	} else {
		var err error
		if env, err = gfn.NewEnv(f.Env); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
	}
	if err := gfn.CheckEnv(env); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	m := &Model{Env: env, Lambda: f.Lambda, LogZ: f.LogZ, Backward: f.Backward, Provenance: f.Provenance}
	// Weights are drawn and then overwritten: the source does not matter.
	rng := rand.New(rand.NewPCG(0, 0))
	var net policy.Network
	if f.Network != nil {
		// The builder bounds the sizes it allocates (policy.NetworkBuilder).
		var err error
		if net, err = policy.NewNetwork(env, f.Network, rng); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
	} else if want := paramsBytes(networkShapes(f, env.Spec())); int64(len(f.Params)) != want {
		return nil, fmt.Errorf("%w: the weights take %d bytes, the architecture %d", ErrFormat, len(f.Params), want)
	}
	switch {
	case f.Kind == modelfile.KindQNet && net != nil:
		m.Q = softrl.NetworkQ{Net: net}
	case f.Kind == modelfile.KindQNet:
		sizes := append(append([]int{env.Spec().InputDim}, f.Hidden...), env.Spec().NumActions)
		m.Q = &softrl.QNet{Env: env, Net: nn.NewMLP(sizes, f.Act, rng)}
	default:
		cfg := policy.Config{Hidden: f.Hidden, Act: f.Act, Flow: f.Flow, Network: net}
		switch f.Backward {
		case "tied":
			cfg.PB = policy.TiedPB
		case "separate":
			cfg.PB = policy.SeparatePB
		}
		p, err := policy.New(env, cfg, rng)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		m.Policy = p
	}
	params := m.Params()
	if net != nil {
		if want := tensorsBytes(params); int64(len(f.Params)) != want {
			name, _ := gfn.Lookup(f.Network, "name")
			return nil, fmt.Errorf("%w: the weights take %d bytes, the %s network %d", ErrFormat, len(f.Params), name, want)
		}
	}
	if err := nn.ReadParams(bytes.NewReader(f.Params), params); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	for i, p := range params {
		for _, v := range p.Value.RawMatrix().Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%w: tensor %d of the weights holds %v", ErrFormat, i, v)
			}
		}
	}
	return m, nil
}

// networkShapes returns the [in, out] of every linear layer that the file's
// architecture has for spec, in the order of the model's parameters.
func networkShapes(f *modelfile.File, spec gfn.Spec) [][2]int64 {
	var ls [][2]int64
	chain := func(sizes ...int) {
		for i := 0; i+1 < len(sizes); i++ {
			ls = append(ls, [2]int64{int64(sizes[i]), int64(sizes[i+1])})
		}
	}
	trunk := append([]int{spec.InputDim}, f.Hidden...)
	last := f.Hidden[len(f.Hidden)-1]
	if f.Kind == modelfile.KindQNet {
		chain(append(trunk, spec.NumActions)...)
		return ls
	}
	chain(trunk...)
	chain(last, spec.NumActions)
	if f.Flow {
		chain(last, 1)
	}
	switch f.Backward {
	case "tied":
		chain(last, spec.NumBackward)
	case "separate":
		chain(append(trunk, spec.NumBackward)...)
	}
	return ls
}

// paramsBytes returns the size of the nn.WriteParams encoding of weights
// and biases of the layers: a 12-byte header, two shapes of 8 bytes and the
// values of each layer, and a 4-byte checksum.
func paramsBytes(layers [][2]int64) int64 {
	n := int64(16)
	for _, l := range layers {
		n += 16 + 8*(l[0]*l[1]+l[1])
	}
	return n
}

// tensorsBytes returns the size of the nn.WriteParams encoding of params:
// a 12-byte header, a shape of 8 bytes and the values of each tensor, and a
// 4-byte checksum.
func tensorsBytes(params []*autograd.Node) int64 {
	n := int64(16)
	for _, p := range params {
		r, c := p.Value.Dims()
		n += 8 + 8*int64(r)*int64(c)
	}
	return n
}

// Params returns the model's parameters, in the order a model file stores
// them.
func (m *Model) Params() []*autograd.Node {
	if m.Q != nil {
		return m.Q.Params()
	}
	return m.Policy.Params()
}

// Evaluator returns the model as a gfn.Evaluator (log P_F and log F of
// states), for exact evaluation (gfn.ExactDistribution): the policy itself,
// or the Boltzmann policy softmax(Q/λ) of the Q-network. It shares the
// model's network: use it from one goroutine at a time.
func (m *Model) Evaluator() gfn.Evaluator {
	if m.Q != nil {
		return &softrl.SoftPolicy{Env: m.Env, Q: m.Q, Lambda: m.Lambda}
	}
	return m.Policy
}

// Network returns the model's registered network: the Network of its
// policy, or of its Q-function (softrl.NetworkQ); nil for the MLP.
func (m *Model) Network() policy.Network {
	if q, ok := m.Q.(softrl.NetworkQ); ok {
		return q.Net
	}
	if m.Q == nil && m.Policy != nil {
		return m.Policy.Network()
	}
	return nil
}

// file returns the model as a model file's content.
func (m *Model) file() (*modelfile.File, error) {
	f := &modelfile.File{Env: gfn.Describe(m.Env), Kind: modelfile.KindPolicy, Backward: m.Backward,
		LogZ: m.LogZ, Provenance: m.Provenance}
	if net := m.Network(); net != nil {
		var err error
		if f.Network, err = policy.DescribeNetwork(net); err != nil {
			return nil, fmt.Errorf("model: a model file cannot hold the network: %w", err)
		}
	}
	switch q := m.Q.(type) {
	case nil:
	case *softrl.QNet:
		f.Kind, f.Hidden, f.Act, f.Lambda = modelfile.KindQNet, modelfile.Hidden(q.Net), q.Net.Act, m.Lambda
	case softrl.NetworkQ:
		f.Kind, f.Lambda = modelfile.KindQNet, m.Lambda
	default:
		return nil, fmt.Errorf("model: a model file holds a *softrl.QNet or a softrl.NetworkQ, not a %T", m.Q)
	}
	switch {
	case m.Q != nil:
	case m.Policy != nil:
		if m.Policy.Network() == nil {
			for _, l := range m.Policy.Net.Trunk.Layers {
				f.Hidden = append(f.Hidden, l.Out())
			}
			f.Act = m.Policy.Net.Trunk.Act
		}
		f.Flow = m.Policy.HasFlow()
		if m.Policy.Learned() {
			f.Backward = m.Policy.PB.String()
		}
	default:
		return nil, errors.New("model: a Model with neither Policy nor Q")
	}
	if f.Backward == "" {
		f.Backward = "uniform"
	}
	var err error
	f.Params, err = modelfile.Weights(m.Params())
	return f, err
}

// Write writes m to w as a model file.
func (m *Model) Write(w io.Writer) error {
	f, err := m.file()
	if err != nil {
		return err
	}
	return f.Write(w)
}

// Save writes m to path as a model file, atomically (nn.WriteFileAtomic).
func (m *Model) Save(path string) error { return nn.WriteFileAtomic(path, m.Write) }
