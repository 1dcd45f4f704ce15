// Package gogfn is a pure-Go toolkit for Generative Flow Networks: policies
// that sample compositional objects with probability proportional to a reward.
// This package holds no code; it maps the module.
//
//   - autograd: reverse-mode automatic differentiation on gonum matrices. A Tape
//     records operations and back-propagates through them; it reuses its
//     storage, so a training step allocates nothing in steady state.
//   - autograd/gemm: the float64 matrix-product kernel behind autograd (Go
//     assembly for AVX2/AVX-512 with a portable Go path).
//   - nn: layers (Linear, MLP, shared trunks with heads, a Transformer
//     encoder), initialisation, classification and distillation losses, and
//     saving and loading parameters.
//   - optim: SGD, Adam and AdamW, parameter groups, gradient clipping, learning
//     rate schedules, target-network updates, and weight averaging (the
//     uniform average of SWA and WAKD, EMA, SWAD, SMA).
//   - gfn: the GFlowNet core contract: environments, trajectories and
//     transitions, scores, objectives, the backward policy, the rollout loop
//     with pluggable actors, and exact and empirical evaluation. Beside it,
//     one package per concept: gfn/policy (the neural model and its
//     samplers), gfn/objective (TB, DB, modified DB, SubTB(λ), FM,
//     log-partition variance), gfn/onpolicy (training a policy with any
//     objective), gfn/softrl (Soft DQN and Munchausen DQN with prioritized
//     replay), gfn/train (the one training loop: evaluation, checkpoints,
//     sampling), gfn/tlm (trajectory likelihood maximisation of P_B around
//     any forward algorithm) and gfn/model (a trained model as one
//     self-describing file, and a Sampler any number of goroutines share;
//     gfn serve is its HTTP service).
//   - envs: built-in environments (hypergrid; bitseq, the papers' bit
//     sequences with their transformer policy), and envs/envtest to check
//     your own.
//   - nn/volume: volume rendering layers (optical depth, opacity,
//     reparameterized samples, Monte Carlo and quadrature rendering,
//     positional encoding) for training density and radiance networks from
//     pixels; cmd/rvs runs the experiments of the RVS paper.
//   - cmd/gfn: the command-line program that trains, samples, evaluates,
//     compares and serves; cmd/wakd: weight averaging for knowledge
//     distillation on Rotated MNIST.
//   - bench: the benchmarks (go test -bench . -benchmem ./bench/).
package gogfn
