// Package gfn trains Generative Flow Networks (GFlowNets): samplers that build
// compositional objects x step by step and learn to draw them with probability
// R(x)/Z, in proportion to a positive reward R (Bengio et al. 2021, arXiv
// 2106.04399; the theory in Bengio et al. 2023, "GFlowNet Foundations", arXiv
// 2111.09266).
//
// # Concepts
//
//   - Env (env.go) is a DAG of States from s₀: Spec gives its sizes, Mask the
//     valid forward actions, Step the pure transition, LogReward log R(x) of a
//     terminal object, Encode the network input. With Spec.Exit the last action
//     is "exit", the edge x → s_f. Optional capabilities are separate
//     interfaces: Reversible (parents: backward policies, flow matching, MCTS
//     stepping from any state), Enumerable (exact evaluation) and OneHotEncoder
//     (a k-hot input that policies gather instead of multiplying). envs/envtest
//     checks an implementation.
//   - State is an []int; a Batch (batch.go) holds N complete trajectories in
//     flat storage, trajectory-major, with per-transition actions, backward
//     actions, exit flags and log-rewards. Single transitions are rows of it.
//   - Policy (policy.go) is the model: an MLP trunk with a forward head
//     (P_F = masked softmax of the logits), a backward policy P_B that is
//     uniform over parents, fixed (any function, e.g. the MaxEnt P_B of
//     Mohammadpour et al. 2024), or learned with its own parameters (a head
//     on the trunk, or a network of its own) and so its own optimizer, and an
//     optional log-flow head log F(s). It implements Evaluator.
//   - Sampler (sampler.go) rolls out a batch of trajectories, one batched
//     forward pass per step, with ε-uniform and temperature exploration. It
//     records the passes on an autograd.Tape and returns Scores (log P_F,
//     log P_B, log F, log P_F(exit) per transition) so that the loss needs no
//     second forward pass. Policy.Score computes the same Scores for a stored
//     batch (replay) in one pass; Sampler.Sample is the inference mode.
//   - Objective (objective.go) turns a Batch and its Scores into a loss:
//     trajectory balance TB (Malkin et al. 2022, arXiv 2201.13259), detailed
//     balance DB (Bengio et al. 2023), modified DB (Deleu et al. 2022, arXiv
//     2202.13903), SubTB(λ) (Madan et al. 2023, arXiv 2209.12782), flow
//     matching FM (Bengio et al. 2021) and the log-partition variance ZVar
//     (Zhang et al. 2023, arXiv 2302.05446). Soft DQN and Munchausen DQN
//     (Tiapkin et al. 2024, arXiv 2310.12934) treat log P_B as a
//     per-transition reward (Policy.LogPB, Policy.BackwardLogProbs).
//   - Trainer (trainer.go) runs the on-policy loop (sample, loss, backward,
//     Adam step) with optional replay, gradient clipping and a separate
//     optimizer for a learned P_B; it saves atomic, checksummed checkpoints
//     from which a run continues bit-identically. TrainerConfig.Recompute
//     trades the recorded per-step passes for one batched scoring pass
//     (bench/gfn_test.go measures both; the recorded passes are the default
//     and the faster on the hypergrid).
//   - SoftDQN (softdqn.go) trains the forward policy as the soft-optimal
//     policy of an entropy-regularised MDP whose rewards are log P_B on
//     ordinary edges and log R(x) on the exit edge (Tiapkin et al. 2024): a
//     Q-network (QNet, qnet.go) with softmax(Q/λ) as its policy, Soft DQN or
//     Munchausen DQN targets (TD, softdqn_td.go), target networks, and a
//     transition Replay with proportional prioritisation on a SumTree
//     (replay.go, sumtree.go). Its zero-value settings are the paper's
//     hypergrid settings.
//   - Metrics (metrics.go): for an Enumerable env, TargetDistribution (R/Z
//     and log Z), ExactDistribution (the terminal distribution of P_F by
//     dynamic programming over the states in topological order), Compare
//     (L1, mean L1, KL, JSD), and Empirical, the papers' metric over the last
//     200,000 training samples (ALGORITHMS.md 0.2) with the modes found.
//
// # Writing an environment
//
// An environment author writes pure transitions; the library handles exit,
// masking, batching and bookkeeping. See the package example
// (example_env_test.go): a 60-line environment, trained and evaluated
// exactly.
//
// # Ownership
//
// Samplers, Policies, Trainers and objectives keep scratch buffers: none is
// safe for concurrent use, and each *rand.Rand is used by one goroutine.
// Scores and nodes returned on a tape are valid until that tape is Reset.
package gfn
