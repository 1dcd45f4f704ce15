package mcts

import "fmt"

// Mode says where an Algorithm uses the tree search: for the regression
// targets of training, for choosing the actions of the training
// trajectories, both, or neither (the training modes of Morozov et al.
// 2024, whose names in their code are given below).
type Mode int

const (
	// All uses the search for both the targets and the actions
	// ("mcts_all", the paper's default). The zero value.
	All Mode = iota
	// Train regresses Q_θ on the root values Q̂ of the search while the
	// actions are drawn from softmax(Q_θ) ("mcts_train").
	Train
	// Inference draws the actions from the search and trains Q_θ by the
	// Soft DQN TD loss ("mcts_inference").
	Inference
	// Off is on-policy Soft DQN without search: actions from softmax(Q_θ),
	// the TD loss on full trajectories, no replay ("no_mcts").
	Off
)

// modeNames are the modes' names in the order of their values.
var modeNames = [...]string{"all", "train", "inference", "off"}

// String returns "all", "train", "inference" or "off".
func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode returns the Mode named by s, as String writes it.
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("mcts: unknown mode %q (want all, train, inference or off)", s)
}

// searchTargets reports whether the mode regresses on the search's values.
func (m Mode) searchTargets() bool { return m == All || m == Train }

// searchActions reports whether the mode draws actions from the search.
func (m Mode) searchActions() bool { return m == All || m == Inference }
