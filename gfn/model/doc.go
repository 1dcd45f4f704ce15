// Package model is a trained GFlowNet sampler as one file, and a sampler
// of it that any number of goroutines can share: how a Go service embeds a
// model trained with this toolkit.
//
// # The model file
//
// train.Trainer.SaveModel (and gfn train, as model.gfn in its run
// directory) writes one self-describing file; Load reads it back without
// the training configuration. The file holds the environment's identity and
// parameters (its gfn.Describe settings, beginning with its name), the
// network's kind and architecture (a policy.Policy: hidden widths,
// activation, flow head, backward policy; or a Q-network with its λ), the
// weights, the model's log Z, and provenance: the algorithm's settings, the
// iteration, the trajectories, the seed and the toolkit's version. It is
// versioned ("GFNM", version 2; version 1 files, which hold MLPs only, are
// still read) and checksummed (CRC-32), written atomically, and read with a
// bound taken from the file's size; every value is validated before it is
// used, and a bad file is refused with an error wrapping ErrFormat that
// names the problem.
//
// The network is the MLP, or a registered policy.Network such as the
// bit-sequence transformer (envs/bitseq.Transformer), as a policy's network
// (policy.Config.Network) or as a Q-function (softrl.NetworkQ). For such a
// network the file holds its own settings (it implements gfn.Describer:
// for the transformer, its width, heads, feed-forward width, layers,
// dropout and LayerNorm eps) in place of the MLP's widths, and the network
// is rebuilt by name, as the environment is: policy.NewNetwork finds the
// builder that its package registered with policy.RegisterNetwork, which
// refuses bad or oversized settings before it allocates; the weights must
// then have the network's shapes.
//
// The environment is rebuilt by name: gfn.NewEnv finds the builder that its
// package registered with gfn.RegisterEnv (the hypergrid registers itself,
// and this package imports it). An environment of your own opts in the same
// way, from an init function of its package:
//
//	func init() { gfn.RegisterEnv("words", func(s []gfn.Setting) (gfn.Env, error) { … }) }
//
// Or give the environment to Load (Options.Env): its settings must then
// equal the file's, and a model trained on another environment (another
// reward, another size) is refused with an error wrapping ErrMismatch that
// names every difference.
//
// # Sampling from many goroutines
//
// A Sampler is safe for concurrent use. Its workers each hold a clone of the
// network (policy.Policy.Clone, softrl.QNet.Clone, softrl.NetworkQ.Clone),
// always in evaluation mode (no dropout), and run one rollout at a time; calls that arrive while a rollout runs are combined into the next
// one, so that a busy service runs a few large rollouts rather than many
// small ones (see Sampler). Each call may bring its own *rand.Rand, which
// makes its objects reproducible whatever else runs; without one, a
// worker's own source is used. Results are written into a Samples that the
// caller owns: the terminal objects, log R(x), log P_F(τ) of the
// trajectory that built each, log P_B(τ|x), and their difference, the
// model's estimate of log p(x).
//
// # Concurrency contract
//
// Sampler: safe for concurrent use. Model: its network keeps scratch
// buffers, so use Model.Evaluator from one goroutine at a time, and do not
// change the weights while a Sampler of it may clone them. Samples: owned
// by the caller, one goroutine at a time. The environment: a Sampler calls
// its methods from several goroutines at once, so it must be safe for
// concurrent use (pure functions of their arguments, as the hypergrid's
// are, or guarded scratch); so must a fixed backward policy.
//
// gfn serve (command gfn) is a ready-made HTTP service of a model file; the
// example shows the same in a handler of your own.
package model
