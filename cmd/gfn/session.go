package main

import "math"

// session is a training run as the CLI drives it. newSession (backend.go)
// builds one on the gfn library from a config; the CLI's own tests substitute
// a fake so that flag handling, metrics, plots and checkpoints are tested
// independently of the library.
type session interface {
	// Step runs one training iteration and returns what it measured. An
	// error wrapping gfn.ErrNonFinite leaves the model as it was, a state
	// that Save can checkpoint; after any other error the state is unknown.
	Step() (stepStats, error)
	// Iter returns the number of iterations done, Trajectories the number of
	// trajectories sampled so far.
	Iter() int
	Trajectories() int
	// Evaluate returns exact (and, when available, empirical) metrics.
	Evaluate() (evaluation, error)
	// Save writes a checkpoint to path; Load restores one. Their errors
	// name the path.
	Save(path string) error
	Load(path string) error
	// StateDim is the length of a state.
	StateDim() int
	// StateAt writes the state with index i (the index of Target and Learned
	// in an evaluation) into dst.
	StateAt(dst []int, i int)
	// Sample writes n terminal states, StateDim integers each, sampled from
	// the model with the given seed, into dst.
	Sample(dst []int, n int, seed uint64) error
	// Format returns the readable form of an object: the coordinates of a
	// hypergrid cell separated by spaces, the bits of a sequence.
	Format(x []int) string
	// Correlation returns the papers' test-set correlation (Spearman's ρ
	// between log R and the model's estimate of log P, with the uniform and
	// with the learned P_B, NaN without one), or NaN, NaN when the
	// environment has no test set.
	Correlation() (uniform, learned float64, err error)
}

// stepStats is what an iteration measures; NaN means not measured (the loss
// of a Soft DQN iteration before learning starts, the backward loss of an
// algorithm without a backward step).
type stepStats struct {
	Loss         float64
	BackwardLoss float64 // TLM's loss, −Σ log P_B over the batch
	BackwardGap  float64 // mean |log P_B − log P_B uniform| over the batch
}

// evaluation is what Evaluate measures.
type evaluation struct {
	L1, L1Mean, KL, JSD float64
	// LogZ is the model's estimate of log Z: the learned log Z of TB, or
	// log F(s₀) of a model with a flow head; NaN when it has neither.
	LogZ     float64
	TrueLogZ float64
	// EmpL1Mean and EmpKL are the papers' empirical metrics over the last
	// training samples, NaN when not available.
	EmpL1Mean, EmpKL float64
	// Modes is the number of modes found in training (states at maximal
	// reward of a hypergrid; the bit sequences' modes within Hamming
	// distance 30), or −1 when not available.
	Modes, NumModes int
	// MeanLogR and TopLogR are the mean and top-100 mean log-rewards of the
	// recent training samples, NaN when not available; Exact says whether
	// the exact distances above were computed (an Enumerable environment).
	MeanLogR, TopLogR float64
	Exact             bool
	// AvgL1 and AvgLogZ are the exact L1 and log Z of the averaged model
	// (-average), NaN without one.
	AvgL1, AvgLogZ float64
	// Target and Learned are the terminal distributions, by state index.
	Target, Learned []float64
}

// logZGap returns |log Z − learned log Z|, NaN when there is no learned log Z.
func (e *evaluation) logZGap() float64 { return math.Abs(e.LogZ - e.TrueLogZ) }
