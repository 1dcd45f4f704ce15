package gemm

import (
	"runtime"
	"sync"
)

// parallelFlops is the smallest product, in flops (2·m·n·k), that is split
// across goroutines. Below it the hand-off to a parked worker, and the
// packing each piece repeats, cost more than they save: on the 2-core
// machine this was tuned on, m=64, k=256, n=256 (8.4 Mflop, ~120 µs) ran
// no faster split in two, while 256³ (33.5 Mflop) gained.
var parallelFlops = 1 << 24

// maxTasks bounds the number of pieces one call is cut into.
const maxTasks = 16

// task is one piece of a parallel call: a rectangle of C.
type task struct {
	kr             *kernel
	p              *params
	i0, i1, j0, j1 int
	wg             *sync.WaitGroup
}

// call is the per-call state of a parallel product. Calls are recycled
// through a free list, so concurrent products never share one.
type call struct {
	p     params
	wg    sync.WaitGroup
	tasks [maxTasks]task
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
	queue    chan *task
)

func startPool() {
	workers = min(runtime.GOMAXPROCS(0), maxTasks) - 1
	queue = make(chan *task, maxTasks*4)
	for range workers {
		go worker()
	}
}

func worker() {
	buf := newBuffers()
	for t := range queue {
		t.kr.compute(t.p, t.i0, t.i1, t.j0, t.j1, buf)
		t.wg.Done()
	}
}

// run computes C = alpha·op(A)·op(B) + beta·C for the product described by
// p with kernel kr, on the calling goroutine when it is small and split
// across the worker pool when it is large.
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
	cl.p = *p
	alongM, parts := split(kr, p.m, p.n, p.k, nw)
	unit, total := kr.nr, p.n
	if alongM {
		unit, total = kr.mr, p.m
	}
	tiles := (total + unit - 1) / unit
	cl.wg.Add(parts - 1)
	lo := 0
	for w := 0; w < parts; w++ {
		hi := min(total, (w+1)*tiles/parts*unit)
		t := &cl.tasks[w]
		*t = task{kr: kr, p: &cl.p, i0: 0, i1: p.m, j0: lo, j1: hi, wg: &cl.wg}
		if alongM {
			t.i0, t.i1, t.j0, t.j1 = lo, hi, 0, p.n
		}
		lo = hi
	}
	for w := 1; w < parts; w++ {
		queue <- &cl.tasks[w]
	}
	buf := bufList.get()
	t := &cl.tasks[0]
	kr.compute(t.p, t.i0, t.i1, t.j0, t.j1, buf)
	bufList.put(buf)
	cl.wg.Wait()
	cl.p = params{}
	cl.tasks = [maxTasks]task{}
	callList.put(cl)
}

// split chooses whether to cut C into row or column strips and into how
// many, minimising an estimate of the slowest piece's time: its flops plus
// the packing it repeats (every row strip packs all of B, every column strip
// all of A).
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
