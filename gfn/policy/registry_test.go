package policy_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/nn"
)

// renamed is a transformer that describes itself under another name.
type renamed struct {
	*bitseq.Transformer
	name string
}

func (r renamed) Describe() []gfn.Setting {
	ss := r.Transformer.Describe()
	ss[0].Value = r.name
	return ss
}

// mute is a network that does not describe itself.
type mute struct{ policy.Network }

// TestNetworkRegistry checks NewNetwork's refusals: settings without a
// name or with an unknown one, a builder whose network describes itself
// otherwise or not at all, or does not fit the environment; and
// RegisterNetwork's panics.
func TestNetworkRegistry(t *testing.T) {
	env16, _ := bitseq.New(bitseq.Config{N: 16, K: 4, NumModes: 2})
	env24, _ := bitseq.New(bitseq.Config{N: 24, K: 4, NumModes: 2})
	tiny := nn.TransformerConfig{Dim: 8, Heads: 2, FF: 8, Layers: 1}
	on := func(env *bitseq.Env) *bitseq.Transformer {
		m, err := bitseq.NewTransformer(env, tiny, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	policy.RegisterNetwork("test.liar", func(gfn.Env, []gfn.Setting, *rand.Rand) (policy.Network, error) {
		return on(env16), nil // describes itself as bitseq.transformer
	})
	policy.RegisterNetwork("test.mute", func(gfn.Env, []gfn.Setting, *rand.Rand) (policy.Network, error) {
		return mute{on(env16)}, nil
	})
	policy.RegisterNetwork("test.fixed", func(gfn.Env, []gfn.Setting, *rand.Rand) (policy.Network, error) {
		return renamed{on(env16), "test.fixed"}, nil // always for 16 bits
	})
	settings := func(name string) []gfn.Setting { return renamed{on(env16), name}.Describe() }
	rng := rand.New(rand.NewPCG(2, 2))
	for _, c := range []struct {
		env      gfn.Env
		settings []gfn.Setting
		want     string
	}{
		{env16, settings("test.fixed")[1:], "no name"},
		{env16, settings("chess.net"), `no network named "chess.net" is registered (registered: ` + bitseq.TransformerName},
		{env16, settings("test.liar"), `did not rebuild its network: name is "test.liar" in the settings and "bitseq.transformer"`},
		{env16, settings("test.mute"), "does not describe itself"},
		{env24, settings("test.fixed"), "gives logits of 1×64 for one state, want 1×96"},
	} {
		if _, err := policy.NewNetwork(c.env, c.settings, rng); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want an error naming %q", err, c.want)
		}
	}
	if net, err := policy.NewNetwork(env16, settings("test.fixed"), rng); err != nil {
		t.Errorf("a fitting network: %v", err)
	} else if ss, err := policy.DescribeNetwork(net); err != nil || ss[0].Value != "test.fixed" {
		t.Errorf("DescribeNetwork: %v, %v", ss, err)
	}
	if _, err := policy.DescribeNetwork(renamed{on(env16), "nobody"}); err == nil || !strings.Contains(err.Error(), `"nobody" is registered`) {
		t.Errorf("DescribeNetwork of an unregistered name: %v", err)
	}
	for name, f := range map[string]func(){
		"twice":      func() { policy.RegisterNetwork(bitseq.TransformerName, bitseq.TransformerFromSettings) },
		"no name":    func() { policy.RegisterNetwork("", bitseq.TransformerFromSettings) },
		"no builder": func() { policy.RegisterNetwork("test.nil", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterNetwork %s did not panic", name)
				}
			}()
			f()
		}()
	}
}
