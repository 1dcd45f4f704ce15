// Package gemm computes dense float64 matrix products, C = α·op(A)·op(B) + β·C,
// on row-major matrices, allocation-free in steady state. It is the product
// kernel behind autograd's MatMul, MatMulT and TMatMul and their gradients.
//
// # Algorithm
//
// Dgemm follows Goto and van de Geijn ("Anatomy of high-performance matrix
// multiplication", ACM TOMS 2008) as BLIS lays it out: C is cut into column
// blocks of nc, the inner dimension into blocks of kc and the rows into
// blocks of mc. For each block, op(A) and op(B) are packed into contiguous
// micro-panels, so that all four transpose forms (NN, NT, TN, TT) feed the
// same register tile, the micro-kernel, which keeps an mr×nr block of C in
// registers for a whole pass over kc. Ragged edges are padded with zeros in
// the packed panels and go through a scratch tile.
//
// Two shortcuts matter for the short products of small batches (m = 16 rows
// times 256×256 weights), where copying an operand costs as much as the
// arithmetic: an untransposed B is read in place (its rows are already
// contiguous), and A·Bᵀ, the input gradient g·Wᵀ, is computed with a 4×4
// tile of dot products of rows, which reads both operands in place.
//
// # Kernels
//
// Three Kernel families exist, chosen at start-up by CPU feature detection
// (CPUID, and XGETBV to check that the operating system saves the AVX and
// AVX-512 register state):
//
//   - AVX512: an 8×24 tile in 24 zmm registers (amd64, AVX-512 F, DQ, VL).
//   - AVX2: a 6×8 tile in 12 ymm registers (amd64, AVX2 and FMA).
//   - Portable: a 4×4 tile in plain Go, for every other CPU and architecture.
//
// Use forces one (tests run every path on the same machine); Best and
// Current report the choice.
//
// # Parallelism
//
// Products of at least parallelFlops (2·m·n·k ≥ 2²⁴) are cut into row or
// column strips, whichever repeats less packing, and shared between the
// calling goroutine and a pool of GOMAXPROCS−1 persistent workers started on
// first use. Smaller products stay on the calling goroutine: on two cores
// the hand-off costs more than it saves, and a GFlowNet trainer is better off
// spending the second core on independent work. Packing buffers belong to a
// worker or come from a free list that the garbage collector never empties,
// so steady-state calls do not allocate, and concurrent calls from several
// goroutines never share per-call state.
//
// # Why not blas64.Use
//
// gonum lets a program swap the implementation behind mat.Dense products with
// blas64.Use. autograd calls Dgemm directly instead, for three reasons:
//
//   - Allocation: blas64 goes through gonum's generic Dgemm plumbing, and a
//     product that is split across goroutines there allocates closures on
//     every call; here a training step allocates nothing.
//   - No global switch: blas64.Use changes every gonum product in the user's
//     process. Calling Dgemm from autograd speeds up the toolkit without
//     changing the numbers or the speed of the user's own gonum code.
//   - Own parallelism policy: gonum starts a goroutine per 64×64 block of C
//     once there are four, whatever the work; this package keeps small
//     products on one goroutine and uses a persistent pool for large ones.
//
// The naive triple loop stays in the package as the test oracle; the tests
// check every kernel against it and against gonum's Dgemm.
package gemm
