package autograd

import "errors"

// Sentinel errors. Shape, index, argument and ownership mistakes are programmer errors: the
// operations panic with these values (wrapped with detail by fmt.Errorf and %w),
// so errors.Is(recover().(error), autograd.ErrShape) identifies them.
var (
	// ErrShape reports operands whose dimensions do not fit the operation.
	ErrShape = errors.New("autograd: dimension mismatch")
	// ErrNotScalar reports a Backward call on a node that is not 1×1.
	ErrNotScalar = errors.New("autograd: backward from a non-scalar node")
	// ErrTape reports a node used with a tape that did not create it after
	// that tape was Reset, or a node from another tape.
	ErrTape = errors.New("autograd: node does not belong to this tape")
	// ErrAllMasked reports a row of a masked log-softmax or logsumexp in which
	// every entry is masked out: its normaliser would be log 0.
	ErrAllMasked = errors.New("autograd: every entry of a row is masked")
	// ErrIndex reports an index out of range (Pick, slicing).
	ErrIndex = errors.New("autograd: index out of range")
	// ErrArg reports an invalid scalar argument, such as Clip bounds with
	// lo > hi, a Huber delta ≤ 0 or an Embed k < 1.
	ErrArg = errors.New("autograd: invalid argument")
)
