package softrl

// Clone returns a deep copy of q: parameters with the same values and zero
// gradients of their own, and scratch buffers of its own, so that the copy
// and q can be used from two goroutines at once. The environment is shared:
// it must be safe for concurrent use if the two are used at once.
func (q *QNet) Clone() *QNet { return &QNet{Env: q.Env, Net: q.Net.Clone()} }
