// Package modelfile is the encoding of the toolkit's model file: what
// package gfn/model loads, and what the training algorithms write. It holds
// data only (settings, an architecture, encoded weights), so that the
// algorithms that write it and the package that builds models from it do not
// import each other.
//
// Format, version 2. Integers are little-endian 64-bit (internal/wire);
// strings, lists and byte sections are a length followed by their contents.
//
//	magic "GFNM", version (uint32)
//	environment settings: a count, then each key and value
//	kind: "policy" or "qnet"
//	network settings: a count, then each key and value; none for the MLP,
//	    else the registered network's own (policy.DescribeNetwork),
//	    beginning with its name
//	hidden widths: a count, then each width (none with a network)
//	activation: its name ("relu", "tanh", "leakyrelu", "sigmoid"; "" with
//	    a network)
//	backward policy: "uniform", "tied", "separate", or the Go type of a
//	    fixed P_B that the file does not hold
//	flow head: 0 or 1
//	λ (float64 bits): the Q-network's temperature; 0 for a policy
//	log Z (float64 bits): the model's estimate, NaN when it has none
//	provenance: a count, then each key and value
//	weights: a byte section in nn.WriteParams's format (checksummed itself)
//	CRC-32 (IEEE, uint32) of every byte above
//
// Version 1, which Decode still reads, is version 2 without the network
// settings: its models are all MLPs.
package modelfile

import (
	"bytes"

	"encoding/binary"
	"errors"
	"fmt"
	"github.com/gogfn/gogfn/autograd"
	"hash/crc32"
	"io"
	"math"
	"os"
	"runtime/debug"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/wire"
	"github.com/gogfn/gogfn/nn"
)

// The kinds of model a file holds.
const (
	KindPolicy = "policy" // a policy.Policy
	KindQNet   = "qnet"   // a softrl.QNet, sampled from softmax(Q/λ)
)

// Format constants and the bounds that keep a corrupt file from claiming
// much memory.
const (
	Magic       = "GFNM"
	Version     = 2       // the version Encode writes; Decode reads 1 and 2
	MaxBytes    = 1 << 34 // a file
	MaxSettings = 1 << 12 // settings in a list
	MaxString   = 1 << 16 // a key or value
	MaxLayers   = 64      // hidden layers
	MaxWidth    = 1 << 16 // a hidden width
)

// File is the content of a model file.
type File struct {
	Env        []gfn.Setting // the environment's settings (gfn.Describe)
	Kind       string        // KindPolicy or KindQNet
	Network    []gfn.Setting // a registered network's settings, name first; nil for the MLP
	Hidden     []int         // hidden widths of the MLP (nil with a network)
	Act        nn.Activation // activation between the MLP's layers (ignored with a network)
	Backward   string        // "uniform", "tied", "separate", or a fixed P_B's type
	Flow       bool          // a log-flow head (policies)
	Lambda     float64       // λ of a Q-network (0 for a policy)
	LogZ       float64       // the model's log Z, NaN when it has none
	Provenance []gfn.Setting // how the model was trained
	Params     []byte        // the weights, in nn.WriteParams's format
}

// Encode returns the file's bytes.
func (f *File) Encode() []byte {
	e := binary.LittleEndian.AppendUint32([]byte(Magic), Version)
	e = appendSettings(e, f.Env)
	e = wire.AppendString(e, f.Kind)
	e = appendSettings(e, f.Network)
	e = wire.AppendInts(e, f.Hidden)
	act := f.Act.String()
	if len(f.Network) > 0 {
		act = ""
	}
	e = wire.AppendString(e, act)
	e = wire.AppendString(e, f.Backward)
	flow := 0
	if f.Flow {
		flow = 1
	}
	e = wire.AppendInt(e, flow)
	e = wire.AppendFloat(e, f.Lambda)
	e = wire.AppendFloat(e, f.LogZ)
	e = appendSettings(e, f.Provenance)
	e = wire.AppendBytes(e, f.Params)
	return binary.LittleEndian.AppendUint32(e, crc32.ChecksumIEEE(e))
}

func appendSettings(e []byte, ss []gfn.Setting) []byte {
	e = wire.AppendInt(e, len(ss))
	for _, s := range ss {
		e = wire.AppendString(wire.AppendString(e, s.Key), s.Value)
	}
	return e
}

// Decode decodes and validates a model file of version 1 or 2: its magic,
// version and checksum, every length against the bytes that remain, and
// every value of the architecture (a known kind; for the MLP, a known
// activation and 1 to 64 hidden widths in [1, 65536]; with a network, no
// widths, no activation and no separate backward network; a finite positive
// λ for a Q-network, a log Z that is finite or NaN). It returns an error
// naming the first problem. The network's settings are checked by its
// builder (policy.NewNetwork), and the weights by the reader that builds the
// model (nn.ReadParams).
func Decode(data []byte) (*File, error) {
	if len(data) < 12 || string(data[:4]) != Magic {
		return nil, errors.New("not a model file (no GFNM magic)")
	}
	v := binary.LittleEndian.Uint32(data[4:])
	if v != 1 && v != Version {
		return nil, fmt.Errorf("model file version %d, this program reads versions 1 to %d", v, Version)
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return nil, errors.New("checksum mismatch (the file is corrupt or truncated)")
	}
	d := wire.NewDecoder(body[8:])
	f := &File{Env: readSettings(d)}
	f.Kind = d.String(MaxString)
	if v >= 2 {
		f.Network = readSettings(d)
	}
	f.Hidden = d.Ints(nil, MaxLayers)
	act := d.String(MaxString)
	f.Backward = d.String(MaxString)
	flow := d.Int()
	f.Lambda, f.LogZ = d.Float(), d.Float()
	f.Provenance = readSettings(d)
	f.Params = d.Bytes(len(body))
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("model file: %v", err)
	}
	if len(f.Network) > 0 {
		if err := checkNetwork(f, act); err != nil {
			return nil, err
		}
	} else {
		f.Network = nil
		var ok bool
		if f.Act, ok = parseActivation(act); !ok {
			return nil, fmt.Errorf("model file: unknown activation %q", act)
		}
	}
	switch {
	case f.Kind != KindPolicy && f.Kind != KindQNet:
		return nil, fmt.Errorf("model file: unknown model kind %q (want %q or %q)", f.Kind, KindPolicy, KindQNet)
	case len(f.Hidden) == 0 && len(f.Network) == 0:
		return nil, errors.New("model file: no hidden layer")
	case flow != 0 && flow != 1:
		return nil, fmt.Errorf("model file: flow head flag %d", flow)
	case f.Kind == KindQNet && !(f.Lambda > 0 && f.Lambda < math.Inf(1)):
		return nil, fmt.Errorf("model file: the Q-network's λ is %v, want a finite λ > 0", f.Lambda)
	case f.Kind == KindPolicy && f.Lambda != 0:
		return nil, fmt.Errorf("model file: a policy with λ = %v", f.Lambda)
	case math.IsInf(f.LogZ, 0):
		return nil, fmt.Errorf("model file: log Z is %v", f.LogZ)
	}
	f.Flow = flow == 1
	for _, h := range f.Hidden {
		if h < 1 || h > MaxWidth {
			return nil, fmt.Errorf("model file: hidden width %d, want [1, %d]", h, MaxWidth)
		}
	}
	return f, nil
}

// checkNetwork returns an error if f, a model with a network, has the
// MLP's fields (act is its activation's name).
func checkNetwork(f *File, act string) error {
	name, _ := gfn.Lookup(f.Network, "name")
	switch {
	case len(f.Hidden) > 0:
		return fmt.Errorf("model file: a network (%q) with hidden widths %v", name, f.Hidden)
	case act != "":
		return fmt.Errorf("model file: a network (%q) with activation %q", name, act)
	case f.Backward == "separate":
		return fmt.Errorf("model file: a network (%q) with a separate backward network", name)
	}
	return nil
}

func readSettings(d *wire.Decoder) []gfn.Setting {
	n := d.Count(16, MaxSettings)
	ss := make([]gfn.Setting, n)
	for i := range ss {
		ss[i].Key, ss[i].Value = d.String(MaxString), d.String(MaxString)
	}
	return ss
}

// parseActivation returns the activation whose String is s.
func parseActivation(s string) (nn.Activation, bool) {
	for a := nn.Activation(0); a.Valid(); a++ {
		if a.String() == s {
			return a, true
		}
	}
	return 0, false
}

// ReadFile reads and decodes the model file at path. It reads only a
// regular file, and at most as many bytes as the file holds.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file", path)
	case fi.Size() > MaxBytes:
		return nil, fmt.Errorf("%s has %d bytes, more than a model file may (%d)", path, fi.Size(), int64(MaxBytes))
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return Decode(data)
}

// Sniff reports whether data begins like a model file.
func Sniff(data []byte) bool { return len(data) >= 4 && string(data[:4]) == Magic }

// ToolkitVersion returns the version of the toolkit this program was built
// with: the module's version when it is a dependency, or "devel" with the
// VCS revision when it is the main module.
func ToolkitVersion() string {
	const path = "github.com/gogfn/gogfn"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, m := range bi.Deps {
		if m.Path == path {
			return m.Version
		}
	}
	v := "devel"
	if bi.Main.Path == path && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return v
}

// Hidden returns the hidden widths of an MLP: the output width of every
// layer but the last.
func Hidden(m *nn.MLP) []int {
	var h []int
	for _, l := range m.Layers[:len(m.Layers)-1] {
		h = append(h, l.Out())
	}
	return h
}

// Weights returns params in nn.WriteParams's format.
func Weights(params []*autograd.Node) ([]byte, error) {
	var b bytes.Buffer
	err := nn.WriteParams(&b, params)
	return b.Bytes(), err
}

// Write writes the file to w.
func (f *File) Write(w io.Writer) error {
	_, err := w.Write(f.Encode())
	return err
}
