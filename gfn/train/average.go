package train

import (
	"encoding"
	"fmt"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/zero"
	"github.com/gogfn/gogfn/optim"
)

// Averageable is an Algorithm whose model a Trainer can average
// (Config.Average). The built-in algorithms are Averageable.
type Averageable interface {
	Algorithm
	// ModelParams returns the parameters that Model, Actor and LogZ read,
	// in a fixed order: the values that the average replaces when the
	// Trainer evaluates, samples or saves the averaged model.
	ModelParams() []*autograd.Node
}

// AverageKind chooses the averaged model a Trainer keeps.
type AverageKind int

const (
	// NoAverage keeps none (the zero value).
	NoAverage AverageKind = iota
	// EMAverage keeps an exponential moving average of the iterates,
	// θ̄ ← τ·θ̄ + (1−τ)·θ (optim.EMA; τ = Averaging.Decay).
	EMAverage
	// UniformAverage keeps the uniform average of the iterates from
	// iteration Averaging.Start on (optim.Average: SWA, and WAKD's average).
	UniformAverage
)

// String returns "none", "ema" or "uniform".
func (k AverageKind) String() string {
	switch k {
	case NoAverage:
		return "none"
	case EMAverage:
		return "ema"
	case UniformAverage:
		return "uniform"
	}
	return fmt.Sprintf("AverageKind(%d)", int(k))
}

// Averaging configures the averaged model of a Trainer: a second set of the
// model's weights, updated after every iteration, that Evaluate measures
// beside the last iterate (Metrics.Averaged) and that Sample, WriteModel and
// SaveModel use instead of it. On the hypergrid the last iterate of a TB run
// is noisy from one evaluation to the next; an average of the iterates is a
// steadier sampler.
type Averaging struct {
	Kind AverageKind
	// Decay is τ, the weight the EMA keeps at each update; 0 means 0.99.
	Decay float64
	// Start is the first iteration (counted from 1) the uniform average
	// includes, SWA's t₀; 0 means 1.
	Start int
}

// averager is an optim.Averager with a state a checkpoint holds.
type averager interface {
	optim.Averager
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// newAverager returns the averager of cfg over alg's model, or nil.
func newAverager(cfg Averaging, alg Algorithm) (averager, error) {
	if cfg.Kind == NoAverage {
		return nil, nil
	}
	a, ok := alg.(Averageable)
	if !ok {
		return nil, fmt.Errorf("train: Config.Average needs an Averageable algorithm, not %T", alg)
	}
	ps := a.ModelParams()
	if len(ps) == 0 {
		return nil, fmt.Errorf("train: Config.Average: %T has no model parameters to average", alg)
	}
	switch cfg.Kind {
	case EMAverage:
		d := cfg.Decay
		if d == 0 {
			d = 0.99
		}
		if !(d > 0 && d < 1) {
			return nil, fmt.Errorf("train: Config.Average.Decay is %v, want it in (0, 1) (0 for 0.99)", cfg.Decay)
		}
		return &optim.EMA{Params: ps, Tau: d}, nil
	case UniformAverage:
		if cfg.Start < 0 {
			return nil, fmt.Errorf("train: Config.Average.Start is %d, want ≥ 0", cfg.Start)
		}
		return &optim.Average{Params: ps, Start: cfg.Start}, nil
	}
	return nil, fmt.Errorf("train: unknown Config.Average.Kind %d", int(cfg.Kind))
}

// settings returns the settings a checkpoint records for cfg: none without
// an average.
func (cfg Averaging) settings() []gfn.Setting {
	switch cfg.Kind {
	case EMAverage:
		return []gfn.Setting{{Key: "average", Value: "ema"}, {Key: "average.decay", Value: fmt.Sprint(zero.Or(cfg.Decay, 0.99))}}
	case UniformAverage:
		return []gfn.Setting{{Key: "average", Value: "uniform"}, {Key: "average.start", Value: fmt.Sprint(cfg.Start)}}
	}
	return nil
}

// averaged runs f with the averaged model swapped into the algorithm's
// parameters, and reports whether there was one to swap in.
func (tr *Trainer) averaged(f func()) bool {
	if tr.avg == nil || tr.avg.Count() == 0 {
		return false
	}
	tr.avg.Swap()
	defer tr.avg.Swap()
	f()
	return true
}

// Averaged reports whether the trainer keeps an averaged model that has
// averaged at least one iterate: Sample, WriteModel and SaveModel then use
// it.
func (tr *Trainer) Averaged() bool { return tr.avg != nil && tr.avg.Count() > 0 }
