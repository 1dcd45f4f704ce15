package gfn

import (
	"math"

	"github.com/gogfn/gogfn/internal/scratch"

	"github.com/gogfn/gogfn/autograd"
)

// Backward is a backward policy P_B(s|s′): a distribution over the parents
// of each state s′ other than s₀, one probability per valid backward action
// of a Reversible environment. Every GFlowNet objective reads log P_B of the
// transitions it trains on, and the soft RL view of a GFlowNet (Tiapkin et
// al. 2024, arXiv 2310.12934, §3.1) takes it as the reward of each
// non-exit edge, so it is one module that every algorithm uses: Uniform (the
// default), Fixed (any function, such as the MaxEnt P_B of Mohammadpour et al.
// 2024), or a learned one (package policy's heads and networks).
type Backward interface {
	// LogProbs records on t log P_B(·|s) [n×NumBackward] for the n states
	// stored flat in states (n·StateDim integers): the log-probability of
	// each backward action, −Inf at invalid ones. Rows of states without a
	// parent (s₀) are unspecified. A learned policy records its network, so
	// that gradients reach its parameters; a fixed one records constants.
	LogProbs(t *autograd.Tape, states []int, n int) *autograd.Node
}

// FixedBackward is a Backward without parameters that computes its
// log-probabilities without a tape, the fast path of scores and rewards.
type FixedBackward interface {
	Backward
	// LogProbsAt writes log P_B(·|s) of every backward action of s into dst
	// (length NumBackward), −Inf at invalid actions; mask (the same length)
	// is scratch, so that the module keeps no state and may be shared by
	// goroutines. s has a parent.
	LogProbsAt(dst []float64, mask []bool, s State)
}

var (
	_ FixedBackward = (*Uniform)(nil)
	_ FixedBackward = (*Fixed)(nil)
)

// Uniform is the uniform backward policy P_B(s|s′) = 1/#parents(s′): on the
// hypergrid, 1/#{i : s′ᵢ > 0}. Its LogProbsAt is safe for concurrent use
// when the environment's BackwardMask is.
type Uniform struct {
	Env Reversible
}

// LogProbs records the uniform log-probabilities of the n states.
func (u *Uniform) LogProbs(t *autograd.Tape, states []int, n int) *autograd.Node {
	return fixedLogProbs(t, u, u.Env.Spec(), states, n)
}

// LogProbsAt writes −log #parents(s) at the valid backward actions of s and
// −Inf elsewhere.
func (u *Uniform) LogProbsAt(dst []float64, mask []bool, s State) {
	u.Env.BackwardMask(mask, s)
	c := 0
	for _, ok := range mask {
		if ok {
			c++
		}
	}
	l := 0 - math.Log(float64(c)) // +0, not −0, for one parent
	for j, ok := range mask {
		dst[j] = math.Inf(-1)
		if ok {
			dst[j] = l
		}
	}
}

// Fixed is a backward policy given by a function: LogPB writes log P_B(·|s)
// of every backward action of s into dst, −Inf at invalid actions. It must be
// a distribution over the valid backward actions of each state that has a
// parent.
type Fixed struct {
	Spec  Spec
	LogPB func(dst []float64, s State)
}

// LogProbs records the function's log-probabilities of the n states.
func (f *Fixed) LogProbs(t *autograd.Tape, states []int, n int) *autograd.Node {
	return fixedLogProbs(t, f, f.Spec, states, n)
}

// LogProbsAt calls f.LogPB.
func (f *Fixed) LogProbsAt(dst []float64, _ []bool, s State) { f.LogPB(dst, s) }

// fixedLogProbs records the rows of a FixedBackward as a constant, for
// states that have a parent. It allocates a mask: LogProbs of a fixed module
// is not a hot path (BackwardScorer calls LogProbsAt).
func fixedLogProbs(t *autograd.Tape, f FixedBackward, spec Spec, states []int, n int) *autograd.Node {
	nb, d := spec.NumBackward, spec.StateDim
	out := t.Input(n, nb)
	v := out.Value.RawMatrix().Data
	mask := make([]bool, nb)
	for i := 0; i < n; i++ {
		f.LogProbsAt(v[i*nb:(i+1)*nb], mask, State(states[i*d:(i+1)*d]))
	}
	return out
}

// BackwardScorer evaluates a backward policy on transitions: log P_B(s|s′)
// of each, 0 on exit edges (where P_B = 1) and everywhere in a Tree that is
// not Reversible. A FixedBackward is evaluated without network passes; any
// other Backward in one batched pass over the targets. It keeps scratch
// buffers, so it is not safe for concurrent use; it allocates nothing once
// they have grown.
type BackwardScorer struct {
	Env Env
	// PB is the backward policy; nil means Uniform over the parents (or
	// P_B = 1 in a Tree that is not Reversible).
	PB Backward

	uniform *Uniform
	row     []float64
	mask    []bool
	targets []int
	backs   []int
	seg     []int
	tape    autograd.Tape
}

// pb returns the backward policy in use, or nil when P_B = 1 everywhere.
func (s *BackwardScorer) pb() Backward {
	if s.PB != nil {
		return s.PB
	}
	if s.uniform == nil {
		rev, ok := s.Env.(Reversible)
		if !ok {
			return nil
		}
		s.uniform = &Uniform{Env: rev}
	}
	return s.uniform
}

// Batch records on t log P_B(s|s′) [M×1] of the M transitions of b.
func (s *BackwardScorer) Batch(t *autograd.Tape, b *Batch) *autograd.Node {
	return s.record(t, b.M(), b.Back, b.Exit, b.Target)
}

// Transitions records on t log P_B(s|s′) [N×1] of the transitions of tr.
func (s *BackwardScorer) Transitions(t *autograd.Tape, tr *Transitions) *autograd.Node {
	return s.record(t, tr.N, tr.Back, tr.Exit, tr.Target)
}

// Fill writes log P_B(s|s′) of the transitions of tr into tr.LogPB, with no
// gradient (the soft RL rewards).
func (s *BackwardScorer) Fill(tr *Transitions) {
	if f, ok := s.pb().(FixedBackward); ok {
		s.fixed(tr.LogPB[:tr.N], f, tr.Back, tr.Exit, tr.Target)
		return
	}
	s.tape.Reset()
	copy(tr.LogPB[:tr.N], s.Transitions(&s.tape, tr).Value.RawMatrix().Data)
}

// fixed writes the log-probabilities of a FixedBackward into dst.
func (s *BackwardScorer) fixed(dst []float64, f FixedBackward, back []int, exit []bool, target func(int) State) {
	nb := s.Env.Spec().NumBackward
	s.row, s.mask = scratch.Resize(s.row, nb), scratch.Resize(s.mask, nb)
	for j := range dst {
		dst[j] = 0
		if !exit[j] {
			f.LogProbsAt(s.row, s.mask, target(j))
			dst[j] = s.row[back[j]]
		}
	}
}

func (s *BackwardScorer) record(t *autograd.Tape, m int, back []int, exit []bool, target func(int) State) *autograd.Node {
	pb := s.pb()
	if pb == nil {
		return t.Input(m, 1)
	}
	if f, ok := pb.(FixedBackward); ok {
		out := t.Input(m, 1)
		s.fixed(out.Value.RawMatrix().Data, f, back, exit, target)
		return out
	}
	s.targets, s.backs, s.seg = s.targets[:0], s.backs[:0], s.seg[:0]
	for j := 0; j < m; j++ {
		if !exit[j] {
			s.targets = append(s.targets, target(j)...)
			s.backs = append(s.backs, back[j])
			s.seg = append(s.seg, j)
		}
	}
	k := len(s.backs)
	if k == 0 {
		return t.Input(m, 1)
	}
	picked := t.Pick(pb.LogProbs(t, s.targets, k), s.backs) // [k×1]
	if k == m {
		return picked
	}
	return t.SegmentSum(picked, s.seg, m)
}

// Frozen is a Backward evaluated without gradient: LogProbs runs PB on a
// tape of its own and records the values on the caller's tape as a constant.
// A forward loss reads a learned backward policy through it (the target copy
// that TLM trains) without back-propagating into that policy's parameters.
// It keeps a tape: it is not safe for concurrent use.
type Frozen struct {
	PB   Backward
	tape autograd.Tape
}

// LogProbs records PB's log-probabilities of the n states as a constant.
func (f *Frozen) LogProbs(t *autograd.Tape, states []int, n int) *autograd.Node {
	f.tape.Reset()
	v := f.PB.LogProbs(&f.tape, states, n)
	r, c := v.Dims()
	out := t.Input(r, c)
	copy(out.Value.RawMatrix().Data, v.Value.RawMatrix().Data)
	return out
}
