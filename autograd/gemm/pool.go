package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFlops is the smallest product, in flops (2·m·n·k), that is split
// across goroutines. Below it the hand-off to a parked worker, the packing
// each piece repeats, and above all the cost of the result living in two
// cores' caches outweigh the gain. Measured in isolation on a 2-core
// machine, splitting pays from m=128, k=256, n=256 (16.8 Mflop: 92-95 vs
// 80-93 GFLOP/s) and more for 256³ (112 vs 90) and m=1024 (123-132 vs
// 84-92). Inside a training step it does not at the smaller sizes: the
// next consumer (the optimizer reading ∂W, the next layer reading ∂X)
// fetches the helper's half from the other core, which on the 2-core
// AMD EPYC VM these numbers come from took longer than the arithmetic it
// saved (Adam after a shared 256×256 weight gradient: 174 vs 50 µs). With
// the threshold raised from 2²⁴ to 2²⁶ (quiet, interleaved, 4 rounds):
// BenchmarkTrainHypergrid/D=2,H=8 0.96-1.07 → 0.81-0.86 ms, SoftDQNStep
// 2.7-3.1 → 2.1-2.5 ms, MLPStep batch 256 1.57-1.65 → 1.51-1.60 ms, batch
// 1024 (still split) 5.39-5.60 → 5.51-5.64 ms.
var parallelFlops = 1 << 26

// maxWorkers bounds the size of the worker pool.
const maxWorkers = 16

// piecesPerWorker is how many pieces a parallel product is cut into per
// goroutine. Pieces are claimed from a shared counter, so when a helper is
// slow to start (its core is busy with other work) the caller takes its
// pieces instead of waiting for it.
const piecesPerWorker = 2

// call is the shared state of one parallel product. Calls are recycled
// through a free list, so concurrent products never share one; a call is
// recycled only when the caller and every helper it signalled have let go.
type call struct {
	kr     *kernel
	p      params
	alongM bool // pieces are row strips (else column strips)
	unit   int  // pieces are multiples of this many rows or columns
	parts  int  // number of pieces
	next   atomic.Int64
	done   sync.WaitGroup // counts unfinished pieces
	refs   atomic.Int32   // holders: the caller and signalled helpers
}

// piece returns the rectangle [i0, i1)×[j0, j1) of C of piece w.
func (cl *call) piece(w int) (i0, i1, j0, j1 int) {
	total := cl.p.n
	if cl.alongM {
		total = cl.p.m
	}
	tiles := (total + cl.unit - 1) / cl.unit
	lo := min(total, w*tiles/cl.parts*cl.unit)
	hi := min(total, (w+1)*tiles/cl.parts*cl.unit)
	if cl.alongM {
		return lo, hi, 0, cl.p.n
	}
	return 0, cl.p.m, lo, hi
}

// work claims and computes pieces until none are left.
func (cl *call) work(buf *buffers) {
	for {
		w := int(cl.next.Add(1) - 1)
		if w >= cl.parts {
			return
		}
		i0, i1, j0, j1 := cl.piece(w)
		cl.kr.compute(&cl.p, i0, i1, j0, j1, buf)
		cl.done.Done()
	}
}

// release drops one holder; the last one recycles the call.
func (cl *call) release() {
	if cl.refs.Add(-1) == 0 {
		cl.kr, cl.p = nil, params{} // drop the caller's slices
		callList.put(cl)
	}
}

// freeList is a mutex-guarded stack of reusable objects. Unlike sync.Pool it
// is never emptied by the garbage collector, so once it holds as many objects
// as there are concurrent users, get and put never allocate.
type freeList[T any] struct {
	mu    sync.Mutex
	items []*T
	alloc func() *T
}

func (f *freeList[T]) get() *T {
	f.mu.Lock()
	if n := len(f.items); n > 0 {
		x := f.items[n-1]
		f.items = f.items[:n-1]
		f.mu.Unlock()
		return x
	}
	f.mu.Unlock()
	return f.alloc()
}

func (f *freeList[T]) put(x *T) {
	f.mu.Lock()
	f.items = append(f.items, x)
	f.mu.Unlock()
}

var (
	bufList  = freeList[buffers]{alloc: newBuffers}
	callList = freeList[call]{alloc: func() *call { return new(call) }}

	// The worker pool: started on the first parallel call with
	// GOMAXPROCS−1 goroutines, each owning its packing buffers.
	poolOnce sync.Once
	workers  int
	queue    chan *call
)

func startPool() {
	workers = min(runtime.GOMAXPROCS(0), maxWorkers) - 1
	queue = make(chan *call, 4*maxWorkers)
	for range workers {
		go worker()
	}
}

func worker() {
	buf := newBuffers()
	for cl := range queue {
		cl.work(buf)
		cl.release()
	}
}

// run computes C = alpha·op(A)·op(B) + beta·C for the product described by
// p with kernel kr, on the calling goroutine when it is small and shared
// with the worker pool when it is large.
func run(kr *kernel, p *params, beta float64) {
	if kr.narrow != nil && p.n <= kr.narrow.nr {
		kr = kr.narrow
	}
	p.dot = useDot(kr, p)
	p.overwrite = beta == 0 && kr.masked && !p.dot
	if !p.overwrite {
		scaleC(p.m, p.n, beta, p.c, p.ldc)
	}
	nw := 1
	if 2*p.m*p.n*p.k >= parallelFlops {
		nw = runtime.GOMAXPROCS(0)
	}
	if nw > 1 {
		poolOnce.Do(startPool)
		nw = min(nw, workers+1)
	}
	if nw <= 1 {
		buf := bufList.get()
		kr.compute(p, 0, p.m, 0, p.n, buf)
		bufList.put(buf)
		return
	}
	cl := callList.get()
	cl.kr, cl.p = kr, *p
	cl.alongM, cl.parts = split(kr, p.m, p.n, p.k, piecesPerWorker*nw)
	cl.unit = kr.nr
	if cl.alongM {
		cl.unit = kr.mr
	}
	cl.next.Store(0)
	cl.done.Add(cl.parts)
	helpers := min(nw, cl.parts) - 1
	cl.refs.Store(int32(1 + helpers))
	for range helpers {
		select {
		case queue <- cl:
		default: // every worker is backed up: do the work here
			cl.release()
		}
	}
	buf := bufList.get()
	cl.work(buf)
	bufList.put(buf)
	cl.done.Wait()
	cl.release()
}

// split chooses whether to cut C into row or column strips, and into how
// many (at most nw, at most one per tile), minimising an estimate of the
// largest piece's time: its flops plus the packing it repeats (every row
// strip packs all of B, every column strip all of A).
func split(kr *kernel, m, n, k, nw int) (alongM bool, parts int) {
	mt := (m + kr.mr - 1) / kr.mr
	nt := (n + kr.nr - 1) / kr.nr
	const packCost = 16 // flops one packed element costs, roughly
	cost := func(rows, cols int) int { return 2*rows*cols*k + packCost*(rows+cols)*k }
	pm, pn := min(nw, mt), min(nw, nt)
	costM := cost((mt+pm-1)/pm*kr.mr, n)
	costN := cost(m, (nt+pn-1)/pn*kr.nr)
	if costM <= costN {
		return true, pm
	}
	return false, pn
}
