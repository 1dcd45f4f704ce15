package model_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/modelfile"
	"github.com/gogfn/gogfn/internal/wire"
)

// TestNetworkRefuses checks that a model file of a network policy is
// refused, with an error that wraps ErrFormat and names the problem, when
// its network is unknown or has bad settings, when its weights do not fit
// the network (in number or in shape), and when it mixes the network with
// the MLP's fields.
func TestNetworkRefuses(t *testing.T) {
	env := bits(t)
	tr := trainNetTB(t, env, policy.TiedPB, false, 1)
	var buf bytes.Buffer
	if err := tr.WriteModel(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := modelfile.Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	craft := func(change func(f *modelfile.File)) []byte {
		c := *f
		c.Network = append([]gfn.Setting(nil), f.Network...)
		c.Params = append([]byte(nil), f.Params...)
		change(&c)
		return c.Encode()
	}
	set := func(key, value string) func(f *modelfile.File) {
		return func(f *modelfile.File) {
			for i := range f.Network {
				if f.Network[i].Key == key {
					f.Network[i].Value = value
				}
			}
		}
	}
	// The embedding [18×8] stored as [8×18]: as many values, another shape.
	// The parameter file's checksum is recomputed, as a crafter would.
	transposed := craft(func(c *modelfile.File) {
		if binary.LittleEndian.Uint32(c.Params[12:]) != 18 || binary.LittleEndian.Uint32(c.Params[16:]) != 8 {
			t.Fatalf("the first tensor is not the embedding [18×8]")
		}
		binary.LittleEndian.PutUint32(c.Params[12:], 8)
		binary.LittleEndian.PutUint32(c.Params[16:], 18)
		n := len(c.Params)
		binary.LittleEndian.PutUint32(c.Params[n-4:], crc(c.Params[:n-4]))
	})
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"an unknown network", `no network named "lstm" is registered`, craft(set("name", "lstm"))},
		{"no network name", "no name", craft(func(c *modelfile.File) { c.Network = c.Network[1:] })},
		{"an odd width", `"dim" is 7`, craft(set("dim", "7"))},
		{"a width that is not a number", `"dim" is "eight", not a number`, craft(set("dim", "eight"))},
		{"a huge transformer", "parameters, more than", craft(func(c *modelfile.File) {
			set("dim", "4096")(c)
			set("ff", "65536")(c)
			set("layers", "64")(c)
		})},
		{"an unknown setting", `unknown setting "rope"`, craft(func(c *modelfile.File) {
			c.Network = append(c.Network, gfn.Setting{Key: "rope", Value: "1"})
		})},
		{"a wider network than the weights hold", "the weights take", craft(set("dim", "16"))},
		{"another feed-forward width", "the weights take", craft(set("ff", "4"))},
		{"weights of another shape", "tensor 0 is 8×18 in the file, 18×8 in the model", transposed},
		{"a network with hidden widths", "with hidden widths [8]", craft(func(c *modelfile.File) { c.Hidden = []int{8} })},
		{"a network with a separate P_B", "separate backward network", craft(func(c *modelfile.File) { c.Backward = "separate" })},
	} {
		_, err := model.Read(tc.data, nil)
		if !errors.Is(err, model.ErrFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrFormat naming %q", tc.name, err, tc.want)
		}
	}
	// With a network, the activation field is empty (Encode writes ""):
	// write "relu" there, and recompute the checksum.
	good := buf.Bytes()
	empty := wire.AppendString(wire.AppendInt(wire.AppendInt(nil, 0), 0), "tied")
	relu := wire.AppendString(wire.AppendString(wire.AppendInt(nil, 0), "relu"), "tied")
	if bytes.Count(good, empty) != 1 {
		t.Fatal("the architecture's bytes are not where expected")
	}
	act := bytes.Replace(good[:len(good)-4], empty, relu, 1)
	act = binary.LittleEndian.AppendUint32(act, crc(act))
	if _, err := model.Read(act, nil); !errors.Is(err, model.ErrFormat) || !strings.Contains(err.Error(), `with activation "relu"`) {
		t.Errorf("a network with an activation: %v", err)
	}
	if _, err := model.Read(good, nil); err != nil {
		t.Fatalf("the unchanged file: %v", err)
	}
}

// TestNetworkWriteRefuses checks that a network that does not describe
// itself, or a Q-function that a file cannot hold, is refused when written,
// and that NewSampler panics for a Q-function it cannot sample.
func TestNetworkWriteRefuses(t *testing.T) {
	env := bits(t)
	p, err := policy.New(env, policy.Config{Network: mute{transformer(t, env, 1)}}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, c := range []struct {
		m    *model.Model
		want string
	}{
		{&model.Model{Env: env, Policy: p, LogZ: math.NaN()}, "does not describe itself"},
		{&model.Model{Env: env, Q: softrl.NewQTable(env), Lambda: 1, LogZ: math.NaN()}, "not a *softrl.QTable"},
	} {
		if err := c.m.Write(&b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error naming %q", err, c.want)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "QTable") {
			t.Errorf("NewSampler of a QTable: %v", r)
		}
	}()
	model.NewSampler(&model.Model{Env: env, Q: softrl.NewQTable(env), Lambda: 1}, model.SamplerConfig{})
}

// mute is a network that does not describe itself.
type mute struct{ policy.Network }
