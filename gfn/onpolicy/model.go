package onpolicy

import (
	"errors"
	"io"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/train"
)

var _ train.ModelWriter = (*Algorithm)(nil)

// WriteModel writes the trained policy to w as a model file (package
// gfn/model reads it): the environment's settings, the policy's
// architecture and weights, the model's log Z (LogZ) and provenance. The
// train.Trainer calls it (Trainer.SaveModel) with the run's settings,
// counters and seed as provenance.
//
// It returns an error before Init. A fixed backward policy other than the
// uniform one is named in the file but not stored: a model loaded from it
// samples the same objects, without log P_B.
func (a *Algorithm) WriteModel(w io.Writer, provenance []gfn.Setting) error {
	if a.pol == nil {
		return errors.New("onpolicy: WriteModel before Init")
	}
	backward, _ := gfn.Lookup(policySettings(&a.Policy), "policy.backward")
	m := model.Model{Env: a.env, Policy: a.pol, LogZ: a.LogZ(), Backward: backward, Provenance: provenance}
	return m.Write(w)
}
