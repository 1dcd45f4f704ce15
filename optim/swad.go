package optim

import (
	"encoding"
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
)

var (
	_ Averager                   = (*SWAD)(nil)
	_ encoding.BinaryMarshaler   = (*SWAD)(nil)
	_ encoding.BinaryUnmarshaler = (*SWAD)(nil)
)

// SWAD is stochastic weight averaging densely (Cha et al., "SWAD: Domain
// Generalization by Seeking Flat Minima", NeurIPS 2021, arXiv 2102.08604),
// with the start and stop rule of the official WAKD code (Berezovskiy and
// Morozov 2023), which differs from SWAD's own code by the offsets noted below.
//
// Training is cut into segments of Segment updates: segment j holds the
// iterates θ_t for (j−1)·Segment < t ≤ j·Segment. SWAD keeps the uniform mean
// of the current segment's iterates; at the end of segment j it calls Loss,
// which evaluates the live parameters θ_{j·Segment} on validation data, giving
// L_j, and queues the segment mean m_j. With n_c = NConverge, n_t = NTolerance
// and r = ToleranceRatio:
//
//   - Start: at the first j > n_c whose window L_{j−n_c+1}, …, L_j has its
//     oldest value as its minimum, the SWAD model starts as m_{j−n_c} (the
//     segment just before the window: the official queue's offset; SWAD's
//     own code starts at the window's oldest), and the threshold becomes
//     r · mean(L_{j−n_c+1}, …, L_j).
//   - Continue: from then on, once n_t − 1 segment means are queued, each
//     segment end adds the oldest queued mean to the SWAD model.
//   - Stop: at the first segment end, after that addition, when all of the
//     last n_t losses exceed the threshold, the queue is dropped and the SWAD
//     model is final; later Updates do nothing and Loss is no longer called.
//
// The SWAD model is the uniform mean of the segment means it holds, that is
// of every iterate of those consecutive segments. Until it stops, CopyTo and
// Swap also fold in the segment means still queued, as the official code does
// at the end of training. A NaN loss counts as +Inf.
//
// Memory is max(n_c + 1, n_t − 1) + 2 copies of the parameters (one more
// after the first Swap), allocated on the first Update; later Updates
// allocate nothing (apart from what Loss does).
type SWAD struct {
	Params         []*autograd.Node
	Segment        int     // updates per segment; 0 means 100
	NConverge      int     // n_c, the convergence window; 0 means 3
	NTolerance     int     // n_t, the stopping window; 0 means 6
	ToleranceRatio float64 // r, threshold factor; 0 means 1.3
	// Loss returns the validation loss of the live Params. It is called
	// after every Segment-th Update until the valley ends, and is required.
	Loss func() float64

	t      int
	seg    [][]float64   // mean of the current segment
	segN   int           // iterates in seg
	queue  [][][]float64 // ring of queued segment means, all slots allocated
	head   int
	size   int
	losses []float64 // ring of the last max(n_c, n_t) losses
	nloss  int       // segments ended
	final  [][]float64
	finalN int // segments in final
	first  int // index of the first segment in final; 0 before the start
	thresh float64
	done   bool

	scratch [][]float64
	swapped bool
}

// settings returns the settings with their defaults filled in.
//
// It panics if a setting is negative.
func (s *SWAD) settings() (seg, nc, nt int, ratio float64) {
	seg, nc, nt = s.Segment, s.NConverge, s.NTolerance
	if seg == 0 {
		seg = 100
	}
	if nc == 0 {
		nc = 3
	}
	if nt == 0 {
		nt = 6
	}
	ratio = or(s.ToleranceRatio, 1.3)
	if seg < 1 || nc < 1 || nt < 1 || !(ratio > 0) {
		panic(fmt.Sprintf("optim: SWAD with Segment %d, NConverge %d, NTolerance %d, ToleranceRatio %v",
			s.Segment, s.NConverge, s.NTolerance, s.ToleranceRatio))
	}
	return seg, nc, nt, ratio
}

// Update records the parameters' current values and, at the end of a
// segment, calls Loss and applies the start and stop rule.
//
// It panics if Loss is nil, a setting is negative, the average is swapped
// in, or the parameters' number or shapes have changed since the first
// Update.
func (s *SWAD) Update() {
	F, nc, nt, ratio := s.settings()
	if s.Loss == nil {
		panic("optim: SWAD without a Loss function")
	}
	checkNotSwapped("SWAD", s.swapped)
	s.t++
	if s.done {
		return
	}
	s.ensure(nc, nt)
	s.segN++
	accumulate(s.seg, s.Params, s.segN)
	if s.t%F != 0 {
		return
	}
	loss := s.Loss()
	if math.IsNaN(loss) {
		loss = math.Inf(1)
	}
	s.losses[s.nloss%len(s.losses)] = loss
	s.nloss++
	slot := (s.head + s.size) % len(s.queue)
	s.queue[slot], s.seg = s.seg, s.queue[slot]
	s.size++
	s.segN = 0

	if s.first == 0 {
		if s.size <= nc {
			return
		}
		oldest, sum := s.loss(nc-1), 0.0
		converged := !math.IsInf(oldest, 1)
		for i := 0; i < nc; i++ {
			l := s.loss(i)
			sum += l
			converged = converged && oldest <= l
		}
		m := s.pop()
		if converged {
			s.final, s.queue[(s.head+len(s.queue)-1)%len(s.queue)] = m, s.final
			s.finalN, s.first = 1, s.nloss-s.size
			s.thresh = ratio * sum / float64(nc)
		}
		return
	}
	if s.size < nt-1 {
		return
	}
	s.finalN++
	for i, m := range s.pop() {
		meanStep(s.final[i], m, s.finalN)
	}
	above := true
	for i := 0; i < min(nt, s.nloss); i++ {
		above = above && s.loss(i) > s.thresh
	}
	if above {
		s.done, s.size = true, 0
	}
}

// loss returns L_{J−i} for the last ended segment J.
func (s *SWAD) loss(i int) float64 { return s.losses[(s.nloss-1-i)%len(s.losses)] }

// pop removes the oldest queued segment mean and returns its buffers, which
// stay owned by the ring.
func (s *SWAD) pop() [][]float64 {
	m := s.queue[s.head]
	s.head = (s.head + 1) % len(s.queue)
	s.size--
	return m
}

// ensure allocates every buffer on the first Update, and afterwards panics
// if the parameters no longer fit them.
func (s *SWAD) ensure(nc, nt int) {
	if s.seg != nil && fitBufs(s.seg, s.Params) == nil && len(s.losses) == max(nc, nt) && len(s.queue) >= max(nc+1, nt-1) {
		return
	}
	if s.t > 1 {
		panic(fmt.Sprintf("optim: SWAD parameters or windows changed after %d updates", s.t-1))
	}
	s.seg, s.final = newBufs(s.Params), newBufs(s.Params)
	s.queue = make([][][]float64, max(nc+1, nt-1))
	for i := range s.queue {
		s.queue[i] = newBufs(s.Params)
	}
	s.losses = make([]float64, max(nc, nt))
}

// Count returns the number of iterates in the SWAD model, including the
// segments still queued; 0 before the start.
func (s *SWAD) Count() int {
	first, last := s.Valley()
	if first == 0 {
		return 0
	}
	F, _, _, _ := s.settings()
	return (last - first + 1) * F
}

// Valley returns the first and last segment whose mean is in the SWAD model
// (segment j holds updates (j−1)·Segment+1 to j·Segment), or 0, 0 before the
// start. Until the valley ends, last includes the queued segments.
func (s *SWAD) Valley() (first, last int) {
	if s.first == 0 {
		return 0, 0
	}
	last = s.first + s.finalN - 1
	if !s.done {
		last += s.size
	}
	return s.first, last
}

// Done reports whether the valley has ended: the SWAD model is final.
func (s *SWAD) Done() bool { return s.done }

// Threshold returns the stopping threshold, r times the mean loss of the
// window that started the average; 0 before the start.
func (s *SWAD) Threshold() float64 { return s.thresh }

// Steps returns the number of Updates.
func (s *SWAD) Steps() int { return s.t }

// CopyTo writes the SWAD model into the values of dst.
//
// It panics if Count is 0, len(dst) ≠ len(Params) or a shape differs.
func (s *SWAD) CopyTo(dst []*autograd.Node) {
	checkCount("SWAD", s.Count())
	if s.swapped {
		copyBufs(dst, nil, true, s.Params)
		return
	}
	checkDst(dst, s.Params)
	for i, d := range dst {
		s.result(raw(d.Value), i)
	}
}

// result writes the SWAD model's parameter i into out.
func (s *SWAD) result(out []float64, i int) {
	copy(out, s.final[i])
	if s.done {
		return
	}
	for q := 0; q < s.size; q++ {
		meanStep(out, s.queue[(s.head+q)%len(s.queue)][i], s.finalN+q+1)
	}
}

// Swap exchanges the SWAD model with the values of Params.
//
// It panics if Count is 0.
func (s *SWAD) Swap() {
	checkCount("SWAD", s.Count())
	if !s.swapped {
		if fitBufs(s.scratch, s.Params) != nil {
			s.scratch = newBufs(s.Params)
		}
		for i := range s.scratch {
			s.result(s.scratch[i], i)
		}
	}
	swapBufs(s.Params, s.scratch)
	s.swapped = !s.swapped
}

// MarshalBinary returns the state (counters, threshold, recent losses, the
// current segment mean, the SWAD model and the queued segment means) in the
// versioned, checksummed format of the optimizers' state. It returns an
// error while the average is swapped in.
func (s *SWAD) MarshalBinary() ([]byte, error) {
	if s.swapped {
		return nil, errSwapped
	}
	_, nc, nt, _ := s.settings()
	meta := make([]float64, 7+max(nc, nt))
	done := 0.0
	if s.done {
		done = 1
	}
	copy(meta, []float64{float64(s.segN), float64(s.size), float64(s.nloss), float64(s.finalN), float64(s.first), s.thresh, done})
	copy(meta[7:], s.losses)
	if s.t == 0 {
		return marshalAvg("SWAD", 0, meta), nil
	}
	groups := [][][]float64{s.seg, s.final}
	for q := 0; q < s.size; q++ {
		groups = append(groups, s.queue[(s.head+q)%len(s.queue)])
	}
	return marshalAvg("SWAD", s.t, meta, groups...), nil
}

// UnmarshalBinary restores state written by MarshalBinary, checked against
// Params and the window settings, which must be those of the saved run. On
// error (wrapping ErrState) the SWAD is unchanged.
func (s *SWAD) UnmarshalBinary(data []byte) error {
	F, nc, nt, _ := s.settings()
	nl, nq := max(nc, nt), max(nc+1, nt-1)
	t, meta, bufs, err := unmarshalAvg("SWAD", data, 7+nl)
	if err != nil {
		return err
	}
	var c [5]int
	for i, lim := range []int{F, nq, t, t, t} {
		if c[i], err = count(meta[i], lim); err != nil {
			return err
		}
	}
	segN, size, nloss, finalN, first := c[0], c[1], c[2], c[3], c[4]
	done := meta[6] == 1
	ngroups := 2 + size
	if t == 0 {
		ngroups = 0
	}
	if err := fitGroups(bufs, s.Params, ngroups); err != nil {
		return err
	}
	if meta[6] != 0 && !done || (first == 0) != (finalN == 0) || done && size != 0 {
		return fmt.Errorf("%w: inconsistent SWAD counters", ErrState)
	}
	next := SWAD{t: t, segN: segN, size: size, nloss: nloss, finalN: finalN, first: first, thresh: meta[5], done: done}
	if t > 0 {
		p := len(s.Params)
		next.seg, next.final = bufs[:p], bufs[p:2*p]
		next.queue = make([][][]float64, nq)
		for q := range next.queue {
			if q < size {
				next.queue[q] = bufs[(2+q)*p : (3+q)*p]
			} else {
				next.queue[q] = newBufs(s.Params)
			}
		}
		next.losses = append([]float64(nil), meta[7:]...)
	}
	s.t, s.seg, s.segN, s.queue, s.head, s.size = next.t, next.seg, next.segN, next.queue, 0, next.size
	s.losses, s.nloss, s.final, s.finalN, s.first = next.losses, next.nloss, next.final, next.finalN, next.first
	s.thresh, s.done, s.scratch, s.swapped = next.thresh, next.done, nil, false
	return nil
}
