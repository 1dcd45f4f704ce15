// Package bench holds the toolkit's benchmarks. It has no library code: run
//
//	go test -run '^$' -bench . -benchmem ./bench/
//
// What each family measures:
//
//   - BenchmarkMLPStep/batch=N: one full training step (forward, mean squared
//     loss, backward, Adam update) of an MLP 64 → 256 → 256 → 5 with ReLU,
//     through autograd, nn and optim. Steady state must allocate nothing.
//   - BenchmarkGonumBaseline/batch=N: the same step written by hand on gonum's
//     own BLAS (gonum.org/v1/gonum/blas/gonum, called directly so it stays a
//     fixed yardstick), with a hand-derived backward and preallocated buffers.
//   - BenchmarkMatMul/m=M,k=K,n=N: the products of that MLP, in GFLOP/s.
//   - BenchmarkTransformer/k=K/{forward,step,iteration}: the bit-sequence
//     transformer (n = 120) for one recorded forward pass, one forward and
//     backward pass, and a TB iteration's network work, with flops per CPU
//     second.
//   - BenchmarkBitseq/{tb,tb+tlm,mdqn,tb/split}: whole training iterations of
//     the bit-sequence task with the transformer policy, through the library
//     (BenchmarkCorrelationBitseq: one test-set Spearman evaluation).
//   - BenchmarkTLMHypergrid/{tb,tb+tlm}: what TLM adds to a TB iteration on
//     the hypergrid D = 4, H = 20.
//   - BenchmarkAverageHypergrid: weight-averaging updates against a training
//     step.
//   - BenchmarkRender, BenchmarkRVSStep: volume rendering with reparameterized
//     samples (nn/volume) against quadrature, and a training step.
//   - The GFlowNet benchmarks (rollouts, training iterations, Soft DQN steps).
//
// The machine these were tuned on is shared and noisy; compare ratios measured
// in the same run (-count, benchstat), not absolute times from different runs.
package bench
