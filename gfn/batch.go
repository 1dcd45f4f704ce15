package gfn

import "github.com/gogfn/gogfn/internal/scratch"

// Batch holds N complete trajectories in flat, preallocated storage. A batch is
// filled by a Sampler and reused: Resize keeps its storage.
//
// Trajectory i has Len[i] forward actions, the exit action included when the
// environment has one, and Len[i]+1 states s₀ … s_{Len[i]} where, with an exit
// action, the last state repeats the terminal object x (the sink s_f is not
// stored). Its transitions are stored contiguously: transition k of trajectory
// i has index Offset[i]+k, for k < Len[i], and goes from state index
// Offset[i]+i+k to Offset[i]+i+k+1 of States.
type Batch struct {
	StateDim int

	N         int       // number of trajectories
	Len       []int     // [N] number of transitions of each trajectory
	Offset    []int     // [N+1] first transition of each trajectory; Offset[N] = M
	LogReward []float64 // [N] log R(x) of each trajectory's terminal object

	// Per transition, M = Offset[N] of them.
	Actions []int  // [M] forward action taken
	Back    []int  // [M] backward action that undoes it, or −1 for the exit action or a non-Reversible env
	Exit    []bool // [M] whether the transition is the exit edge x → s_f
	Traj    []int  // [M] trajectory of the transition

	// StateLogReward holds log R(s) of each of the M+N states, for an
	// environment where every state can exit (modified DB needs it), or is
	// empty. Entries of states that cannot exit are −Inf.
	StateLogReward []float64

	// States holds M+N states (each trajectory's transitions plus its last
	// state), StateDim integers each.
	States []int
}

// M returns the total number of transitions.
func (b *Batch) M() int { return b.Offset[b.N] }

// State returns state k (0 ≤ k ≤ Len[i]) of trajectory i. The slice aliases the
// batch's storage.
func (b *Batch) State(i, k int) State {
	j := (b.Offset[i] + i + k) * b.StateDim
	return State(b.States[j : j+b.StateDim])
}

// Source returns the state a transition starts from.
func (b *Batch) Source(m int) State {
	j := (m + b.Traj[m]) * b.StateDim
	return State(b.States[j : j+b.StateDim])
}

// Target returns the state a transition leads to (x itself for the exit edge).
func (b *Batch) Target(m int) State {
	j := (m + b.Traj[m] + 1) * b.StateDim
	return State(b.States[j : j+b.StateDim])
}

// Terminal returns the terminal object of trajectory i.
func (b *Batch) Terminal(i int) State { return b.State(i, b.Len[i]) }

// Resize sets b up for n trajectories with m transitions in total and states
// of stateDim integers, reusing its storage when it is large enough: Len,
// LogReward and Offset (n+1) are sized for n trajectories; Actions, Back,
// Exit and Traj for m transitions; States for m+n states. Contents are
// undefined except Offset[n] = m. StateLogReward is emptied.
//
// It panics if n < 1, m < 0 or stateDim < 1.
func (b *Batch) Resize(n, m, stateDim int) {
	if n < 1 || m < 0 || stateDim < 1 {
		panic("gfn: Batch.Resize with bad sizes")
	}
	b.StateDim, b.N = stateDim, n
	b.Len = scratch.Resize(b.Len, n)
	b.Offset = scratch.Resize(b.Offset, n+1)
	b.LogReward = scratch.Resize(b.LogReward, n)
	b.Actions = scratch.Resize(b.Actions, m)
	b.Back = scratch.Resize(b.Back, m)
	b.Exit = scratch.Resize(b.Exit, m)
	b.Traj = scratch.Resize(b.Traj, m)
	b.States = scratch.Resize(b.States, (m+n)*stateDim)
	b.StateLogReward = b.StateLogReward[:0]
	b.Offset[n] = m
}

// Reserve grows b's storage, if needed, to hold n trajectories with m
// transitions in all without allocating, so that a batch whose size varies
// from iteration to iteration settles at once. Its contents are kept only
// when nothing grows.
func (b *Batch) Reserve(n, m, stateDim int) {
	if cap(b.Len) >= n && cap(b.Actions) >= m && cap(b.States) >= (m+n)*stateDim && cap(b.StateLogReward) >= m+n {
		return
	}
	b.Len = make([]int, 0, n)
	b.Offset = make([]int, 0, n+1)
	b.LogReward = make([]float64, 0, n)
	b.Actions = make([]int, 0, m)
	b.Back = make([]int, 0, m)
	b.Exit = make([]bool, 0, m)
	b.Traj = make([]int, 0, m)
	b.States = make([]int, 0, (m+n)*stateDim)
	b.StateLogReward = make([]float64, 0, m+n)
	b.N = 0
}

// CopyFrom makes b a copy of src, reusing b's storage.
func (b *Batch) CopyFrom(src *Batch) {
	m := src.M()
	b.Resize(src.N, m, src.StateDim)
	copy(b.Len, src.Len[:src.N])
	copy(b.Offset, src.Offset[:src.N+1])
	copy(b.LogReward, src.LogReward[:src.N])
	copy(b.Actions, src.Actions[:m])
	copy(b.Back, src.Back[:m])
	copy(b.Exit, src.Exit[:m])
	copy(b.Traj, src.Traj[:m])
	copy(b.States, src.States[:(m+src.N)*src.StateDim])
	b.StateLogReward = append(b.StateLogReward[:0], src.StateLogReward...)
}

// Concat makes b the trajectories of parts, in order, reusing b's storage.
// StateLogReward is kept only when every part has it.
//
// It panics if parts is empty or the parts' state sizes differ.
func (b *Batch) Concat(parts []*Batch) {
	if len(parts) == 0 {
		panic("gfn: Batch.Concat of no parts")
	}
	n, m, sd, withR := 0, 0, parts[0].StateDim, true
	for _, p := range parts {
		if p.StateDim != sd {
			panic("gfn: Batch.Concat of batches with different state sizes")
		}
		n, m = n+p.N, m+p.M()
		withR = withR && len(p.StateLogReward) == p.M()+p.N
	}
	b.Resize(n, m, sd)
	ni, mi := 0, 0
	for _, p := range parts {
		pm := p.M()
		copy(b.Len[ni:], p.Len[:p.N])
		copy(b.LogReward[ni:], p.LogReward[:p.N])
		for i := 0; i < p.N; i++ {
			b.Offset[ni+i] = mi + p.Offset[i]
		}
		copy(b.Actions[mi:], p.Actions[:pm])
		copy(b.Back[mi:], p.Back[:pm])
		copy(b.Exit[mi:], p.Exit[:pm])
		for k, tj := range p.Traj[:pm] {
			b.Traj[mi+k] = ni + tj
		}
		copy(b.States[(mi+ni)*sd:], p.States[:(pm+p.N)*sd])
		if withR {
			b.StateLogReward = append(b.StateLogReward, p.StateLogReward[:pm+p.N]...)
		}
		ni, mi = ni+p.N, mi+pm
	}
}
