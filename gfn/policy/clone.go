package policy

import "gonum.org/v1/gonum/mat"

// Clone returns a deep copy of p: parameters with the same values and zero
// gradients of their own, and scratch buffers of its own, so that the copy
// and p can be used from two goroutines at once and trained or changed
// independently. A fixed backward policy (Config.Backward) is shared, not
// copied: it must be safe for concurrent use if the two are used at once
// (gfn.Uniform and gfn.Fixed are when their environment is). The
// environment is shared too, on the same condition.
//
// Clone is how each goroutine of a service gets a sampler of its own for one
// trained model; Replica, by contrast, shares the parameter values, for the
// workers of one training step.
func (p *Policy) Clone() *Policy {
	q := p.Replica() // its own gradients and scratch, p's values
	for _, n := range q.Params() {
		n.Value = mat.DenseCopyOf(n.Value)
	}
	return q
}
