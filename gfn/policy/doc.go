// Package policy is the neural model of a GFlowNet and its samplers.
//
// A Policy is an MLP trunk with heads: the forward logits, turned into
// P_F(·|s) by a log-softmax over the valid actions; optionally a learned
// backward policy P_B (TiedPB: a head on the trunk; SeparatePB: a network of
// its own), zero-initialised so that it starts uniform; and optionally a
// log-flow head log F(s) for the objectives that need one. A fixed P_B
// (uniform, or any gfn.Backward) is not part of the network. The first layer
// of an environment with k-hot input (gfn.OneHotEncoder) is a gather of
// weight rows rather than a product. Weights start from PyTorch's nn.Linear
// initialisation, as in the papers' code.
//
// Another network can replace the MLP (Config.Network): anything that
// implements Network, which maps a batch of states to forward logits and,
// optionally, backward logits and log-flows, such as the bit-sequence
// transformer envs/bitseq.Transformer. A network with dropout has a training
// mode (SetTraining); a Policy is in evaluation mode, deterministic, except
// inside the training algorithms' steps, which switch it on with the
// iteration's random source.
//
// A Network that describes itself (gfn.Describer, its settings beginning
// with its name) and whose package registers a builder (RegisterNetwork) can
// be rebuilt by name (NewNetwork), as environments are by gfn.NewEnv: this
// is how a model file (package gfn/model) holds a policy or a Q-network
// whose network is not the MLP.
//
// Actor is the policy as a gfn.Actor: one batched forward pass per step over
// the trajectories still running, with ε-uniform and temperature
// exploration. Sampler runs it through gfn.Sampler and, in Rollout, keeps the
// passes on the loss's tape, so that the loss needs no second forward pass:
// the Scores it returns are read from the recorded nodes (in the batch's
// transition order, always those of the model itself, without exploration).
// Score computes the same Scores for a stored batch in one pass.
//
// Replica gives another goroutine a policy that shares the weights and has
// gradients of its own, which is how onpolicy.Algorithm.Workers splits an
// iteration; Clone gives a deep copy, for a goroutine that samples a model
// of its own. A Policy, an Actor and a Sampler keep scratch buffers and are
// not safe for concurrent use.
package policy
