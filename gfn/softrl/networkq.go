package softrl

import (
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn/policy"
)

var _ QFunction = NetworkQ{}

// NetworkQ is a policy.Network used as a Q-function: Q(s, ·) are its
// forward logits, as the papers' bit-sequence code reads its transformer's
// outputs (envs/bitseq.Transformer). Its backward and flow heads are not
// used. DQN switches a NetworkQ into training mode (dropout) for its
// rollouts and its online pass, with the iteration's random source, and
// back into evaluation mode after; the target network stays in evaluation
// mode.
type NetworkQ struct{ Net policy.Network }

// Q records the network's logits [n×NumActions] for n states.
func (q NetworkQ) Q(t *autograd.Tape, states []int, n int) *autograd.Node {
	logits, _, _ := q.Net.Forward(t, states, n)
	return logits
}

// Params returns the network's ForwardParams.
func (q NetworkQ) Params() []*autograd.Node { return q.Net.ForwardParams() }

// SetTraining switches the network's dropout on with masks from rng, or off
// with nil (policy.Network.SetTraining).
func (q NetworkQ) SetTraining(rng *rand.Rand) { q.Net.SetTraining(rng) }

// trainingSwitch is a Q-function with a training mode (dropout).
type trainingSwitch interface{ SetTraining(rng *rand.Rand) }

// setTraining switches s.Q into training mode with rng, or out of it with
// nil, when it has one.
func (s *DQN) setTraining(rng *rand.Rand) {
	if q, ok := s.Q.(trainingSwitch); ok {
		q.SetTraining(rng)
	}
}
