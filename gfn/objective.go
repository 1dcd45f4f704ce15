package gfn

import "github.com/gogfn/gogfn/autograd"

// Scores holds, on a tape, a model's estimates for every transition of a Batch,
// in the batch's transition order. Each is an [M×1] node.
type Scores struct {
	// LogPF is log P_F(s'|s) of the action taken (the exit action included).
	LogPF *autograd.Node
	// LogPB is log P_B(s|s') of each transition; 0 on exit edges, where P_B = 1.
	LogPB *autograd.Node
	// LogF is log F(s) of each transition's source state, or nil when the model
	// has no flow head.
	LogF *autograd.Node
	// LogPFExit is log P_F(exit|s) of each transition's source state, for an
	// environment with an exit action (Spec.Exit), or nil. Modified DB needs it.
	LogPFExit *autograd.Node
	// Model evaluates the model on states outside the batch, for objectives
	// that need them (flow matching evaluates the parents of visited states),
	// and Env is the environment the batch comes from. Either may be nil for
	// objectives that do not need them (Needs.Parents).
	Model Evaluator
	Env   Env
}

// Evaluator evaluates a model on arbitrary states.
type Evaluator interface {
	// Evaluate records on t the model's outputs for the n states stored flat in
	// states (n·StateDim integers): log P_F of every forward action [n×A], with
	// −Inf at invalid actions, and log F [n×1], or nil when the model has no
	// flow head.
	Evaluate(t *autograd.Tape, states []int, n int) (logPF, logF *autograd.Node)
}

// Objective is a GFlowNet training loss over a batch of trajectories.
type Objective interface {
	// Loss records on t the loss of batch b, whose scores s the model computed
	// on the same tape, and returns it as a 1×1 node (the mean over the batch).
	Loss(t *autograd.Tape, b *Batch, s *Scores) *autograd.Node
	// Params returns the objective's own trainable parameters (log Z for
	// trajectory balance), or nil.
	Params() []*autograd.Node
	// Needs says what the objective reads beyond log P_F, log P_B and the
	// rewards, so that a training algorithm builds a model that provides it.
	Needs() Needs
}

// Needs describes what an Objective reads from the Scores and the batch
// beyond LogPF, LogPB and the log-rewards.
type Needs struct {
	Flow    bool // Scores.LogF: a log-flow head (DB, SubTB, FM)
	Parents bool // Scores.Model and Scores.Env of a Reversible environment (FM)
	// Exit says that the objective needs an environment in which every
	// state can exit: Scores.LogPFExit and Batch.StateLogReward (modified DB).
	Exit bool
}

// LogPartitioner is an Objective that learns an estimate of log Z
// (trajectory balance's log Z).
type LogPartitioner interface {
	// LogPartition returns the current estimate of log Z.
	LogPartition() float64
}

// Splittable is an Objective whose loss over a batch is the mean of terms
// that each depend on one part of the batch, so that the batch can be split
// among goroutines: the loss of the whole batch is
// Σ Terms(part)·Loss(part) / Σ Terms(part), and so is its gradient. TB, DB,
// ModifiedDB and SubTB are Splittable; ZVar (a variance over the batch) and
// FM are not.
type Splittable interface {
	Objective
	// Terms returns the number of terms whose mean is the loss of b.
	Terms(b *Batch) int
	// Replica returns a copy for another goroutine: the same settings, buffers
	// of its own, and parameters that share the original's values but have
	// gradients of their own, in the same order.
	Replica() Objective
}

// Regression turns residuals into losses element-wise; the zero value of an
// objective's Regression field means SquaredResidual.
type Regression func(t *autograd.Tape, r *autograd.Node) *autograd.Node

// SquaredResidual returns r².
func SquaredResidual(t *autograd.Tape, r *autograd.Node) *autograd.Node { return t.Square(r) }
