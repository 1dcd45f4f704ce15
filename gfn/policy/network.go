package policy

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"gonum.org/v1/gonum/mat"
)

// Network is the function approximator of a Policy when it is not the
// default MLP (Config.Network): it maps a batch of states to forward logits
// and, when it has those heads, backward logits and log-flows. The bit-
// sequence transformer of the papers (envs/bitseq.Transformer) is one.
//
// A Network keeps scratch buffers: it is not safe for concurrent use; Replica
// gives another goroutine one of its own.
type Network interface {
	// Forward records on t the outputs for the n states stored flat in
	// states (n·StateDim integers): logits [n×NumActions], which the policy
	// masks; back [n×NumBackward], the backward logits, or nil without a
	// backward head; logF [n×1], or nil without a flow head. Row i must
	// depend on state i only (and on the dropout masks in training mode).
	Forward(t *autograd.Tape, states []int, n int) (logits, back, logF *autograd.Node)
	// Heads reports which of the optional outputs Forward gives.
	Heads() (back, flow bool)
	// ForwardParams returns every parameter but the backward head's: the
	// trunk, the forward head and the flow head.
	ForwardParams() []*autograd.Node
	// BackwardParams returns the parameters that only the backward head
	// uses, or nil without one.
	BackwardParams() []*autograd.Node
	// TrunkParams returns the parameters that the heads share.
	TrunkParams() []*autograd.Node
	// Replica returns a network whose parameters share the values of this
	// one's but have gradients of their own (in the order of ForwardParams
	// then BackwardParams), with scratch of its own, in evaluation mode.
	Replica() Network
	// SetTraining switches the network into training mode, in which dropout
	// (if it has any) draws its masks from rng, or, with nil, into
	// evaluation mode, in which the network is deterministic.
	SetTraining(rng *rand.Rand)
}

// CloneNetwork returns a deep copy of net: a Replica whose parameters
// (ForwardParams, then BackwardParams) hold copies of net's values, for
// example a target network.
func CloneNetwork(net Network) Network {
	c := net.Replica()
	src := append(net.ForwardParams(), net.BackwardParams()...)
	for i, p := range append(c.ForwardParams(), c.BackwardParams()...) {
		p.Value = mat.DenseCopyOf(src[i].Value)
	}
	return c
}

// checkNetwork runs net once on s₀ and returns an error if its outputs do
// not have the shapes that env and cfg ask for.
func checkNetwork(net Network, env gfn.Env, cfg *Config) (err error) {
	defer func() {
		if r := recover(); r != nil { // a network made for another environment
			err = fmt.Errorf("policy: the %T network fails on the environment's s₀: %v", net, r)
		}
	}()
	back, flow := net.Heads()
	switch {
	case cfg.PB == TiedPB && !back:
		return fmt.Errorf("policy: Config.PB is tied but the %T network has no backward head", net)
	case cfg.Flow && !flow:
		return fmt.Errorf("policy: Config.Flow asks for a flow head, which the %T network does not have", net)
	}
	sp := env.Spec()
	s0 := make(gfn.State, sp.StateDim)
	env.Start(s0)
	var t autograd.Tape
	logits, b, f := net.Forward(&t, s0, 1)
	shape := func(name string, n *autograd.Node, c int) error {
		if n == nil {
			return fmt.Errorf("policy: the %T network gives no %s", net, name)
		}
		if r, cc := n.Dims(); r != 1 || cc != c {
			return fmt.Errorf("policy: the %T network gives %s of %d×%d for one state, want 1×%d", net, name, r, cc, c)
		}
		return nil
	}
	if err := shape("logits", logits, sp.NumActions); err != nil {
		return err
	}
	if back {
		if err := shape("backward logits", b, sp.NumBackward); err != nil {
			return err
		}
	}
	if flow {
		if err := shape("log-flows", f, 1); err != nil {
			return err
		}
	}
	return nil
}
