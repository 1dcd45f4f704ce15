package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/gogfn/gogfn/autograd"
)

// Heads is a shared trunk followed by several linear heads that all read the
// trunk's activated output: for an input x [B×In],
//
//	h = Act(Trunk(x))             [B×Hidden], Hidden = the trunk's output width
//	out[i] = h·Heads[i].W + b     [B×Out_i]
//
// A GFlowNet uses it to compute, for example, forward logits [B×A], backward
// logits [B×A'] and a log-flow [B×1] from one representation of the state.
// The trunk's own last layer has no activation, so Heads applies Trunk.Act to
// it before the heads.
type Heads struct {
	Trunk *MLP
	Heads []*Linear
}

// NewHeads returns a trunk with the given widths (input first, as for NewMLP)
// and one head per entry of outs, each reading the trunk's last width. Heads
// use the same initialisation as the trunk.
//
// It panics if the trunk sizes are invalid for NewMLP, outs is empty, or an
// output width is not positive.
func NewHeads(trunk []int, outs []int, act Activation, rng *rand.Rand) *Heads {
	if len(outs) == 0 {
		panic("nn: Heads needs at least one head")
	}
	h := &Heads{Trunk: NewMLP(trunk, act, rng)}
	init := initFor(act)
	hidden := trunk[len(trunk)-1]
	for _, o := range outs {
		h.Heads = append(h.Heads, NewLinear(hidden, o, init, rng))
	}
	return h
}

// Forward computes every head on x [B×In] and stores head i's output
// [B×Out_i] in dst[i]. If dst is nil a new slice is allocated; pass the
// previous result back to avoid the allocation. It returns dst.
//
// It panics if dst is not nil and len(dst) ≠ len(h.Heads), or if x does not
// have the trunk's input width.
func (h *Heads) Forward(dst []*autograd.Node, t *autograd.Tape, x *autograd.Node) []*autograd.Node {
	return h.heads(dst, t, h.Trunk.forward(t, x, true))
}

// ForwardEmbed is Forward for a k-hot input given by the indices of its ones,
// k per row (see MLP.ForwardEmbed).
//
// It panics as Forward does, and as autograd.Tape.Embed does for bad indices.
func (h *Heads) ForwardEmbed(dst []*autograd.Node, t *autograd.Tape, idx []int, k int) []*autograd.Node {
	return h.heads(dst, t, h.Trunk.forwardEmbed(t, idx, k, true))
}

func (h *Heads) heads(dst []*autograd.Node, t *autograd.Tape, z *autograd.Node) []*autograd.Node {
	if dst == nil {
		dst = make([]*autograd.Node, len(h.Heads))
	}
	if len(dst) != len(h.Heads) {
		panic(fmt.Sprintf("nn: Heads.Forward into %d destinations for %d heads", len(dst), len(h.Heads)))
	}
	for i, l := range h.Heads {
		dst[i] = l.Forward(t, z)
	}
	return dst
}

// Params returns the trunk's parameters followed by each head's.
func (h *Heads) Params() []*autograd.Node {
	ps := h.Trunk.Params()
	for _, l := range h.Heads {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Clone returns a deep copy of h with the same values and zero gradients, for
// example a target network.
func (h *Heads) Clone() *Heads {
	c := &Heads{Trunk: h.Trunk.Clone(), Heads: make([]*Linear, len(h.Heads))}
	for i, l := range h.Heads {
		c.Heads[i] = l.Clone()
	}
	return c
}
