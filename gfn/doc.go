// Package gfn is the core of the toolkit's Generative Flow Networks
// (GFlowNets): samplers that build compositional objects x step by step and
// learn to draw them with probability R(x)/Z, in proportion to a positive
// reward R (Bengio et al. 2021, arXiv 2106.04399; the theory in Bengio et al.
// 2023, "GFlowNet Foundations", arXiv 2111.09266). It holds the contract
// that every other part shares and knows no concrete algorithm.
//
// # The packages
//
// The folder tree is the map of the concepts; each package imports only those
// above it in this list:
//
//   - gfn (this package): the environment contract (Env and its optional
//     capabilities), trajectories (Batch) and single transitions
//     (Transitions), a model's scores (Scores, Evaluator), the Objective
//     contract, the backward policy module (Backward, Uniform, Fixed,
//     BackwardScorer), the one rollout loop (Sampler) with a pluggable
//     behaviour policy (Actor), and the metrics (exact distributions,
//     Compare, Empirical).
//   - gfn/policy: the neural model, an MLP with a forward head, an optional
//     learned P_B and an optional log-flow head, and its Actor and Sampler,
//     which record the forward passes of a rollout for the loss.
//   - gfn/objective: the losses, one file each: TB, DB, modified DB,
//     SubTB(λ), FM and the log-partition variance.
//   - gfn/softrl: GFlowNet training as entropy-regularised RL: Q-functions,
//     TD targets of Soft DQN and Munchausen DQN, prioritized replay, and the
//     DQN algorithm.
//   - gfn/onpolicy: the algorithm that trains a policy by minimising an
//     Objective on its own samples.
//   - gfn/train: the training loop (Trainer) that drives any Algorithm and
//     owns the random source, the counters, the empirical window, evaluation,
//     checkpoints and sampling.
//   - gfn/model: a trained model as one self-describing file (Load, and
//     Trainer.SaveModel to write it) and a Sampler of it that any number of
//     goroutines share: how a service embeds a model. Environments are
//     rebuilt from the file by name (RegisterEnv, NewEnv).
//
// # Objects
//
// A GFlowNet lives on a DAG of states with an initial state s₀. The terminal
// objects x end trajectories τ = (s₀ → s₁ → … → s_n = x); in an environment
// with an exit action (Spec.Exit) any state that may exit is an object, and
// the exit is an explicit edge x → s_f to a sink. A forward policy P_F(s′|s)
// builds trajectories; a backward policy P_B(s|s′) is a distribution over
// the parents of each state. Trajectory balance (Malkin et al. 2022, arXiv
// 2201.13259) states that P_F samples x with probability R(x)/Z exactly when,
// for every complete trajectory,
//
//	Z · Π_t P_F(s_t|s_{t−1}) = R(x) · Π_t P_B(s_{t−1}|s_t),
//
// and every objective of package objective is a way of enforcing a form of
// it. In a tree every state has one parent and P_B = 1 (Spec.Tree); in a DAG
// P_B is a choice, the same for every objective and algorithm, which is why
// it is a module of its own (Backward). A DAG must therefore implement
// Reversible: CheckEnv refuses one that does not, rather than train it with
// log P_B = 0, which is right only for a tree.
//
// # The soft RL view
//
// Fix P_B. Tiapkin, Morozov, Naumov and Vetrov (AISTATS 2024, arXiv
// 2310.12934) show that the GFlowNet forward policy is the optimal policy of
// an entropy-regularised, undiscounted MDP whose rewards are log P_B(s|s′) on
// every ordinary edge and log R(x) on the exit edge, with entropy coefficient
// 1. Its soft values are log-flows: V*(s) = log F(s), Q*(s, s′) = log F(s) +
// log P_F(s′|s), V*(s₀) = log Z, and P_F(·|s) = softmax Q*(s,·). Detailed
// balance is soft Bellman consistency and TB its trajectory-level form, so
// soft RL algorithms (package softrl) train GFlowNets, and a tree search over
// soft values (MENTS) plans with one. Transitions holds trajectories split
// into edges with these rewards.
//
// # Evaluation
//
// For an Enumerable environment TargetDistribution gives R(x)/Z and
// ExactDistribution the exact terminal distribution of a model, by dynamic
// programming over the states in topological order; Compare measures their
// distance (L1, mean L1, KL, JSD). Empirical is the papers' metric: the
// distribution of the last 200,000 objects sampled in training against R/Z,
// with the mean L1 over all states and KL(p ‖ p_emp + 1e-9).
//
// # Writing an environment
//
// An environment author writes pure transitions (Start, Mask, Step,
// LogReward, Encode); the library handles exit and sink states, masking,
// batching and bookkeeping, and checks the contract where it is cheap: the
// Sampler returns an error wrapping ErrEnv that names the state and the
// rule. See the package example (a 60-line environment, trained and
// evaluated exactly) and envs/envtest, which checks an implementation.
//
// # Ownership and concurrency
//
// Samplers, policies, algorithms and objectives keep scratch buffers: none is
// safe for concurrent use, and each *rand.Rand is used by one goroutine.
// Scores and nodes returned on a tape are valid until that tape is Reset.
// An environment's methods are called from one goroutine at a time, except
// with onpolicy.Algorithm.Workers and gfn/model's Sampler, which call them
// from several goroutines at once: an Env used so must be safe for
// concurrent use (a pure function of its arguments, or one that guards its
// scratch). gfn/model's Sampler is the one type here safe for concurrent use.
package gfn
