package softrl_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
)

func newTrainer(t testing.TB, env gfn.Env, alg train.Algorithm, seed uint64) *train.Trainer {
	t.Helper()
	tr, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func dqnOf(tr *train.Trainer) *softrl.DQN { return tr.Algorithm().(*softrl.DQN) }

func allSlots(r *softrl.Replay) []int {
	s := make([]int, r.Len())
	for i := range s {
		s[i] = i
	}
	return s
}

// TestRollout checks the transitions one iteration adds to the buffer
// against the environment.
func TestRollout(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	tr := newTrainer(t, env, &softrl.DQN{Hidden: []int{16}, Epsilon: 0.3}, 1) // ε: visit masked corners too
	st, err := tr.Step()
	if err != nil {
		t.Fatal(err)
	}
	s := dqnOf(tr)
	if !math.IsNaN(st.Loss) || tr.Batch().M() != s.Replay().Len() {
		t.Fatalf("stats %+v, buffer holds %d of %d transitions", st, s.Replay().Len(), tr.Batch().M())
	}
	var ts gfn.Transitions
	s.Replay().Gather(&ts, allSlots(s.Replay()))
	a := env.Spec().NumActions
	mask := make([]bool, a)
	next := make(gfn.State, 2)
	exits := 0
	var sources, targets [][2]int
	for k := 0; k < ts.N; k++ {
		src, act := ts.Source(k), ts.Actions[k]
		env.Mask(mask, src)
		if !slices.Equal(mask, ts.Mask[k*a:(k+1)*a]) || !mask[act] {
			t.Fatalf("transition %d: mask %v, stored %v, action %d", k, mask, ts.Mask[k*a:(k+1)*a], act)
		}
		sources = append(sources, [2]int{src[0], src[1]})
		if act == a-1 {
			exits++
			if !ts.Exit[k] || !ts.Done[k] || ts.LogPB[k] != 0 || ts.LogR[k] != env.LogReward(src) || !slices.Equal(ts.Target(k), src) || ts.Back[k] != -1 {
				t.Fatalf("exit transition %d wrong", k)
			}
			continue
		}
		env.Step(next, src, act)
		parents := 0
		for _, v := range next {
			if v > 0 {
				parents++
			}
		}
		env.Mask(mask, next)
		if ts.Exit[k] || ts.Done[k] || ts.LogR[k] != 0 || !slices.Equal(ts.Target(k), next) ||
			ts.Back[k] != act || ts.LogPB[k] != -math.Log(float64(parents)) || !slices.Equal(mask, ts.NextMask[k*a:(k+1)*a]) {
			t.Fatalf("transition %d: %v -%d-> %v wrong", k, src, act, ts.Target(k))
		}
		targets = append(targets, [2]int{next[0], next[1]})
	}
	if exits != 16 {
		t.Errorf("%d exit transitions, want 16 trajectories", exits)
	}
	// Every non-exit target is the source of a later transition: sources =
	// 16 × s₀ + targets, as multisets.
	for i := 0; i < 16; i++ {
		targets = append(targets, [2]int{0, 0})
	}
	cmp := func(x, y [2]int) int { return x[0]*100 + x[1] - y[0]*100 - y[1] }
	slices.SortFunc(sources, cmp)
	slices.SortFunc(targets, cmp)
	if !slices.Equal(sources, targets) {
		t.Errorf("trajectories do not chain: sources %v, targets %v", sources, targets)
	}
}

// TestInitialPriorities checks that new transitions enter the buffer with
// their current Huber TD error as priority, computed from scratch here (the
// algorithm reuses rollout values instead).
func TestInitialPriorities(t *testing.T) {
	for _, c := range []struct {
		alpha  float64
		double bool
	}{{0, false}, {0.15, false}, {0, true}, {0.15, true}} {
		env := hypergrid.New(2, 4, hypergrid.Standard)
		tr := newTrainer(t, env, &softrl.DQN{Hidden: []int{16}, Alpha: c.alpha, Double: c.double}, 2)
		s := dqnOf(tr)
		traintest.Run(t, tr, 1)
		n0 := s.Replay().Len()
		// Make the target network differ from the online one.
		rng := rand.New(rand.NewPCG(9, 9))
		for _, p := range s.Target.Params() {
			for i := range p.Value.RawMatrix().Data {
				p.Value.RawMatrix().Data[i] += 0.3 * rng.NormFloat64()
			}
		}
		traintest.Run(t, tr, 1)
		slots := allSlots(s.Replay())[n0:]
		var ts gfn.Transitions
		s.Replay().Gather(&ts, slots)
		var tp autograd.Tape
		qNext := s.Target.Q(&tp, ts.Next, ts.N).Value.RawMatrix().Data
		qCur := s.Target.Q(&tp, ts.States, ts.N).Value.RawMatrix().Data
		qOn := s.Q.Q(&tp, ts.Next, ts.N).Value.RawMatrix().Data
		y := make([]float64, ts.N)
		softrl.TD{Alpha: c.alpha, Double: c.double}.Targets(y, &ts, qNext, qCur, qOn)
		_, e := softrl.TDLoss(&tp, s.Q, &ts, y, nil, false)
		ev := e.Value.RawMatrix().Data
		p0 := s.Replay().Probability(slots[0]) / math.Sqrt(ev[0]+1e-6)
		for k, slot := range slots {
			want := p0 * math.Sqrt(ev[k]+1e-6)
			if got := s.Replay().Probability(slot); math.Abs(got-want) > 1e-9*want {
				t.Fatalf("α=%v double=%v: slot %d probability %v, want %v (error %v)", c.alpha, c.double, slot, got, want, ev[k])
			}
		}
	}
}

// TestTrains trains Soft DQN and Munchausen DQN (hypergrid defaults, smaller
// network and batch) on an 8×8 hypergrid for 1000 iterations and requires the
// exact terminal distribution of the learned policy to be close to R/Z:
// Σₓ|P(x) − R(x)/Z| < 0.05. The untrained network is at about 1.7.
func TestTrains(t *testing.T) {
	for _, alpha := range []float64{0, softrl.MunchausenAlpha} {
		env := hypergrid.New(2, 8, hypergrid.Standard)
		tr := newTrainer(t, env, &softrl.DQN{Hidden: []int{64, 64}, Alpha: alpha, BatchSize: 128}, 3)
		m, _ := tr.Evaluate()
		if m.Exact.L1 < 1 {
			t.Fatalf("α=%v: untrained Σ|P−R/Z| = %v, expected far from the target", alpha, m.Exact.L1)
		}
		learned := 0
		for i := 0; i < 1000; i++ {
			st, err := tr.Step()
			if err != nil {
				t.Fatal(err)
			}
			if !math.IsNaN(st.Loss) {
				learned++
			}
		}
		m, _ = tr.Evaluate()
		t.Logf("α=%v: exact Σ|P−R/Z| %.4f, empirical mean L1 %.3g, log Z %.3f (true %.3f)", alpha, m.Exact.L1, m.Empirical.L1Mean, m.LogZ, m.TrueLogZ)
		if m.Exact.L1 > 0.05 {
			t.Errorf("α=%v: exact Σ|P−R/Z| = %.4f after 1000 iterations, want < 0.05", alpha, m.Exact.L1)
		}
		if m.LogZErr > 0.1 {
			t.Errorf("α=%v: |log Z − log F(s₀)| = %.3f", alpha, m.LogZErr)
		}
		if learned != 1000-17 {
			t.Errorf("%d learning iterations, want 983 (learning starts after iteration 16)", learned)
		}
	}
}

// TestAllocs checks that a steady-state iteration allocates nothing.
func TestAllocs(t *testing.T) {
	for _, c := range []softrl.DQN{
		{Hidden: []int{32, 32}, LeafCoeff: 2, LearningStarts: -1, BatchSize: 64},
		{Hidden: []int{32, 32}, LeafCoeff: 2, LearningStarts: -1, BatchSize: 64, Alpha: 0.15, Double: true,
			UniformReplay: true, ApplyWeights: true, HardEvery: 3},
	} {
		tr := newTrainer(t, hypergrid.New(2, 6, hypergrid.Standard), &c, 5)
		traintest.Run(t, tr, 30)
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := tr.Step(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%+v: %v allocs per Step, want 0", c.Settings(), allocs)
		}
	}
}

func TestNonFinite(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	tr := newTrainer(t, env, &softrl.DQN{Hidden: []int{8}, LearningStarts: -1}, 7)
	traintest.Run(t, tr, 1)
	dqnOf(tr).Target.Params()[0].Value.RawMatrix().Data[0] = math.Inf(1)
	_, err := tr.Step()
	var nf gfn.ErrNonFinite
	if !errors.As(err, &nf) {
		t.Fatalf("Step with an infinite target weight: %v, want ErrNonFinite", err)
	}
}

// TestResume checks that Soft DQN and M-DQN runs continue bit-identically
// from a checkpoint: replay, priorities, Adam's moments, the target network,
// the random state and the counters.
func TestResume(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	for _, make := range []func() *softrl.DQN{
		func() *softrl.DQN {
			return &softrl.DQN{Hidden: []int{16}, LearningStarts: 3, BatchSize: 32, Capacity: 200}
		},
		func() *softrl.DQN {
			return &softrl.DQN{Hidden: []int{16}, LearningStarts: 3, BatchSize: 32, Capacity: 200, Alpha: softrl.MunchausenAlpha,
				HardEvery: 2, ApplyWeights: true, LeafCoeff: 2}
		},
		func() *softrl.DQN {
			return &softrl.DQN{Hidden: []int{16}, LearningStarts: 3, BatchSize: 32, UniformReplay: true}
		},
	} {
		params := func(tr *train.Trainer) []*autograd.Node {
			d := dqnOf(tr)
			return append(d.Q.Params(), d.Target.Params()...)
		}
		traintest.Resume(t, func(seed uint64) *train.Trainer { return newTrainer(t, env, make(), seed) }, params, 12, 9)
		tr := newTrainer(t, env, make(), 1)
		traintest.Run(t, tr, 8)
		other := make()
		other.Capacity = 300
		traintest.BadCheckpoints(t, tr, newTrainer(t, env, make(), 1), newTrainer(t, env, other, 1), params)
	}
}

func TestConfigErrors(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	q := softrl.NewQNet(env, []int{4}, rand.New(rand.NewPCG(1, 1)))
	for name, alg := range map[string]*softrl.DQN{
		"alpha 1":        {Alpha: 1},
		"negative alpha": {Alpha: -0.1},
		"positive L0":    {L0: 3},
		"NaN LR":         {LR: math.NaN()},
		"epsilon 2":      {Epsilon: 2},
		"tau 2":          {Tau: 2},
		"Q only":         {Q: q},
		"empty hidden":   {Hidden: []int{}},
		"negative batch": {BatchSize: -1},
	} {
		if _, err := train.New(train.Config{Env: env, Algorithm: alg}); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
