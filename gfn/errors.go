package gfn

import (
	"errors"
	"fmt"
)

// ErrNotEnumerable reports an exact evaluation requested on an environment
// that does not implement Enumerable.
var ErrNotEnumerable = errors.New("gfn: environment is not Enumerable")

// ErrCheckpoint reports a checkpoint that cannot be read: a wrong magic number
// or version, a bad checksum, or a model or objective of another shape.
var ErrCheckpoint = errors.New("gfn: bad checkpoint")

// ErrNonFinite reports a training step whose loss or gradient norm is NaN or
// infinite. The parameters were not updated by that step.
type ErrNonFinite struct {
	Step  int     // the iteration, counted from 1
	Loss  float64 // the loss of that iteration
	Where string  // "loss" or "gradient"
}

func (e ErrNonFinite) Error() string {
	return fmt.Sprintf("gfn: non-finite %s at step %d (loss %v)", e.Where, e.Step, e.Loss)
}

// errorf returns an error whose message starts with "gfn: ".
func errorf(format string, args ...any) error {
	return fmt.Errorf("gfn: "+format, args...)
}
