package gfn

import "fmt"

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
	// Tree says that every state other than s₀ has exactly one parent, so
	// that P_B = 1 on every edge and no backward policy is needed. The zero
	// value, false, declares a DAG, in which a state may have several
	// parents: then the environment must be Reversible, because every
	// GFlowNet objective and the soft RL rewards need log P_B(s|s′), and
	// algorithms refuse a DAG without backward steps rather than train with
	// log P_B = 0 (which is right only for a tree). envs/envtest.Check
	// detects an Enumerable environment that claims to be a tree but has a
	// state with two parents.
	Tree bool
}

// Validate returns an error naming the first field of s that cannot describe
// an environment: a size below 1 (NumBackward below 0, OneHot below 0), or
// a DAG (Tree false) without backward actions.
func (s Spec) Validate() error {
	switch {
	case s.StateDim < 1:
		return specErr("StateDim", s.StateDim, "at least 1")
	case s.NumActions < 1:
		return specErr("NumActions", s.NumActions, "at least 1")
	case s.NumBackward < 0:
		return specErr("NumBackward", s.NumBackward, "at least 0")
	case !s.Tree && s.NumBackward < 1:
		return specErr("NumBackward", s.NumBackward, "at least 1: a DAG (Tree is false) must be Reversible")
	case s.InputDim < 1:
		return specErr("InputDim", s.InputDim, "at least 1")
	case s.MaxLen < 1:
		return specErr("MaxLen", s.MaxLen, "at least 1")
	case s.OneHot < 0 || s.OneHot > s.InputDim:
		return specErr("OneHot", s.OneHot, "in [0, InputDim]")
	}
	return nil
}

func specErr(field string, v int, want string) error {
	return fmt.Errorf("%w: Spec.%s is %d, want %s", ErrEnv, field, v, want)
}

// CheckEnv returns an error if env cannot be trained as it declares itself:
// its Spec is invalid, it declares a DAG (Spec.Tree false) but is not
// Reversible, or Spec.OneHot is set but it is not a OneHotEncoder.
// Algorithms call it when they are set up.
func CheckEnv(env Env) error {
	if env == nil {
		return errorf("no environment")
	}
	s := env.Spec()
	if err := s.Validate(); err != nil {
		return err
	}
	if _, ok := env.(Reversible); !ok && !s.Tree {
		return fmt.Errorf("%w: the environment is a DAG (Spec.Tree is false) but does not implement Reversible: "+
			"log P_B(s|s′) needs its backward steps (set Spec.Tree if every state has one parent)", ErrEnv)
	}
	if _, ok := env.(OneHotEncoder); s.OneHot > 0 && !ok {
		return fmt.Errorf("%w: Spec.OneHot is %d but the environment does not implement OneHotEncoder", ErrEnv, s.OneHot)
	}
	return nil
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
// parents. Every DAG must implement it (see Spec.Tree): backward policies
// (uniform, fixed, learned) and objectives that need parents (flow matching)
// use it.
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

// StateChecker is an Env that can tell whether a vector of integers is one
// of its states. Decoders call it on every state they read from a file before
// any other method sees the state, which may assume a valid state (index an
// array with it, say).
type StateChecker interface {
	Env
	// CheckState returns an error naming what is wrong with s, or nil if s
	// is a state of the environment.
	CheckState(s State) error
}

// OneHotEncoder is an Env whose input is k-hot (Spec.OneHot = k > 0).
type OneHotEncoder interface {
	Env
	// EncodeIndices writes into dst (length Spec.OneHot) the positions of the
	// ones of Encode(s), in increasing order.
	EncodeIndices(dst []int, s State)
}
