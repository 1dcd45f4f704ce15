// Package autograd is reverse-mode automatic differentiation for the small
// dense networks of GFlowNet training: float64 matrices, one tape per step, no
// allocation once the shapes repeat.
//
// # Overview
//
// A Node is a matrix Value with a gradient Grad of the same shape. Rows are
// samples: a batch of B vectors of width n is a [B×n] matrix, and a bias is a
// [1×n] row. Trainable parameters are persistent nodes made by NewParam.
// Everything else is made by a Tape, whose methods are the operations:
// products (MatMul, MatMulT, TMatMul), element-wise arithmetic with
// broadcasting (Add, Sub, Mul, Div: the second operand may be the same shape,
// a [1×n] row, an [m×1] column or 1×1), element-wise functions (ReLU, Tanh,
// Exp, Log, Clip, …), reductions (Sum, Mean, SumRows, SumCols, LogSumExpRows),
// masked LogSoftmax, gathers and scatters (Pick, Embed, Rows, SegmentSum),
// reshaping (ConcatCols, ConcatRows, SliceCols, SliceRows), losses (Huber,
// SquaredError) and StopGrad, which passes a value on and blocks its gradient.
//
// The transformer operations are LayerNorm, AddNorm (the residual addition,
// dropout and layer norm of a post-norm layer in one node), Affine (x·W + b
// in one node), EmbedPositions, Dropout, multi-head Attention on packed
// queries, keys and values with a key-padding mask, and the fused
// SelfAttention and FeedForward, which keep their intermediates off the tape.
// Custom lets another package record an operation of its own.
//
// Each operation computes its value at once and records a backward function
// next to it. The tape lists nodes in the order they were made, which is a
// topological order of the graph, so Backward simply walks the list in
// reverse: there is no graph search, no goroutine and no atomic operation.
//
// # Speed
//
// Products go to autograd/gemm, called directly rather than through gonum's
// blas64.Use (see that package's documentation). On amd64, ReLU, its backward
// and the additions of Add and of gradient accumulation run AVX-512 or AVX2
// kernels chosen at start-up (simd_amd64.s), with the Go loops kept as the
// portable path (build tag purego) and as the definition: the kernels' results
// are bit-identical to them. Attention's per-head products, its exponential and
// softmax, and the dropout masks run AVX-512 kernels with bit-identical Go
// paths in the same way.
//
// The layers of an MLP are fused ops (Affine, AffineReLU, and EmbedReLU for a
// k-hot input), one node each, with the numbers of the separate operations.
// A sampler that records one forward pass per rollout step makes many small
// layers of the same weights; Backward finds those that do not depend on one
// another and back-propagates each such group with one product per gradient
// over all its rows instead of one per layer, which is what makes a recorded
// rollout cheap to differentiate. The weight gradients of a group then agree
// with the one-by-one pass to rounding.
//
// # The tape lifecycle
//
// One training step is
//
//	tp.Reset()                      // forget the previous step, keep its storage
//	x := tp.Input(b, n)             // fill x.Value with encoded states
//	loss := tp.Mean(...ops on x and parameters...)
//	tp.Backward(loss)               // ∂loss/∂p accumulates into every p.Grad
//	opt.Step()                      // update the parameters, zero their gradients
//
// The zero Tape is ready to use. A Tape is an arena: Reset forgets the recorded
// nodes but keeps their matrices, and the next step's operations reuse them.
// Once a step has run with the largest shapes it will see, the following
// steps allocate nothing (the tests count every allocation of such a step).
//
// Gradients are checked against central finite differences by the
// autogradtest package, which users can run on their own compositions.
//
// # Invariants
//
// Inputs are never mutated. An operation reads its operands' values and, in
// Backward, adds into their gradients; it never writes an operand's Value.
// Results never alias operands: StopGrad, SliceRows and the like copy.
//
// Reset invalidates the tape's nodes. A node made before Reset must not be
// used afterwards. Passing one to an operation or to Backward panics with
// ErrTape until its slot of the arena is handed out again; after that, the old
// pointer names the new node, and the mistake can no longer be detected. Do
// not keep tape nodes, or their Value and Grad matrices, across Reset: copy
// what you need.
//
// Parameters persist. NewParam keeps the matrix it is given (it copies only a
// view whose rows are not contiguous) and is not touched by Reset. A tape only
// reads a parameter's Value; optimizers write it between steps. Construct
// nodes only with NewParam and the Tape methods: a hand-made Node whose matrix
// has a stride other than its column count is not supported.
//
// Gradients accumulate. Backward adds into the Grad of every parameter the loss
// depends on, so two Backward calls without ZeroGrad in between sum their
// gradients (and BackwardSeed(loss, s) adds s times the gradient). Tape nodes'
// gradients are zeroed by each Backward. Nodes made only from Const, Input and
// StopGrad have a nil Grad: no gradient is computed for them.
//
// Arguments are copied. Masks (LogSoftmax, LogSumExpRows) and index slices
// (Pick, Embed, Rows, SegmentSum) are copied when the operation is made, and
// Const copies its matrix, so the caller may reuse them at once. The values of
// Input and Leaf nodes belong to the caller to fill in before the node is used
// by an operation, and must not be changed after that: backward functions read
// the operands' values.
//
// Who owns what: the caller owns parameters and every slice and matrix it
// passes in; the tape owns the Value and Grad of the nodes it makes, which are
// valid until the next Reset.
//
// Tapes are not safe for concurrent use. Use one tape per goroutine. Several
// tapes may share parameters for forward passes, which only read them, but
// Backward writes the parameters' gradients: Backward calls whose losses
// depend on a shared parameter must not run concurrently (give each goroutine
// its own copy of the parameters and sum the gradients, or take turns).
//
// # Errors
//
// Mistakes in the program panic, with an error that wraps one of the sentinels
// of this package, so that errors.Is(recover().(error), autograd.ErrShape)
// identifies them: ErrShape for operands whose shapes do not fit, ErrIndex for
// an index out of range, ErrArg for an invalid scalar argument, ErrAllMasked for
// a row with no valid entry, ErrNotScalar for Backward from a non-scalar node
// and ErrTape for a node of another tape or of a tape since Reset. Every
// method that can panic says so in its documentation. Values are not checked:
// NaN and ±Inf propagate as in IEEE arithmetic (a masked log-probability is
// −Inf, and −Inf·0 is NaN, so mask with Pick or Exp rather than with a zero
// weight).
package autograd
