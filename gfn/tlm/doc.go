// Package tlm learns the backward policy of any GFlowNet algorithm by
// trajectory likelihood maximisation (TLM; Gritsaev, Morozov, Samsonov,
// Tiapkin, ICLR 2025, arXiv 2410.15474).
//
// With P_B fixed, GFlowNet training is a soft RL problem whose rewards are
// log P_B (see package gfn). Training P_B jointly with P_F on the forward loss
// (the "naive" learned P_B: policy.TiedPB or a learned softrl.DQN.Backward)
// changes that reward at every step. TLM alternates two steps instead: a
// backward step that fits P_B to the trajectories the forward policy samples,
// by minimising −Σ log P_B(s_{t−1}|s_t) over their transitions (so that
// P_B(τ|x) approaches P_F(τ|x)), and a step of the forward algorithm with a
// slowly moving copy P̄_B as its backward policy. The backward step is the
// same whatever the forward algorithm: TB, DB, SubTB (package onpolicy), Soft
// DQN or M-DQN (package softrl), through train.Phased and train.BackwardUser.
//
// The other backward policies the paper compares with are gfn.Uniform (the
// default everywhere), gfn.MaxEnt (Mohammadpour et al. 2024: P_B = n(s)/n(s′)
// with n the number of paths from s₀), and the naive learned one. The
// "pessimistic" backward policy of Jang et al. 2024 is TLM on a random one of
// the last 20 batches without learning-rate decay (Past 20, Gamma 1).
package tlm
