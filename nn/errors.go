package nn

import "errors"

// Errors returned by ReadParams and LoadParams, wrapped with detail; test for
// them with errors.Is. They describe the input, not the program, so they are
// returned rather than raised.
var (
	// ErrFormat reports input that is not a parameter file (wrong magic).
	ErrFormat = errors.New("nn: not a parameter file")
	// ErrVersion reports a parameter file of an unsupported format version.
	ErrVersion = errors.New("nn: unsupported parameter file version")
	// ErrTruncated reports input that ends before the parameter file does.
	ErrTruncated = errors.New("nn: truncated parameter file")
	// ErrChecksum reports a parameter file whose checksum does not match its
	// contents: it was corrupted.
	ErrChecksum = errors.New("nn: parameter file checksum mismatch")
	// ErrMismatch reports a well-formed parameter file whose tensors do not
	// fit the model: a different count or shape.
	ErrMismatch = errors.New("nn: parameter file does not match the model")
)
