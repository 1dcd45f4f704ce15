package mcts

import (
	"errors"
	"io"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
)

var _ train.ModelWriter = (*Algorithm)(nil)

// WriteModel writes the trained Q-network Q_θ to w as a model file
// (train.ModelWriter), as softrl.DQN does (softrl.WriteQModel, λ = 1): a
// model file holds the network, not the search, so package gfn/model samples
// it from softmax Q_θ; sample through a Planner (ForModel) for search at
// inference, as `gfn sample -mcts-rollouts` does. It returns an error before
// Init.
func (s *Algorithm) WriteModel(w io.Writer, provenance []gfn.Setting) error {
	if !s.ready {
		return errors.New("mcts: WriteModel before Init")
	}
	return softrl.WriteQModel(w, s.env, s.Q, s.Backward, 1, s.LogZ(), provenance)
}
