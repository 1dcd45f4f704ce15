package optim

import (
	"encoding"
	"fmt"

	"github.com/gogfn/gogfn/autograd"
)

// Averager keeps an average of the values a parameter list takes during
// training: a second set of weights that is often a better model than the
// last iterate. Update is called after every optimizer step; the average is
// read with CopyTo (into another model of the same structure) or Swap (which
// exchanges it with the live parameters, so that the training network itself
// can be evaluated, saved or sampled with the average and then restored).
//
// Average (SWA and WAKD's uniform average from t₀), EMA, SWAD and SMA
// implement it, and each is also an encoding.BinaryMarshaler and
// BinaryUnmarshaler whose state restores the run bit-identically.
type Averager interface {
	// Update records the parameters' current values.
	Update()
	// Count returns the number of iterates in the average that CopyTo and
	// Swap would give now; 0 means there is none yet.
	Count() int
	// CopyTo writes the average into the values of dst, which must have the
	// shapes of the averaged parameters.
	CopyTo(dst []*autograd.Node)
	// Swap exchanges the average with the parameters' values. A second Swap
	// restores both exactly; Update must not be called in between.
	Swap()
}

var (
	_ Averager                   = (*Average)(nil)
	_ encoding.BinaryMarshaler   = (*Average)(nil)
	_ encoding.BinaryUnmarshaler = (*Average)(nil)
	_ Averager                   = (*EMA)(nil)
	_ encoding.BinaryMarshaler   = (*EMA)(nil)
	_ encoding.BinaryUnmarshaler = (*EMA)(nil)
)

// Average is the uniform running average of the iterates from update Start
// on: after update T ≥ t₀ = Start it holds
//
//	θ̄ = (1/(T − t₀ + 1)) · Σ_{t=t₀}^{T} θ_t,
//
// kept as an incremental mean, θ̄ ← θ̄ + (θ_t − θ̄)/k for the k-th averaged
// iterate (the first is copied). This is stochastic weight averaging (SWA,
// Izmailov et al. 2018, arXiv 1803.05407) with a constant learning rate, and
// the WAKD model of Berezovskiy and Morozov ("Weight Averaging Improves
// Knowledge Distillation under Domain Shift", 2023, arXiv 2309.11446), which
// averages every iterate from t₀ (10% of training) to the end, with no
// validation data. Updates are counted from 1: the t-th call to Update
// records θ_t, the parameters after t optimizer steps.
//
// Buffers are allocated on the first Update; later Updates allocate nothing.
type Average struct {
	Params []*autograd.Node
	Start  int // t₀, the first update whose iterate is averaged; 0 means 1

	t, k int
	held
}

// Update records the parameters' current values: θ_t with t one more than at
// the previous call. Iterates before Start are counted but not averaged.
//
// It panics if the average is swapped in or the parameters' number or shapes
// have changed since the first Update.
func (a *Average) Update() {
	checkNotSwapped("Average", a.swapped)
	ensureBufs(&a.bufs, a.Params, a.t)
	a.t++
	if a.t < a.Start {
		return
	}
	a.k++
	accumulate(a.bufs, a.Params, a.k)
}

// Count returns the number of averaged iterates.
func (a *Average) Count() int { return a.k }

// Steps returns the number of Updates.
func (a *Average) Steps() int { return a.t }

// CopyTo writes the average into the values of dst.
//
// It panics if Count is 0, len(dst) ≠ len(Params) or a shape differs.
func (a *Average) CopyTo(dst []*autograd.Node) { a.copyTo("Average", a.k, dst, a.Params) }

// Swap exchanges the average with the values of Params.
//
// It panics if Count is 0.
func (a *Average) Swap() { a.swap("Average", a.k, a.Params) }

// MarshalBinary returns the state (update count, averaged count and average)
// in the versioned, checksummed format of the optimizers' state. It returns
// an error while the average is swapped in.
func (a *Average) MarshalBinary() ([]byte, error) {
	return a.marshal("AVG1", a.t, []float64{float64(a.k)})
}

// UnmarshalBinary restores state written by MarshalBinary, checked against
// Params. On error (wrapping ErrState) the Average is unchanged.
func (a *Average) UnmarshalBinary(data []byte) error {
	t, meta, bufs, err := decode("AVG1", data, 1, a.Params, 1)
	if err != nil {
		return err
	}
	k, err := count(meta[0], t)
	if err != nil {
		return err
	}
	a.t, a.k, a.held = t, k, held{bufs: bufs}
	return nil
}

// EMA is an exponential moving average of the iterates,
//
//	θ̄ ← τ·θ̄ + (1 − τ)·θ_t,
//
// the "sampling model" of recursion's gflownet trainer (its sampling_tau,
// usually 0.9 to 0.99), which samples training trajectories with θ̄ rather
// than θ. The first Update copies θ; call Update once before the first
// optimizer step to start from the initial weights, as that trainer does.
// Tau is the weight the average keeps, so EMA{Tau: 0.99} moves as
// Polyak(θ̄, θ, 0.01) does.
//
// Buffers are allocated on the first Update; later Updates allocate nothing.
type EMA struct {
	Params []*autograd.Node
	Tau    float64 // weight kept by the average, in [0, 1); 0 means 0.99

	t int
	held
}

// Update folds the parameters' current values into the average.
//
// It panics if Tau is outside [0, 1), the average is swapped in, or the
// parameters' number or shapes have changed since the first Update.
func (e *EMA) Update() {
	tau := or(e.Tau, 0.99)
	if !(tau >= 0 && tau < 1) {
		panic(fmt.Sprintf("optim: EMA with τ = %v outside [0, 1)", e.Tau))
	}
	checkNotSwapped("EMA", e.swapped)
	ensureBufs(&e.bufs, e.Params, e.t)
	e.t++
	if e.t == 1 {
		accumulate(e.bufs, e.Params, 1)
		return
	}
	for i, p := range e.Params {
		emaKernel(e.bufs[i], raw(p.Value), tau, 1-tau)
	}
}

// Count returns the number of Updates folded into the average.
func (e *EMA) Count() int { return e.t }

// CopyTo writes the average into the values of dst.
//
// It panics if Count is 0, len(dst) ≠ len(Params) or a shape differs.
func (e *EMA) CopyTo(dst []*autograd.Node) { e.copyTo("EMA", e.t, dst, e.Params) }

// Swap exchanges the average with the values of Params.
//
// It panics if Count is 0.
func (e *EMA) Swap() { e.swap("EMA", e.t, e.Params) }

// MarshalBinary returns the state (update count and average). It returns an
// error while the average is swapped in.
func (e *EMA) MarshalBinary() ([]byte, error) { return e.marshal("EMA1", e.t, nil) }

// UnmarshalBinary restores state written by MarshalBinary, checked against
// Params. On error (wrapping ErrState) the EMA is unchanged.
func (e *EMA) UnmarshalBinary(data []byte) error {
	t, _, bufs, err := decode("EMA1", data, 0, e.Params, 1)
	if err != nil {
		return err
	}
	e.t, e.held = t, held{bufs: bufs}
	return nil
}
