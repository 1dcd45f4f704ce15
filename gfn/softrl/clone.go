package softrl

import "github.com/gogfn/gogfn/gfn/policy"

// Clone returns a deep copy of q: parameters with the same values and zero
// gradients of their own, and scratch buffers of its own, so that the copy
// and q can be used from two goroutines at once. The environment is shared:
// it must be safe for concurrent use if the two are used at once.
func (q *QNet) Clone() *QNet { return &QNet{Env: q.Env, Net: q.Net.Clone()} }

// Clone returns a deep copy of q: a network whose parameters hold copies of
// q's values (policy.CloneNetwork), with scratch buffers of its own, in
// evaluation mode, so that the copy and q can be used from two goroutines
// at once.
func (q NetworkQ) Clone() NetworkQ { return NetworkQ{Net: policy.CloneNetwork(q.Net)} }
