package gfn

import "encoding"

// ModeFinder is an environment too large to enumerate whose modes are known
// (the bit sequences' 60 modes): training counts how many of them its
// samples have found, the papers' "modes found".
type ModeFinder interface {
	Env
	// NewModeTracker returns a tracker with no mode found.
	NewModeTracker() ModeTracker
}

// ModeTracker counts, cumulatively, the modes that the objects added to it
// have found. A tracker is a checkpoint's part: it encodes what it found.
type ModeTracker interface {
	// Add records a sampled object and returns the number of modes it found
	// for the first time.
	Add(x State) int
	// Found returns the number of modes found so far, of NumModes.
	Found() int
	NumModes() int
	encoding.BinaryMarshaler
	// UnmarshalBinary restores what MarshalBinary encoded into a tracker of
	// the same environment, validating it; on error the tracker is unchanged.
	encoding.BinaryUnmarshaler
}

// TestSetter is an environment with a test set of objects whose log-rewards
// are known, for the papers' correlation metric: Spearman's ρ between log R(x)
// and a model's estimate of log P(x) over the test set (the bit sequences'
// 7,200 sequences).
type TestSetter interface {
	Env
	// TestObjects returns the test objects and their log-rewards. The
	// caller must not modify them.
	TestObjects() (xs []State, logR []float64)
}

// ForwardActioner is a Reversible environment that can name the forward
// action a backward action undoes: the inverse of BackwardAction. Without it,
// ForwardAction searches the parent's valid actions.
type ForwardActioner interface {
	Reversible
	// ForwardAction returns the forward action that leads from
	// BackwardStep(s, b) back to s.
	ForwardAction(s State, b int) int
}

// ForwardAction returns the forward action that leads from parent, which is
// BackwardStep(s, b), to s: with ForwardActioner at once, otherwise by trying
// the parent's valid actions (mask and scratch are scratch of lengths
// NumActions and StateDim). It returns −1 if no action leads there.
func ForwardAction(env Reversible, parent, s State, b int, mask []bool, scratch State) int {
	if f, ok := env.(ForwardActioner); ok {
		return f.ForwardAction(s, b)
	}
	spec := env.Spec()
	env.Mask(mask, parent)
	for a, ok := range mask {
		if !ok || (spec.Exit && a == spec.NumActions-1) || env.BackwardAction(parent, a) != b {
			continue
		}
		env.Step(scratch, parent, a)
		if equalStates(scratch, s) {
			return a
		}
	}
	return -1
}

func equalStates(a, b State) bool {
	for i, v := range a {
		if b[i] != v {
			return false
		}
	}
	return true
}
