// Package hypergrid implements the hypergrid GFlowNet environment (Bengio et
// al. 2021, arXiv 2106.04399, in the torchgfn 1.0 form used by Malkin et al.
// 2022 and Tiapkin et al. 2024).
//
// A state is a point x ∈ {0,…,H−1}^D, s₀ = 0. Forward action i < D increments
// xᵢ (valid while xᵢ < H−1); action D exits, and is valid everywhere, so every
// cell is a terminal object and |X| = H^D. Backward action i decrements xᵢ.
// With aᵢ = |xᵢ/(H−1) − 0.5| the reward is
//
//	R(x) = R0 + R1·Πᵢ 1[aᵢ > 0.25] + R2·Πᵢ 1[0.3 < aᵢ < 0.4].
//
// The network input is K-hot: one one-hot vector of width H per coordinate,
// D·H wide, with a one at i·H + xᵢ.
//
// Importing the package registers the environment under the name
// "hypergrid" (gfn.RegisterEnv), so that a model file rebuilds it from its
// settings (FromSettings). Its methods are pure functions of their
// arguments: an Env is safe for concurrent use.
package hypergrid
