package volume

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd"
)

// The package's mistakes are programmer errors and panic with autograd's
// sentinels, wrapped with detail, so that errors.Is(recover().(error),
// autograd.ErrShape) identifies them as it does for the tape's own operations.

// shapeErr returns an autograd.ErrShape wrapped with a description.
func shapeErr(format string, args ...any) error {
	return fmt.Errorf("%w: volume: "+format, append([]any{autograd.ErrShape}, args...)...)
}

// argErr returns an autograd.ErrArg wrapped with a description.
func argErr(format string, args ...any) error {
	return fmt.Errorf("%w: volume: "+format, append([]any{autograd.ErrArg}, args...)...)
}
