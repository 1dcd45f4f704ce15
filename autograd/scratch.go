package autograd

import "sync"

// floatBuf is a reusable float64 buffer.
type floatBuf struct{ data []float64 }

// scratchList holds the buffers that fused operations borrow during their
// backward pass for gradients they never store (SelfAttention's gradient of
// its projections, FeedForward's of its hidden layer). The buffers live as
// long as the program, so once there are as many as there are concurrent
// backward passes, borrowing allocates nothing; and as only one is in use
// per backward pass, a recorded step does not hold memory for them.
var scratchList struct {
	mu   sync.Mutex
	free []*floatBuf
}

// getScratch returns a buffer of at least n elements, with undefined
// contents; give it back with putScratch.
func getScratch(n int) *floatBuf {
	scratchList.mu.Lock()
	var b *floatBuf
	if k := len(scratchList.free); k > 0 {
		b = scratchList.free[k-1]
		scratchList.free = scratchList.free[:k-1]
	}
	scratchList.mu.Unlock()
	if b == nil {
		b = new(floatBuf)
	}
	if cap(b.data) < n {
		b.data = make([]float64, n)
	}
	b.data = b.data[:n]
	return b
}

// putScratch returns b to the list.
func putScratch(b *floatBuf) {
	scratchList.mu.Lock()
	scratchList.free = append(scratchList.free, b)
	scratchList.mu.Unlock()
}
