package softrl

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/scratch"
)

var _ gfn.RolloutStarter = (*Boltzmann)(nil)

// Boltzmann is the gfn.Actor of a Q-function: at each step it evaluates Q on
// the states of the step in one pass, each distinct state once (UniqueQ), and
// draws each action from (1−Epsilon)·softmax(Q(s,·)/λ) + Epsilon·uniform over
// the valid actions. With Record set it keeps Q(s,·) of every state it saw in
// the current rollout, so that the algorithm reads the online values of the
// transitions it adds to its replay buffer instead of recomputing them.
//
// A Boltzmann keeps scratch buffers: it is not safe for concurrent use.
type Boltzmann struct {
	Q QFunction
	// Lambda is the entropy coefficient λ; 0 means 1.
	Lambda float64
	// Epsilon is the probability of a uniformly random valid action.
	Epsilon float64
	// Record keeps the values in Values.
	Record bool
	// Values holds Q(s,·) [rows×NumActions] of every state the actor saw in
	// the current rollout, one row per state in the order seen: transition j
	// of the rollout's batch has its source's row at gfn.Sampler.Rows()[j].
	Values []float64

	uq   UniqueQ
	tape autograd.Tape
	w    []float64
}

// StartRollout forgets the values of the previous rollout.
func (b *Boltzmann) StartRollout(int) { b.Values = b.Values[:0] }

// Act evaluates Q and draws one action per state. It returns an error if a
// state's values are NaN or +Inf.
func (b *Boltzmann) Act(acts []int, states []int, mask []bool, _ []int, rng *rand.Rand) error {
	n := len(acts)
	b.uq.QFunction, b.uq.StateDim = b.Q, len(states)/n
	b.tape.Reset()
	q := b.uq.Q(&b.tape, states, n)
	_, a := q.Dims()
	qv := q.Value.RawMatrix().Data
	if b.Record {
		b.Values = append(b.Values, qv...)
	}
	lambda := b.Lambda
	if lambda == 0 {
		lambda = 1
	}
	b.w = scratch.Resize(b.w, a)
	for r := range acts {
		acts[r] = gfn.DrawSoftmax(rng, b.w, qv[r*a:(r+1)*a], mask[r*a:(r+1)*a], lambda, b.Epsilon)
		if acts[r] < 0 {
			d := b.uq.StateDim
			return fmt.Errorf("softrl: non-finite Q-values at state %v: %v", states[r*d:(r+1)*d], qv[r*a:(r+1)*a])
		}
	}
	return nil
}
