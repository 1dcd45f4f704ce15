// Package softrl trains GFlowNets as entropy-regularised reinforcement
// learning (Tiapkin, Morozov, Naumov, Vetrov, "Generative Flow Networks as
// Entropy-Regularized Reinforcement Learning", AISTATS 2024, arXiv
// 2310.12934).
//
// With a backward policy P_B fixed, the GFlowNet forward policy is the
// optimal policy of a deterministic MDP whose reward is log P_B(s|s′) on
// ordinary edges and log R(x) on the exit edge, without discount and with
// entropy coefficient 1 (see package gfn). Its soft-optimal Q is the log edge
// flow, Q*(s, s′) = log F(s) + log P_F(s′|s), so Soft DQN learns a
// GFlowNet. Munchausen DQN (Vieillard et al. 2020) adds α·clip(λ·log π(a|s),
// l₀, 0) to every target, with λ = 1/(1−α) so that the problem solved is
// still the GFlowNet one.
//
// The pieces: QFunction (QNet, an MLP; QTable, a table for tiny
// environments) and UniqueQ, which evaluates each distinct state of a batch
// once; SoftPolicy, the Boltzmann policy softmax(Q/λ) as a model; Boltzmann,
// the same as an actor; TD, the Soft DQN and Munchausen targets, and TDLoss;
// Replay, a ring of transitions with proportional prioritisation on a
// SumTree (Schaul et al. 2016); and DQN, the algorithm, a train.Algorithm
// whose zero fields are the paper's hypergrid settings.
package softrl
