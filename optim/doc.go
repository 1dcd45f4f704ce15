// Package optim updates parameters from their gradients: SGD and Adam (with
// AdamW's decoupled weight decay), parameter groups, learning-rate schedules,
// gradient-norm clipping, target-network updates, and weight averaging
// (SWA/WAKD, EMA, SWAD, SMA).
//
// # Contract
//
// An Optimizer's Step applies one update to the parameters it was given,
// using the gradients accumulated in their Grad by autograd's Backward, and
// then zeroes those gradients, so that the next Backward starts clean. A
// training step is therefore
//
//	tape.Reset()
//	loss := ...               // forward pass on tape
//	tape.Backward(loss)
//	optim.ClipGradNorm(ps, 10) // optional
//	opt.Step()
//
// Optimizers are plain structs whose zero fields mean documented defaults
// (Adam{Params: ps} uses η = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8). Their
// buffers are allocated on the first Step; later Steps allocate nothing.
//
// # Groups and schedules
//
// Params is trained at the optimizer's LR and WeightDecay; each Group adds
// parameters with their own learning rate and decay, so one optimizer trains
// a GFlowNet's log Z at 0.1 beside its network at 1e-3:
//
//	opt := &optim.Adam{Params: net.Params(), LR: 1e-3,
//		Groups: []optim.Group{{Params: []*autograd.Node{logZ}, LR: 0.1}}}
//
// A Schedule multiplies every group's learning rate by a factor that depends on
// the step count: ExpDecay, StepDecay and Warmup (a linear ramp followed by
// another schedule). The step count is part of the optimizer's state, so a
// resumed run continues its schedule.
//
// # Checkpoints
//
// Adam and SGD implement encoding.BinaryMarshaler and BinaryUnmarshaler. The
// state (step count and moment buffers) is written in a versioned, checksummed
// little-endian format; UnmarshalBinary checks it against the current
// parameters and leaves the optimizer unchanged on any error (ErrState). With
// the parameters saved by nn.WriteParams, a resumed run continues
// bit-identically. Hyperparameters are configuration and are not saved.
//
// # Weight averaging
//
// An Averager keeps a second set of weights built from the iterates: call its
// Update after every optimizer step. Average is the uniform mean of the
// iterates from a step t₀ on (SWA; with t₀ at 10% of training and no
// validation data, the WAKD model of Berezovskiy and Morozov 2023), EMA the
// exponential moving average θ̄ ← τ·θ̄ + (1 − τ)·θ, SWAD (Cha et al. 2021)
// the average over a "loss valley" that a validation-loss callback detects,
// and SMA (Arpit et al. 2022) the running average from t₀ snapshotted
// whenever a validation-score callback rates it best. Each doc comment states
// its exact rule.
//
//	wakd := &optim.Average{Params: ps, Start: iters / 10}
//	for it := 1; it <= iters; it++ {
//		... // forward, Backward
//		opt.Step()
//		wakd.Update()
//	}
//	wakd.Swap()  // the network now holds the average: evaluate, save, sample
//	wakd.Swap()  // and the last iterate is back, bit for bit
//
// CopyTo writes the average into another network of the same structure
// instead. Updates allocate nothing after the first; the running mean and the
// EMA run as AVX2 kernels on amd64, bit-identical to their portable loops.
// The averagers' state is saved and restored like an optimizer's
// (MarshalBinary, UnmarshalBinary, ErrState), so a resumed run continues
// bit-identically.
//
// # Target networks
//
// Polyak (dst ← (1−τ)·dst + τ·src) and HardUpdate (dst ← src) maintain the
// target network of soft Q-learning and similar objectives.
//
// # Speed
//
// On amd64 the Adam and Polyak updates run as AVX-512 or AVX2 assembly,
// with the portable loops kept beside them (build tag purego); every
// product and sum is rounded separately, without fused multiply-adds, so
// the results are the same to the bit on every CPU.
package optim
