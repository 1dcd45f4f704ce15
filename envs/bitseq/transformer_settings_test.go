package bitseq_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/nn"
)

// TestTransformerRebuild: a transformer is rebuilt by name from its own
// settings (policy.NewNetwork) with the same sizes, dropout and eps, and
// the same parameter shapes, whose number the size bound computes exactly.
func TestTransformerRebuild(t *testing.T) {
	for _, cfg := range []nn.TransformerConfig{tinyNet, {Dim: 6, Heads: 3, FF: 5, Layers: 2, Dropout: 0.25, Eps: 1e-6},
		{Dim: 8, Heads: 2, FF: 8, Layers: 1, Dropout: -1}} {
		env, m := newTiny(t, 16, 4, cfg)
		net, err := policy.NewNetwork(env, m.Describe(), rand.New(rand.NewPCG(5, 6)))
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
		r := net.(*bitseq.Transformer)
		if r.Net.Config() != m.Net.Config() {
			t.Errorf("rebuilt %+v, want %+v", r.Net.Config(), m.Net.Config())
		}
		if !slices.Equal(r.Describe(), m.Describe()) {
			t.Errorf("rebuilt settings %v, want %v", r.Describe(), m.Describe())
		}
		a, b := append(m.ForwardParams(), m.BackwardParams()...), append(r.ForwardParams(), r.BackwardParams()...)
		if len(a) != len(b) {
			t.Fatalf("%d tensors, want %d", len(b), len(a))
		}
		total := 0
		for i := range a {
			ar, ac := a[i].Value.Dims()
			br, bc := b[i].Value.Dims()
			if ar != br || ac != bc {
				t.Errorf("tensor %d: %d×%d, want %d×%d", i, br, bc, ar, ac)
			}
			total += ar * ac
		}
		if got := bitseq.TransformerParams(env, m.Net.Config()); got != int64(total) {
			t.Errorf("%+v: the bound counts %d parameters, the network has %d", cfg, got, total)
		}
	}
	if got := policy.RegisteredNetworks(); !slices.Contains(got, bitseq.TransformerName) {
		t.Errorf("registered networks %v", got)
	}
}

// TestTransformerBadSettings: every bad setting is refused with an error
// that names it, before anything large is allocated, and so is a network
// for another environment.
func TestTransformerBadSettings(t *testing.T) {
	env, m := newTiny(t, 16, 4, tinyNet)
	rng := rand.New(rand.NewPCG(1, 1))
	set := func(key, v string) func([]gfn.Setting) []gfn.Setting {
		return func(s []gfn.Setting) []gfn.Setting {
			for i := range s {
				if s[i].Key == key {
					s[i].Value = v
				}
			}
			return s
		}
	}
	for _, c := range []struct {
		change func([]gfn.Setting) []gfn.Setting
		want   string
	}{
		{func(s []gfn.Setting) []gfn.Setting { return s[:len(s)-1] }, `"eps" is missing`},
		{func(s []gfn.Setting) []gfn.Setting { return append(s, gfn.Setting{Key: "dim", Value: "8"}) }, `"dim" given twice`},
		{func(s []gfn.Setting) []gfn.Setting { return append(s, gfn.Setting{Key: "width", Value: "8"}) }, `unknown setting "width"`},
		{set("dim", "x"), `"dim" is "x", not a number`},
		{set("dim", "7"), `"dim" is 7`},
		{set("dim", "8192"), `"dim" is 8192`},
		{set("heads", "3"), `"heads" is 3`},
		{set("ff", "0"), `"ff" is 0`},
		{set("layers", "65"), `"layers" is 65`},
		{set("dropout", "1"), `"dropout" is 1`},
		{set("dropout", "NaN"), `"dropout" is NaN`},
		{set("eps", "0"), `"eps" is 0`},
		{set("eps", "+Inf"), `"eps" is +Inf`},
		{func(s []gfn.Setting) []gfn.Setting {
			return set("dim", "4096")(set("ff", "65536")(set("layers", "64")(s)))
		}, "parameters, more than"},
	} {
		_, err := policy.NewNetwork(env, c.change(m.Describe()), rng)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error naming %q", err, c.want)
		}
	}
	if _, err := policy.NewNetwork(hypergrid.New(2, 4, hypergrid.Standard), m.Describe(), rng); err == nil ||
		!strings.Contains(err.Error(), "not of a *hypergrid.Env") {
		t.Errorf("a transformer for a hypergrid: %v", err)
	}
}
