package train

import (
	"encoding"
	"math/rand/v2"

	"github.com/gogfn/gogfn/gfn"
)

// Algorithm is a GFlowNet training algorithm: on-policy objectives
// (package onpolicy), Soft DQN and Munchausen DQN with replay (package
// softrl), and any other that fits. A Trainer drives it and owns what every
// algorithm shares: the random source, the iteration and trajectory
// counters, the empirical window, evaluation, checkpoints and sampling.
//
// An algorithm is a configuration struct whose zero fields mean documented
// defaults; Init validates it and builds the models.
type Algorithm interface {
	// Init sets the algorithm up for env: it checks its configuration
	// (returning an error that names the first bad field), builds its models
	// with initial weights drawn from rng, and its optimizers. The Trainer
	// calls it once, before any other method.
	Init(env gfn.Env, rng *rand.Rand) error
	// Step runs training iteration it (counted from 0) with the random source
	// rng, and leaves in dst the trajectories it sampled, which the Trainer
	// records as the iteration's training samples. It returns what it
	// measured; an error of type gfn.ErrNonFinite means that the parameters
	// were left as they were (by the step whose loss was not finite: an
	// algorithm of two steps, TLM's, may have taken the other, finite one),
	// a state that can be saved and continued from.
	Step(it int, dst *gfn.Batch, rng *rand.Rand) (StepInfo, error)
	// Model returns the trained forward policy, for exact evaluation.
	Model() gfn.Evaluator
	// Actor returns an actor that samples from the trained model without
	// exploration, for Trainer.Sample. It is the algorithm's own and not
	// safe for concurrent use.
	Actor() gfn.Actor
}

// Checkpointer is an Algorithm whose state a checkpoint holds, so that a
// run continues bit-identically after Trainer.Load. The built-in algorithms
// are all Checkpointers.
type Checkpointer interface {
	Algorithm
	// Settings lists the configuration that a checkpoint records and that
	// the algorithm it is loaded into must match, beginning with
	// {"algorithm", name}: the architecture, the objective and every
	// hyperparameter.
	Settings() []gfn.Setting
	// MarshalBinary encodes the state that training changes: parameters,
	// optimizer moments, replay buffers, target networks. Counters and the
	// random source belong to the Trainer.
	encoding.BinaryMarshaler
	// UnmarshalBinary restores what MarshalBinary encoded into an algorithm
	// initialised with the same settings. It validates every value before it
	// changes anything, and leaves the algorithm unchanged on error.
	encoding.BinaryUnmarshaler
}

// LogPartitioner is an Algorithm with an estimate of log Z: a learned log Z
// (trajectory balance), or log F(s₀) of a flow head or of a Q-function's soft
// value.
type LogPartitioner interface {
	LogZ() float64
}

// StepInfo describes one training iteration.
type StepInfo struct {
	// Loss is the loss that the iteration minimised, or NaN when it took no
	// optimizer step (Soft DQN before learning starts).
	Loss float64
	// GradNorm is the global gradient norm before clipping, or NaN when not
	// measured.
	GradNorm float64
	// BackwardLoss and BackwardGap describe the step of an algorithm that
	// trains its backward policy apart from the forward loss (TLM): its loss,
	// and the mean |log P_B − log P_B uniform| over the batch's non-exit
	// transitions. They are 0 for other algorithms.
	BackwardLoss, BackwardGap float64

	// Set by the Trainer:
	Iter    int     // iterations done, this one included
	MeanLen float64 // mean number of transitions per sampled trajectory
	MaxLogR float64 // largest log-reward of the sampled trajectories
}

// Phased is an Algorithm whose iteration splits into sampling and learning,
// so that a wrapper can act on the sampled batch before the algorithm learns
// from it (TLM trains the backward policy there). Step(it, dst, rng) is
// Sample followed by Learn with the same arguments.
type Phased interface {
	Algorithm
	// Sample samples iteration it's trajectories into dst with rng.
	Sample(it int, dst *gfn.Batch, rng *rand.Rand) error
	// Learn trains on the batch Sample left in dst, unchanged since.
	Learn(it int, dst *gfn.Batch, rng *rand.Rand) (StepInfo, error)
}

// BackwardUser is an Algorithm whose backward policy a wrapper sets before
// Init, so that its losses or rewards use that policy: TLM gives the forward
// algorithm the frozen target copy of the P_B it trains.
type BackwardUser interface {
	Algorithm
	// SetBackward sets the backward policy that scores transitions. It
	// returns an error if the algorithm cannot use one.
	SetBackward(pb gfn.Backward) error
}
