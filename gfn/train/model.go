package train

import (
	"fmt"
	"io"
	"strconv"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/modelfile"
	"github.com/gogfn/gogfn/nn"
)

// ModelWriter is an Algorithm that can write its trained model as a model
// file: one self-describing file from which package gfn/model rebuilds the
// environment and the model, to sample and evaluate without the training
// configuration. onpolicy.Algorithm and softrl.DQN (with a QNet) are
// ModelWriters.
type ModelWriter interface {
	Algorithm
	// WriteModel writes the model file to w, with provenance recorded in
	// it as given.
	WriteModel(w io.Writer, provenance []gfn.Setting) error
}

// Provenance returns what a model file records of how its model was
// trained: the trainer's settings (the environment's with the prefix
// "env.", the algorithm's and the window), then "iteration",
// "trained_trajectories", "seed" and "toolkit" (the toolkit's version);
// the algorithm's own "trajectories" is per iteration.
func (tr *Trainer) Provenance() []gfn.Setting {
	p := append([]gfn.Setting(nil), tr.settings...)
	return append(p,
		gfn.Setting{Key: "iteration", Value: strconv.Itoa(tr.iter)},
		gfn.Setting{Key: "trained_trajectories", Value: strconv.Itoa(tr.trajs)},
		gfn.Setting{Key: "seed", Value: strconv.FormatUint(tr.seed, 10)},
		gfn.Setting{Key: "toolkit", Value: modelfile.ToolkitVersion()})
}

// WriteModel writes the trained model to w as a model file, with the
// trainer's Provenance: the averaged model when there is one (Averaged). The
// algorithm must be a ModelWriter.
func (tr *Trainer) WriteModel(w io.Writer) error {
	mw, ok := tr.alg.(ModelWriter)
	if !ok {
		return fmt.Errorf("train: %T cannot write a model file (it is not a ModelWriter)", tr.alg)
	}
	var err error
	if tr.averaged(func() { err = mw.WriteModel(w, tr.Provenance()) }) {
		return err
	}
	return mw.WriteModel(w, tr.Provenance())
}

// SaveModel writes the trained model to path as a model file, atomically
// (see WriteModel): package gfn/model loads it, and `gfn sample`, `gfn
// eval` and `gfn serve` read it, without the training configuration.
func (tr *Trainer) SaveModel(path string) error { return nn.WriteFileAtomic(path, tr.WriteModel) }
