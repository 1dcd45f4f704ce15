package optim

import "math"

// Schedule varies the learning rate during training. An optimizer with a
// Schedule multiplies the learning rate of every group by Scale(t) at its
// step t, counted from 0 (the first Step uses Scale(0)). Since t is part of
// the optimizer's state (MarshalBinary), a resumed run continues the schedule
// where it stopped.
type Schedule interface {
	// Scale returns the learning-rate factor at step t ≥ 0.
	Scale(t int) float64
}

var (
	_ Schedule = ExpDecay{}
	_ Schedule = StepDecay{}
	_ Schedule = Warmup{}
)

// ExpDecay decays the learning rate exponentially: Scale(t) = max(Gammaᵗ, Min).
// The zero value is constant.
type ExpDecay struct {
	Gamma float64 // decay per step, in (0, 1]; 0 means 1 (no decay)
	Min   float64 // floor on the factor; 0 means none
}

// Scale returns max(Gammaᵗ, Min).
func (s ExpDecay) Scale(t int) float64 {
	return math.Max(math.Pow(or(s.Gamma, 1), float64(t)), s.Min)
}

// StepDecay multiplies the learning rate by Gamma every Every steps:
// Scale(t) = Gamma^⌊t/Every⌋. The zero value is constant.
type StepDecay struct {
	Gamma float64 // factor per period; 0 means 1 (no decay)
	Every int     // period in steps; 0 or less means never
}

// Scale returns Gamma^⌊t/Every⌋.
func (s StepDecay) Scale(t int) float64 {
	if s.Every <= 0 {
		return 1
	}
	return math.Pow(or(s.Gamma, 1), float64(t/s.Every))
}

// Warmup ramps the learning rate up linearly over the first Steps steps,
// Scale(t) = (t+1)/Steps, then follows Then, started afresh: Scale(t) =
// Then.Scale(t − Steps). The zero value is constant.
type Warmup struct {
	Steps int      // length of the ramp; 0 means none
	Then  Schedule // schedule after the ramp; nil means constant
}

// Scale returns the warm-up factor at step t.
func (s Warmup) Scale(t int) float64 {
	if t < s.Steps {
		return float64(t+1) / float64(s.Steps)
	}
	if s.Then == nil {
		return 1
	}
	return s.Then.Scale(t - s.Steps)
}
