package bitseq_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/nn"
)

// ExampleTransformer_Describe shows how a model file rebuilds the
// transformer: the network describes itself, and policy.NewNetwork builds
// the network of those settings by name, from the builder that this package
// registered.
func ExampleTransformer_Describe() {
	env, err := bitseq.New(bitseq.Config{N: 16, K: 4})
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	tf, err := bitseq.NewTransformer(env, nn.TransformerConfig{Dim: 8, Heads: 2, FF: 8, Layers: 1}, rng)
	if err != nil {
		panic(err)
	}
	settings := tf.Describe()
	fmt.Println(settings)

	net, err := policy.NewNetwork(env, settings, rng) // new weights, which a model file overwrites
	if err != nil {
		panic(err)
	}
	fmt.Println(net.(*bitseq.Transformer).Net.Config() == tf.Net.Config())

	settings[1].Value = "7" // an odd width
	_, err = policy.NewNetwork(env, settings, rng)
	fmt.Println(err)
	// Output:
	// [{name bitseq.transformer} {dim 8} {heads 2} {ff 8} {layers 1} {dropout 0.1} {eps 1e-05}]
	// true
	// policy: network "bitseq.transformer": bitseq: setting "dim" is 7, want an even width in [2, 4096]
}
