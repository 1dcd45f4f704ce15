// Package nn provides the layers of a GFlowNet's policy and flow estimators,
// built on the autograd tape: Linear, MLP, a shared trunk with several heads,
// a Transformer encoder, their initialisers, and a binary file format for
// their parameters.
//
// # Modules and shapes
//
// A Module is anything with trainable parameters: Params returns them as
// autograd parameter nodes (autograd.NewParam), in a fixed order that
// optimizers, CopyParams and the file format rely on. Rows are samples: a layer
// maps a batch [B×In] to [B×Out]. Forward methods take the tape that records
// the step, so the same module is used with a fresh tape (or a Reset one) at
// every step and allocates nothing once the tape's arena has grown.
//
//   - Linear computes x·W + b with W [In×Out] and b [1×Out].
//   - MLP chains Linear layers with an Activation between them and none after
//     the last: NewMLP([]int{64, 256, 256, 5}, ReLU, rng) has three layers.
//   - Heads runs one MLP trunk and then several Linear heads on its activated
//     output, for example forward logits [B×A], backward logits and a
//     log-flow [B×1]. Its Forward fills a caller-owned slice of outputs.
//   - Transformer is a post-norm Transformer encoder (PyTorch's
//     nn.TransformerEncoder with ReLU) with a token embedding, sinusoidal
//     positions and a linear output at every position, initialised as
//     PyTorch initialises it; its outputs and gradients match PyTorch's
//     float64 modules to about 1e-14. Dropout acts only when Train is set.
//
// Each Forward has a ForwardEmbed twin for k-hot inputs given by the indices of
// their ones (k per row), which gathers rows of the first weight matrix instead
// of multiplying by a mostly-zero matrix: the usual encoding of grid and
// sequence states.
//
// Clone makes an independent copy of a network and CopyParams copies values
// between two networks of the same structure: together they maintain a target
// network (see also optim.Polyak for soft updates). Shape mismatches panic.
//
// # Classification
//
// CrossEntropy is the softmax cross-entropy of logits [B×K] against integer
// labels, and Distillation{T}.Loss the knowledge-distillation loss
// T²·KL(softmax(z_teacher/T) ‖ softmax(z_student/T)) (T = 5 by default),
// both batch means, fused and numerically stable, with no gradient into the
// teacher's logits. Accuracy scores logits against labels.
//
// # Initialisation
//
// Weights are drawn from an injected *rand.Rand, so a seeded model is
// reproducible. He initialisation (HeUniform, HeNormal: variance 2/fanIn)
// suits the ReLU family; Glorot (GlorotUniform, GlorotNormal: variance
// 2/(fanIn+fanOut)) suits tanh and sigmoid. NewMLP picks the uniform variant
// matching its activation. Biases start at zero; Zeros makes an output layer
// whose first policy is uniform.
//
// # Parameter files
//
// WriteParams and ReadParams store parameter values (not gradients) in a small
// versioned binary format. Every integer is a little-endian uint32:
//
//	magic    "GFNP"
//	version  1
//	n        number of tensors
//	shapes   n × (rows, cols)
//	data     n × rows·cols float64, IEEE 754 bits, little-endian, row-major
//	crc      CRC-32 (IEEE) of every byte above
//
// ReadParams reads and checks the whole file, against the model's shapes and
// the checksum, into scratch memory before it writes anything, so a truncated,
// corrupted, foreign, newer or mismatched file leaves the model untouched and
// returns an error naming the problem (ErrTruncated, ErrChecksum, ErrFormat,
// ErrVersion, ErrMismatch). SaveParams writes through WriteFileAtomic, which
// writes a temporary file in the target's directory, fsyncs it and renames it
// over the target, so a crash never leaves a half-written file in place of a
// good one; checkpoint code can reuse it for its own formats.
package nn
