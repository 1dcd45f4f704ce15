package softrl

import (
	"errors"
	"fmt"
	"io"

	"github.com/gogfn/gogfn/gfn/train"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/modelfile"
)

var _ train.ModelWriter = (*DQN)(nil)

// WriteModel writes the trained Q-network to w as a model file (package
// gfn/model reads it): the environment's settings, the network's
// architecture and weights, λ, the model's log Z (LogZ) and provenance. The
// train.Trainer calls it (Trainer.SaveModel) with the run's settings,
// counters and seed as provenance.
//
// It returns an error before Init, or if Q is not a *QNet (a QTable or a
// Q-function of your own has no architecture the file can describe).
func (s *DQN) WriteModel(w io.Writer, provenance []gfn.Setting) error {
	if !s.ready {
		return errors.New("softrl: WriteModel before Init")
	}
	q, ok := s.Q.(*QNet)
	if !ok {
		return fmt.Errorf("softrl: a model file holds a *QNet, not a %T", s.Q)
	}
	backward := "uniform"
	if s.Backward != nil {
		backward = fmt.Sprintf("%T", s.Backward)
	}
	weights, err := modelfile.Weights(q.Params())
	if err != nil {
		return err
	}
	f := modelfile.File{Env: gfn.Describe(s.env), Kind: modelfile.KindQNet, Hidden: modelfile.Hidden(q.Net),
		Act: q.Net.Act, Backward: backward, Lambda: s.lambda, LogZ: s.LogZ(),
		Provenance: provenance, Params: weights}
	return f.Write(w)
}
