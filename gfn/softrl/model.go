package softrl

import (
	"errors"
	"fmt"
	"io"

	"github.com/gogfn/gogfn/gfn/train"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/internal/modelfile"
)

var _ train.ModelWriter = (*DQN)(nil)

// WriteModel writes the trained Q-function to w as a model file (package
// gfn/model reads it): the environment's settings, the network's
// architecture (the QNet's widths and activation, or a NetworkQ's
// network settings, policy.DescribeNetwork) and weights (a NetworkQ's
// ForwardParams), λ, the model's log Z (LogZ) and provenance. The
// train.Trainer calls it (Trainer.SaveModel) with the run's settings,
// counters and seed as provenance.
//
// It returns an error before Init, or if Q is neither a *QNet nor a
// NetworkQ of a registered network that describes itself (a QTable or a
// Q-function of your own has no architecture the file can describe).
func (s *DQN) WriteModel(w io.Writer, provenance []gfn.Setting) error {
	if !s.ready {
		return errors.New("softrl: WriteModel before Init")
	}
	return WriteQModel(w, s.env, s.Q, s.Backward, s.lambda, s.LogZ(), provenance)
}

// WriteQModel writes a model file of the Q-function q trained on env to w:
// what DQN.WriteModel writes, for the algorithms that train a Q-network of
// their own (package gfn/mcts). backward is the fixed backward policy the
// Q-values were trained with (nil: uniform), lambda the entropy coefficient
// and logZ the model's estimate of log Z. It returns an error if q is
// neither a *QNet nor a NetworkQ of a registered network that describes
// itself.
func WriteQModel(w io.Writer, env gfn.Env, q QFunction, backward gfn.Backward, lambda, logZ float64, provenance []gfn.Setting) error {
	pb := "uniform"
	if backward != nil {
		pb = fmt.Sprintf("%T", backward)
	}
	f := modelfile.File{Env: gfn.Describe(env), Kind: modelfile.KindQNet, Backward: pb,
		Lambda: lambda, LogZ: logZ, Provenance: provenance}
	switch q := q.(type) {
	case *QNet:
		f.Hidden, f.Act = modelfile.Hidden(q.Net), q.Net.Act
	case NetworkQ:
		net, err := policy.DescribeNetwork(q.Net)
		if err != nil {
			return fmt.Errorf("softrl: a model file cannot hold the Q-network: %w", err)
		}
		f.Network = net
	default:
		return fmt.Errorf("softrl: a model file holds a *QNet or a NetworkQ, not a %T", q)
	}
	var err error
	if f.Params, err = modelfile.Weights(q.Params()); err != nil {
		return err
	}
	return f.Write(w)
}
