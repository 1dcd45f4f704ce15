package gfn

import (
	"fmt"
	"math"
	"slices"

	"github.com/gogfn/gogfn/internal/scratch"

	"github.com/gogfn/gogfn/internal/wire"
)

// DefaultWindow is the papers' evaluation window: the last 200,000 terminal
// objects sampled during training.
const DefaultWindow = 200_000

// Empirical is the papers' empirical evaluation: the distribution of the
// last Window terminal objects sampled during training, compared with the
// target distribution R/Z as the reference code of Tiapkin et al. 2024 and
// Gritsaev et al. 2025 compares them every 100 iterations: the mean over all
// states of |p_emp − p| ("l1_dist", so on a hypergrid the mean over its H^D
// cells, not the sum), and KL(p ‖ p_emp + 1e-9) ("kl_dist"). A perfect
// sampler does not score 0 with a finite window: 200,000 exact draws on the
// standard 20⁴ hypergrid give an L1 of about 1.4e-6. It also remembers every
// state ever visited, to count modes found.
type Empirical struct {
	ring   []int // the last len(ring) ≤ window state indices
	pos    int
	window int
	counts []int  // [NumStates] occurrences in ring
	seen   []bool // [NumStates] ever visited
	total  int
	state  State // scratch
}

// NewEmpirical returns an empty Empirical over numStates states keeping the
// last window samples (DefaultWindow when window is 0).
//
// It panics if numStates < 1 or window < 0.
func NewEmpirical(numStates, window int) *Empirical {
	if numStates < 1 || window < 0 {
		panic("gfn: NewEmpirical with bad sizes")
	}
	if window == 0 {
		window = DefaultWindow
	}
	return &Empirical{window: window, ring: make([]int, 0, window), counts: make([]int, numStates), seen: make([]bool, numStates)}
}

// Add records one sampled terminal object, by state index.
//
// It panics if i is out of range.
func (e *Empirical) Add(i int) {
	e.seen[i] = true
	e.counts[i]++
	e.total++
	if len(e.ring) < e.window {
		e.ring = append(e.ring, i)
		return
	}
	e.counts[e.ring[e.pos]]--
	e.ring[e.pos] = i
	e.pos = (e.pos + 1) % e.window
}

// AddBatch records the terminal object of every trajectory of b. It returns
// an error wrapping ErrEnv, and records nothing more, if the environment
// gives a terminal object an index outside [0, NumStates), or an index whose
// state (StateAt) is another: two states that share an index would corrupt
// every metric.
func (e *Empirical) AddBatch(env Enumerable, b *Batch) error {
	if cap(e.state) < b.StateDim {
		e.state = make(State, b.StateDim)
	}
	s := e.state[:b.StateDim]
	for i := 0; i < b.N; i++ {
		k, err := CheckIndex(env, b.Terminal(i), s, len(e.counts))
		if err != nil {
			return err
		}
		e.Add(k)
	}
	return nil
}

// CheckIndex returns the index of x in env, or an error wrapping ErrEnv if
// it is outside [0, n) or is the index of another state (StateAt): two
// states that share an index would corrupt every metric. n is
// env.NumStates() and s is scratch of len(x). Code that indexes a table by
// the states a Step reaches checks them with it.
func CheckIndex(env Enumerable, x, s State, n int) (int, error) {
	k := env.Index(x)
	if k < 0 || k >= n {
		return k, fmt.Errorf("%w: Index of %v is %d, outside [0, NumStates = %d)", ErrEnv, x, k, n)
	}
	if env.StateAt(s, k); !slices.Equal(s, x) {
		return k, fmt.Errorf("%w: Index of %v is %d, the index of %v (StateAt)", ErrEnv, x, k, s)
	}
	return k, nil
}

// Window returns the largest number of samples the window keeps.
func (e *Empirical) Window() int { return e.window }

// Len returns the number of samples in the window.
func (e *Empirical) Len() int { return len(e.ring) }

// Total returns the number of samples ever added.
func (e *Empirical) Total() int { return e.total }

// Distribution writes the empirical distribution of the window into dst (a
// new slice when dst is nil) and returns it.
func (e *Empirical) Distribution(dst []float64) []float64 {
	dst = scratch.Resize(dst, len(e.counts))
	n := float64(max(len(e.ring), 1))
	for i, c := range e.counts {
		dst[i] = float64(c) / n
	}
	return dst
}

// Distances compares the window's distribution with target as the papers
// do: L1Mean is their "l1_dist", KL their "kl_dist" (with +1e-9).
//
// It panics if len(target) is not the number of states.
func (e *Empirical) Distances(target []float64) Distances {
	return compare(e.Distribution(nil), target, 1e-9)
}

// ModesFound returns how many of the states at the maximal target probability
// have ever been visited, and how many such states there are.
//
// It panics if len(target) is not the number of states.
func (e *Empirical) ModesFound(target []float64) (found, total int) {
	if len(target) != len(e.seen) {
		panic("gfn: ModesFound with a target of the wrong length")
	}
	var mx float64
	for _, t := range target {
		mx = math.Max(mx, t)
	}
	for i, t := range target {
		if t >= mx*(1-1e-9) {
			total++
			if e.seen[i] {
				found++
			}
		}
	}
	return found, total
}

// MarshalBinary encodes the window, the visited states and the counters.
func (e *Empirical) MarshalBinary() ([]byte, error) {
	var b []byte
	b = wire.AppendInt(b, len(e.counts))
	b = wire.AppendInt(b, e.window)
	b = wire.AppendInt(b, e.pos)
	b = wire.AppendInt(b, e.total)
	b = wire.AppendInts(b, e.ring)
	var seen []int
	for i, s := range e.seen {
		if s {
			seen = append(seen, i)
		}
	}
	return wire.AppendInts(b, seen), nil
}

// UnmarshalBinary restores what MarshalBinary encoded into an Empirical
// made by NewEmpirical with the same number of states and window. It
// validates every value first and leaves e unchanged on error.
func (e *Empirical) UnmarshalBinary(data []byte) error {
	d := wire.NewDecoder(data)
	n, w, pos, total := d.Int(), d.Int(), d.Int(), d.Int()
	if d.Err() == nil && (n != len(e.counts) || w != e.window) {
		return errorf("empirical window of %d samples over %d states, want %d over %d", w, n, e.window, len(e.counts))
	}
	ring := d.Ints(make([]int, 0, e.window), e.window)
	seen := d.Ints(nil, len(e.counts))
	if err := d.Done(); err != nil {
		return errorf("empirical window: %v", err)
	}
	if pos < 0 || pos >= e.window || (len(ring) < e.window && pos != 0) || total < len(ring) {
		return errorf("empirical window: position %d, %d samples of %d in all", pos, len(ring), total)
	}
	counts, visited := make([]int, len(e.counts)), make([]bool, len(e.seen))
	for _, i := range ring {
		if i < 0 || i >= len(counts) {
			return errorf("empirical window: state %d out of range", i)
		}
		counts[i]++
	}
	for _, i := range seen {
		if i < 0 || i >= len(visited) {
			return errorf("empirical window: state %d out of range", i)
		}
		visited[i] = true
	}
	e.ring, e.pos, e.total, e.counts, e.seen = ring, pos, total, counts, visited
	return nil
}
