package bitseq

import (
	"math/bits"

	"github.com/gogfn/gogfn/gfn"
)

// ModeWords are the five 8-bit words H that modes are made of, in the order
// of the official code's list (numpy's choice draws an index into it).
var ModeWords = [5]string{"00000000", "11111111", "11110000", "00001111", "00111100"}

// buildModes draws the mode set: np.random.seed(seed), then, for each mode,
// n/8 words np.random.choice(H), concatenated.
func (e *Env) buildModes() {
	var r mt19937
	r.seed(e.seed)
	m := e.cfg.NumModes
	e.modes = make([]uint64, m*e.packed)
	e.modeSlots = make([]int, m*e.slots)
	b := make([]byte, e.n)
	for j := 0; j < m; j++ {
		for t := 0; t < e.n/8; t++ {
			copy(b[8*t:], ModeWords[r.choice(len(ModeWords))])
		}
		s := e.modeSlots[j*e.slots : (j+1)*e.slots]
		e.slotsFromBits(s, b)
		e.pack(e.modes[j*e.packed:(j+1)*e.packed], s)
	}
}

// slotsFromBits writes into dst the words of the bit string b ('0' and '1',
// n of them, each word's most significant bit first, as the official code
// writes bin(w).zfill(k)).
func (e *Env) slotsFromBits(dst gfn.State, b []byte) {
	for i := range dst[:e.slots] {
		w := 0
		for _, c := range b[i*e.k : (i+1)*e.k] {
			w = w<<1 | int(c-'0')
		}
		dst[i] = w
	}
}

// pack writes the n bits of the terminal state x into dst (⌈n/64⌉ words,
// slot i at bits i·k … i·k+k−1), the form in which Hamming distances are
// popcounts. Empty slots are packed as word 0.
func (e *Env) pack(dst []uint64, x gfn.State) {
	clear(dst[:e.packed])
	mask := uint64(e.words - 1)
	for i, v := range x[:e.slots] {
		w, p := uint64(v)&mask, i*e.k
		q, r := p>>6, uint(p&63)
		dst[q] |= w << r
		if r+uint(e.k) > 64 {
			dst[q+1] |= w >> (64 - r)
		}
	}
}

// NumModes returns |M|.
func (e *Env) NumModes() int { return e.cfg.NumModes }

// Mode writes mode m into dst as a (terminal) state.
//
// It panics if m is not in [0, NumModes).
func (e *Env) Mode(dst gfn.State, m int) {
	copy(dst[:e.slots], e.modeSlots[m*e.slots:(m+1)*e.slots])
}

// Distance returns min_m Hamming(x, m), the number of bits by which the
// terminal state x differs from its nearest mode.
func (e *Env) Distance(x gfn.State) int {
	_, d := e.Nearest(x)
	return d
}

// Nearest returns the index of the mode nearest to the terminal state x (the
// first one on ties) and its Hamming distance from x. It allocates nothing
// when n ≤ 512.
func (e *Env) Nearest(x gfn.State) (mode, dist int) {
	var buf [maxPacked]uint64
	p := buf[:]
	if e.packed > maxPacked {
		p = make([]uint64, e.packed)
	}
	p = p[:e.packed]
	e.pack(p, x)
	return e.nearest(p)
}

// nearest is Nearest on a packed sequence.
func (e *Env) nearest(p []uint64) (mode, dist int) {
	dist = e.n + 1
	if len(p) == 2 { // n ∈ (64, 128], the papers' n = 120
		p0, p1 := p[0], p[1]
		for j := 0; j < len(e.modes); j += 2 {
			d := bits.OnesCount64(p0^e.modes[j]) + bits.OnesCount64(p1^e.modes[j+1])
			if d < dist {
				mode, dist = j/2, d
			}
		}
		return mode, dist
	}
	for j := 0; j < e.cfg.NumModes; j++ {
		if d := hamming(p, e.modes[j*e.packed:(j+1)*e.packed]); d < dist {
			mode, dist = j, d
		}
	}
	return mode, dist
}

// hamming returns the number of bits in which a and b differ.
func hamming(a, b []uint64) int {
	b = b[:len(a)]
	d := 0
	for i, v := range a {
		d += bits.OnesCount64(v ^ b[i])
	}
	return d
}

// Hamming returns the number of bits in which the terminal states x and y
// differ.
func (e *Env) Hamming(x, y gfn.State) int {
	d := 0
	for i, v := range x[:e.slots] {
		d += bits.OnesCount(uint(v ^ y[i]))
	}
	return d
}

// TestSet is the test set of the correlation metric: every mode, each
// followed by n−1 copies of it with c = 1, …, n−1 bits flipped, |M|·n
// terminal objects in the official code's order.
type TestSet struct {
	X     []gfn.State // the terminal states, views of one array
	LogR  []float64   // log R(X[i]) = −β·min_m Hamming(X[i], m)
	Mode  []int       // the mode X[i] was built from
	Flips []int       // c, the number of bits flipped (0 for the mode itself)
}

// Len returns the number of objects in the test set.
func (t *TestSet) Len() int { return len(t.X) }

// TestSet builds the test set as the official code does: np.random.seed with
// the mode seed again, then, for every mode in order and every c = 1…n−1,
// np.random.choice(n, size=c, replace=False) — the first c entries of
// np.random.permutation(n) — gives the bits to flip. It takes a few
// milliseconds for n = 120.
func (e *Env) TestSet() *TestSet {
	var r mt19937
	r.seed(e.seed)
	m, n := e.cfg.NumModes, e.n
	t := &TestSet{
		X:     make([]gfn.State, m*n),
		LogR:  make([]float64, m*n),
		Mode:  make([]int, m*n),
		Flips: make([]int, m*n),
	}
	flat := make([]int, m*n*e.slots)
	perm := make([]int, n)
	mode := make([]byte, n)
	b := make([]byte, n)
	for j := 0; j < m; j++ {
		e.AppendBits(mode[:0], e.modeSlots[j*e.slots:(j+1)*e.slots])
		for c := 0; c < n; c++ {
			i := j*n + c
			copy(b, mode)
			if c > 0 {
				r.permutation(perm)
				for _, p := range perm[:c] {
					b[p] ^= 1 // '0' ↔ '1'
				}
			}
			x := gfn.State(flat[i*e.slots : (i+1)*e.slots : (i+1)*e.slots])
			e.slotsFromBits(x, b)
			t.X[i], t.Mode[i], t.Flips[i] = x, j, c
			t.LogR[i] = e.LogReward(x)
		}
	}
	return t
}
