package gfn

import "fmt"

// rollout samples Trajectories episodes with the behaviour policy
// softmax(Q_θ/λ) (mixed with Epsilon-uniform) into s.roll, one transition per
// forward action, in the order they are taken. Along the way it keeps what
// later stages would otherwise recompute: the masks of s and s′, the online
// values Q_θ(s,·) (s.qOn) and Q_θ(s,a) (s.qsa), and s.succ[k], the index of the
// transition taken from the target of transition k (−1 when k is Done), so
// that values at s′ can be read from those at the successor's source.
// Terminal objects go into the empirical window.
func (s *SoftDQN) rollout() {
	env, sp := s.Env, s.spec
	rev, _ := env.(Reversible)
	bt, d, a := len(s.last), sp.StateDim, sp.NumActions
	maxN := bt * sp.MaxLen
	tr := &s.roll
	tr.Resize(maxN, d, a)
	s.succ = grow(s.succ, maxN)
	s.qOn = grow(s.qOn, 2*maxN*a) // the second half is scratch for add
	s.qsa = grow(s.qsa, maxN)
	cur, curMask, last := s.cur, s.curMask, s.last
	for i := 0; i < bt; i++ {
		env.Start(State(cur[i*d : (i+1)*d]))
		env.Mask(curMask[i*a:(i+1)*a], State(cur[i*d:(i+1)*d]))
		last[i] = -1
	}
	exit := -1
	if sp.Exit {
		exit = a - 1
	}
	nAct, k := bt, 0
	for nAct > 0 {
		s.rtape.Reset()
		qv := s.uq.Q(&s.rtape, cur, nAct).Value.RawMatrix().Data
		w := 0 // survivors are compacted into rows [0, w) of cur
		for i := 0; i < nAct; i++ {
			if k == maxN {
				panic(fmt.Sprintf("gfn: SoftDQN rollout longer than Spec.MaxLen = %d", sp.MaxLen))
			}
			src := State(cur[i*d : (i+1)*d])
			m, q := curMask[i*a:(i+1)*a], qv[i*a:(i+1)*a]
			act := SampleSoft(s.Rng, q, m, s.lambda, s.Epsilon)
			if last[i] >= 0 {
				s.succ[last[i]] = k
			}
			copy(tr.States[k*d:(k+1)*d], src)
			copy(tr.Mask[k*a:(k+1)*a], m)
			copy(s.qOn[k*a:(k+1)*a], q)
			tr.Actions[k], s.qsa[k], s.succ[k] = act, q[act], -1
			tr.LogPB[k], tr.LogR[k] = 0, 0
			nx, nm := State(tr.Next[k*d:(k+1)*d]), tr.NextMask[k*a:(k+1)*a]
			if act == exit {
				copy(nx, src)
				clear(nm)
				tr.Back[k], tr.Exit[k], tr.Done[k] = -1, true, true
				tr.LogR[k] = env.LogReward(src)
				s.record(src)
				k++
				continue
			}
			env.Step(nx, src, act)
			tr.Back[k], tr.Exit[k] = -1, false
			if rev != nil {
				tr.Back[k] = rev.BackwardAction(src, act)
			}
			env.Mask(nm, nx)
			tr.Done[k] = !anyTrue(nm)
			if tr.Done[k] { // a terminal without exit action: F(x) = R(x)
				tr.LogR[k] = env.LogReward(nx)
				s.record(nx)
				k++
				continue
			}
			copy(cur[w*d:(w+1)*d], nx)
			copy(curMask[w*a:(w+1)*a], nm)
			last[w] = k
			w++
			k++
		}
		nAct = w
	}
	tr.truncate(k)
}

// truncate keeps the first n transitions.
func (tr *Transitions) truncate(n int) {
	d, a := tr.StateDim, tr.NumActions
	tr.N = n
	tr.States, tr.Next = tr.States[:n*d], tr.Next[:n*d]
	tr.Mask, tr.NextMask = tr.Mask[:n*a], tr.NextMask[:n*a]
	tr.Actions, tr.Back, tr.Exit, tr.Done = tr.Actions[:n], tr.Back[:n], tr.Exit[:n], tr.Done[:n]
	tr.LogPB, tr.LogR, tr.Slot, tr.Weight = tr.LogPB[:n], tr.LogR[:n], tr.Slot[:n], tr.Weight[:n]
}

// record adds a sampled terminal object to the empirical window.
func (s *SoftDQN) record(x State) {
	if s.enum != nil {
		s.samples.Add(s.enum.Index(x))
	}
}

// Samples returns the empirical record of the terminal objects sampled in
// rollouts (the last Window of them), from which the papers' empirical L1
// and KL are computed (Empirical.Distances), or nil when Env is not
// Enumerable or before the first Step.
func (s *SoftDQN) Samples() *Empirical { return s.samples }
