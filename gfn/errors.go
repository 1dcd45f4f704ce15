package gfn

import (
	"errors"
	"fmt"
)

// ErrEnv reports an environment that breaks its contract: an invalid Spec,
// a DAG without backward steps, a state that is neither terminal nor has a
// valid action, a trajectory longer than Spec.MaxLen, a non-finite
// log-reward. The errors that wrap it name the state and the rule.
var ErrEnv = errors.New("gfn: environment broke its contract")

// ErrNonFinite reports a training step whose loss or gradient norm is NaN or
// infinite. The parameters were not updated by that step. It is returned as
// a value: use errors.As(err, new(ErrNonFinite)).
type ErrNonFinite struct {
	Loss  float64 // the loss of the step
	Where string  // "loss", "gradient" or "TD error"
}

func (e ErrNonFinite) Error() string {
	return fmt.Sprintf("gfn: non-finite %s (loss %v)", e.Where, e.Loss)
}

// errorf returns an error whose message starts with "gfn: ".
func errorf(format string, args ...any) error {
	return fmt.Errorf("gfn: "+format, args...)
}
