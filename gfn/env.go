package gfn

// State is a state of an environment: a fixed-length vector of integers
// (Spec.StateDim of them). The library stores states in flat, preallocated
// batches and hands environments sub-slices of them; an environment must not
// keep a State it is given.
type State []int

// Spec describes the sizes of an environment.
type Spec struct {
	StateDim   int // length of a State
	NumActions int // number of forward actions, the exit action included when Exit is true
	// NumBackward is the number of backward actions of a Reversible environment
	// (0 otherwise).
	NumBackward int
	// InputDim is the width of the network input that Encode writes.
	InputDim int
	// MaxLen bounds the number of forward actions of any trajectory, the exit
	// action included.
	MaxLen int
	// Exit is true when the last forward action, NumActions−1, is "exit": it
	// ends the trajectory at the current state, which becomes the terminal
	// object x (the edge x → s_f). When Exit is false a trajectory ends at the
	// first state with no valid forward action, and that state is x.
	Exit bool
	// OneHot, when positive, says that Encode writes a k-hot vector with
	// exactly OneHot ones; EncodeIndices then gives their positions, and
	// policies use it to replace the first layer's product by a gather.
	OneHot int
}

// Env is a GFlowNet environment: a DAG over States from the initial state
// s₀ = Start. Its author writes pure transitions; the library handles exit and
// sink states, masking, and bookkeeping.
type Env interface {
	// Spec returns the environment's sizes. It must not change.
	Spec() Spec
	// Start writes the initial state s₀ into dst.
	Start(dst State)
	// Mask writes into dst (length NumActions) which forward actions are valid
	// in s. With Spec.Exit, dst[NumActions−1] is whether s may exit.
	Mask(dst []bool, s State)
	// Step writes into dst the state reached from s by the valid, non-exit
	// forward action a. dst and s do not overlap.
	Step(dst, s State, a int)
	// LogReward returns log R(x) of a terminal state x. It must be finite.
	LogReward(x State) float64
	// Encode writes the network input for s into dst (length InputDim).
	Encode(dst []float64, s State)
}

// Reversible is an Env that can also step backwards, from a state to its
// parents. Backward policies (uniform, learned) and objectives that need
// parents (flow matching) require it.
type Reversible interface {
	Env
	// BackwardMask writes into dst (length NumBackward) which backward actions
	// are valid in s: one per parent edge. It is all false only at s₀.
	BackwardMask(dst []bool, s State)
	// BackwardStep writes into dst the parent of s reached by the valid
	// backward action b. dst and s do not overlap.
	BackwardStep(dst, s State, b int)
	// BackwardAction returns the backward action that undoes the non-exit
	// forward action a taken in s (so that BackwardStep(·, Step(s, a), it)
	// gives s back).
	BackwardAction(s State, a int) int
}

// Enumerable is an Env whose states can be listed, for exact evaluation by
// dynamic programming over the DAG.
type Enumerable interface {
	Env
	// NumStates returns the number of states reachable from s₀, terminal or not.
	NumStates() int
	// StateAt writes the state with index i ∈ [0, NumStates) into dst. Indices
	// are a topological order: every parent comes before its children, so
	// index 0 is s₀.
	StateAt(dst State, i int)
	// Index returns the index of s.
	Index(s State) int
}

// OneHotEncoder is an Env whose input is k-hot (Spec.OneHot = k > 0).
type OneHotEncoder interface {
	Env
	// EncodeIndices writes into dst (length Spec.OneHot) the positions of the
	// ones of Encode(s), in increasing order.
	EncodeIndices(dst []int, s State)
}
