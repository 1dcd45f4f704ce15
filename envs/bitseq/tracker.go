package bitseq

import (
	"encoding/binary"
	"fmt"

	"github.com/gogfn/gogfn/gfn"
)

// ModeThreshold is the papers' mode_threshold: a mode counts as found once a
// sample lies within this Hamming distance of it.
const ModeThreshold = 30

// ModeTracker counts the modes found so far, cumulatively: mode m is found
// once some added sample x has Hamming(x, m) ≤ the threshold. Modes are the
// entries of the mode list, so a mode drawn twice counts twice, as in the
// official code. A ModeTracker is used by one goroutine at a time.
type ModeTracker struct {
	env       *Env
	threshold int
	found     []bool
	left      []int // modes not found yet
	buf       []uint64
}

// Tracker returns a tracker of e's modes with nothing found, which
// counts a mode as found at Hamming distance ≤ threshold (ModeThreshold in
// the papers).
//
// It panics if threshold < 0.
func (e *Env) Tracker(threshold int) *ModeTracker {
	if threshold < 0 {
		panic(fmt.Sprintf("bitseq: negative mode threshold %d", threshold))
	}
	t := &ModeTracker{
		env:       e,
		threshold: threshold,
		found:     make([]bool, e.cfg.NumModes),
		left:      make([]int, 0, e.cfg.NumModes),
		buf:       make([]uint64, e.packed),
	}
	t.Reset()
	return t
}

// Reset forgets every mode found.
func (t *ModeTracker) Reset() {
	clear(t.found)
	t.left = t.left[:0]
	for m := range t.found {
		t.left = append(t.left, m)
	}
}

// Add records the terminal state x and returns how many modes it finds that
// were not found before. It allocates nothing.
func (t *ModeTracker) Add(x gfn.State) int {
	if len(t.left) == 0 {
		return 0
	}
	e := t.env
	e.pack(t.buf, x)
	n := 0
	for i := 0; i < len(t.left); {
		m := t.left[i]
		if hamming(t.buf, e.modes[m*e.packed:(m+1)*e.packed]) <= t.threshold {
			t.found[m] = true
			t.left[i] = t.left[len(t.left)-1]
			t.left = t.left[:len(t.left)-1]
			n++
			continue
		}
		i++
	}
	return n
}

// Found returns the number of modes found.
func (t *ModeTracker) Found() int { return len(t.found) - len(t.left) }

// IsFound reports whether mode m has been found.
//
// It panics if m is not in [0, NumModes).
func (t *ModeTracker) IsFound(m int) bool { return t.found[m] }

// SetFound marks mode m as found, for resuming from a saved list.
//
// It panics if m is not in [0, NumModes).
func (t *ModeTracker) SetFound(m int) {
	if t.found[m] {
		return
	}
	t.found[m] = true
	for i, v := range t.left {
		if v == m {
			t.left[i] = t.left[len(t.left)-1]
			t.left = t.left[:len(t.left)-1]
			return
		}
	}
}

// NumModes returns the number of modes, found or not.
func (t *ModeTracker) NumModes() int { return len(t.found) }

// MarshalBinary encodes the threshold and which modes are found.
func (t *ModeTracker) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 8+len(t.found))
	b = binary.LittleEndian.AppendUint64(b, uint64(t.threshold))
	for _, f := range t.found {
		v := byte(0)
		if f {
			v = 1
		}
		b = append(b, v)
	}
	return b, nil
}

// UnmarshalBinary restores what MarshalBinary encoded into a tracker with the
// same threshold and number of modes; on error t is unchanged.
func (t *ModeTracker) UnmarshalBinary(data []byte) error {
	if len(data) != 8+len(t.found) {
		return fmt.Errorf("bitseq: a mode tracker state of %d bytes, want %d", len(data), 8+len(t.found))
	}
	if th := binary.LittleEndian.Uint64(data); th != uint64(t.threshold) {
		return fmt.Errorf("bitseq: a mode tracker with threshold %d, want %d", th, t.threshold)
	}
	for _, v := range data[8:] {
		if v > 1 {
			return fmt.Errorf("bitseq: a mode tracker flag %d", v)
		}
	}
	t.Reset()
	for m, v := range data[8:] {
		if v == 1 {
			t.SetFound(m)
		}
	}
	return nil
}

// NewModeTracker returns a tracker of the modes at the configured threshold
// (the papers' ModeThreshold = 30 for n = 120), for the training loop
// (gfn.ModeFinder).
func (e *Env) NewModeTracker() gfn.ModeTracker { return e.Tracker(e.cfg.Threshold) }

// TestObjects returns the test set's sequences and log-rewards
// (gfn.TestSetter). It is built on the first call and kept.
func (e *Env) TestObjects() ([]gfn.State, []float64) {
	e.testOnce.Do(func() { e.test = e.TestSet() })
	return e.test.X, e.test.LogR
}

// ForwardAction returns the action that writes back the word at position b
// of s: b·2^k + s[b] (gfn.ForwardActioner).
func (e *Env) ForwardAction(s gfn.State, b int) int { return e.Action(b, s[b]) }
