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
	// that need them (flow matching evaluates the parents of visited states).
	// It may be nil for objectives that do not.
	Model Evaluator
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
}

// Regression turns residuals into losses element-wise; the zero value of an
// objective's Regression field means SquaredResidual.
type Regression func(t *autograd.Tape, r *autograd.Node) *autograd.Node

// SquaredResidual returns r².
func SquaredResidual(t *autograd.Tape, r *autograd.Node) *autograd.Node { return t.Square(r) }
