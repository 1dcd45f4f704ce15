package onpolicy_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
)

// resumeAlg exercises every piece of state: a learned P_B with its own
// optimizer, TB's log Z, exploration, clipping and replayed batches.
func resumeAlg() *onpolicy.Algorithm {
	return &onpolicy.Algorithm{
		Objective:    objective.NewTB(),
		Policy:       policy.Config{Hidden: []int{16, 16}, PB: policy.TiedPB},
		Trajectories: 8, Epsilon: 0.1, ClipNorm: 1, ReplayBatches: 3,
	}
}

func newTrainer(t testing.TB, env gfn.Env, alg train.Algorithm, seed uint64) *train.Trainer {
	t.Helper()
	tr, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: seed, Window: 50})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func params(tr *train.Trainer) []*autograd.Node { return tr.Algorithm().(*onpolicy.Algorithm).Params() }

func TestResumeBitIdentical(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	traintest.Resume(t, func(seed uint64) *train.Trainer { return newTrainer(t, env, resumeAlg(), seed) }, params, 7, 6)
}

func TestBadCheckpoints(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	tr := newTrainer(t, env, resumeAlg(), 1)
	traintest.Run(t, tr, 3)
	other := resumeAlg()
	other.Policy.Hidden = []int{8}
	traintest.BadCheckpoints(t, tr, newTrainer(t, env, resumeAlg(), 1), newTrainer(t, env, other, 1), params)
	// A batch size, a replay size and a reward of another run are refused too.
	for name, tweak := range map[string]func(*onpolicy.Algorithm){
		"trajectories": func(a *onpolicy.Algorithm) { a.Trajectories = 9 },
		"replay":       func(a *onpolicy.Algorithm) { a.ReplayBatches = 4 },
		"objective":    func(a *onpolicy.Algorithm) { a.Objective = &objective.ZVar{} },
	} {
		a := resumeAlg()
		tweak(a)
		traintest.BadCheckpoints(t, tr, newTrainer(t, env, resumeAlg(), 1), newTrainer(t, env, a, 1), params)
		_ = name
	}
	hard := hypergrid.New(2, 5, hypergrid.Hard)
	traintest.BadCheckpoints(t, tr, newTrainer(t, env, resumeAlg(), 1), newTrainer(t, hard, resumeAlg(), 1), params)
}

// TestRecompute checks that scoring the sampled batch afresh gives the same
// trajectories and, up to rounding, the same training as back-propagating
// through the recorded rollout.
func TestRecompute(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	a := newTrainer(t, env, resumeAlg(), 7)
	alg := resumeAlg()
	alg.Recompute = true
	b := newTrainer(t, env, alg, 7)
	for i := 0; i < 5; i++ {
		ia, err := a.Step()
		if err != nil {
			t.Fatal(err)
		}
		ib, err := b.Step()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(a.Batch().Actions, b.Batch().Actions) {
			t.Fatalf("step %d: different trajectories", i)
		}
		if math.Abs(ia.Loss-ib.Loss) > 1e-9*math.Max(1, ia.Loss) {
			t.Fatalf("step %d: loss %v recorded, %v recomputed", i, ia.Loss, ib.Loss)
		}
	}
}

// nanObjective is TB whose loss becomes NaN from a given call.
type nanObjective struct {
	*objective.TB
	calls, from int
}

func (o *nanObjective) Loss(t *autograd.Tape, b *gfn.Batch, s *gfn.Scores) *autograd.Node {
	o.calls++
	l := o.TB.Loss(t, b, s)
	if o.calls >= o.from {
		l = t.Scale(math.NaN(), l)
	}
	return l
}

func TestNonFiniteLoss(t *testing.T) {
	alg := resumeAlg()
	alg.ReplayBatches = 0
	alg.Objective = &nanObjective{TB: objective.NewTB(), from: 3}
	tr := newTrainer(t, hypergrid.New(2, 5, hypergrid.Standard), alg, 7)
	traintest.Run(t, tr, 2)
	before := traintest.Values(params(tr))
	_, err := tr.Step()
	var nf gfn.ErrNonFinite
	if !errors.As(err, &nf) || err.Error() != "iteration 3: gfn: non-finite loss (loss NaN)" {
		t.Fatalf("error %v, want ErrNonFinite at iteration 3", err)
	}
	if !traintest.Equal(before, traintest.Values(params(tr))) {
		t.Error("a non-finite step changed the parameters")
	}
	if tr.Iter() != 3 || tr.Trajectories() != 3*8 {
		t.Errorf("after a non-finite step: iteration %d, %d trajectories", tr.Iter(), tr.Trajectories())
	}
}

// TestTrainTBConverges trains TB on the 8×8 standard hypergrid (MLP 256×256,
// batch 16, the papers' learning rates) and checks the exact distribution of
// the sampler and the learned log Z.
func TestTrainTBConverges(t *testing.T) {
	tr := newTrainer(t, hypergrid.New(2, 8, hypergrid.Standard), &onpolicy.Algorithm{Objective: objective.NewTB()}, 1)
	m0, _ := tr.Evaluate()
	traintest.Run(t, tr, 600)
	m, err := tr.Evaluate()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exact L1 %.4f → %.4f, log Z %.4f (true %.4f), modes %d/%d", m0.Exact.L1, m.Exact.L1, m.LogZ, m.TrueLogZ, m.ModesFound, m.NumModes)
	if m.Exact.L1 > 0.1 || m0.Exact.L1 < 0.5 {
		t.Errorf("exact L1 %.4f after 600 iterations (%.4f at start), want < 0.1", m.Exact.L1, m0.Exact.L1)
	}
	if m.LogZErr > 0.1 {
		t.Errorf("|log Z − learned| = %.4f", m.LogZErr)
	}
	if m.ModesFound != m.NumModes {
		t.Errorf("found %d of %d modes", m.ModesFound, m.NumModes)
	}
	var b gfn.Batch
	if err := tr.Sample(&b, 10, rand.New(rand.NewPCG(1, 1))); err != nil || b.N != 10 {
		t.Errorf("Sample gave %d trajectories, error %v", b.N, err)
	}
}

// TestObjectives trains every objective (with replayed batches, so that
// Policy.Score feeds it too) on a small hypergrid and checks that the sampler
// gets much closer to the reward distribution. The flow head comes from the
// objective's Needs, not from the test.
func TestObjectives(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	for _, c := range []struct {
		name string
		obj  gfn.Objective
	}{
		{"TB", objective.NewTB()},
		{"DB", &objective.DB{}},
		{"ModifiedDB", &objective.ModifiedDB{}},
		{"SubTB", &objective.SubTB{}},
		{"FM", &objective.FM{}},
		{"ZVar", &objective.ZVar{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			alg := &onpolicy.Algorithm{Objective: c.obj, ReplayBatches: 4,
				Policy: policy.Config{Hidden: []int{32, 32}, PB: policy.TiedPB}}
			tr := newTrainer(t, env, alg, 3)
			if got, want := alg.Trained().HasFlow(), c.obj.Needs().Flow; got != want {
				t.Fatalf("flow head %v, the objective needs one: %v", got, want)
			}
			m0, _ := tr.Evaluate()
			traintest.Run(t, tr, 1200)
			m, _ := tr.Evaluate()
			t.Logf("exact L1 %.3f → %.3f", m0.Exact.L1, m.Exact.L1)
			if m.Exact.L1 > 0.05 {
				t.Errorf("exact L1 %.3f → %.3f after 1200 iterations", m0.Exact.L1, m.Exact.L1)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	for name, alg := range map[string]*onpolicy.Algorithm{
		"nil objective":     {},
		"negative LR":       {Objective: objective.NewTB(), LR: -1},
		"NaN temperature":   {Objective: objective.NewTB(), Temperature: math.NaN()},
		"epsilon 2":         {Objective: objective.NewTB(), Epsilon: 2},
		"NaN clip":          {Objective: objective.NewTB(), ClipNorm: math.NaN()},
		"empty hidden":      {Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{}}},
		"zero width":        {Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{0}}},
		"negative replay":   {Objective: objective.NewTB(), ReplayBatches: -1},
		"negative trajs":    {Objective: objective.NewTB(), Trajectories: -3},
		"workers with ZVar": {Objective: &objective.ZVar{}, Workers: 2},
		"workers, replay":   {Objective: objective.NewTB(), Workers: 2, ReplayBatches: 2},
		"negative workers":  {Objective: objective.NewTB(), Workers: -1},
	} {
		if _, err := train.New(train.Config{Env: env, Algorithm: alg}); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestUnmarshalRollsBack gives an algorithm a state whose parameters are
// valid but whose optimizer state is corrupt: the parameters, already read,
// are put back as they were.
func TestUnmarshalRollsBack(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	a := newTrainer(t, env, resumeAlg(), 1)
	traintest.Run(t, a, 5)
	state, err := a.Algorithm().(*onpolicy.Algorithm).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(state, []byte("ADAM"))
	if i < 0 {
		t.Fatal("no Adam state in the algorithm's state")
	}
	state[i+20] ^= 0xff // inside Adam's section, after the parameters
	b := newTrainer(t, env, resumeAlg(), 2)
	before := traintest.Values(params(b))
	err = b.Algorithm().(*onpolicy.Algorithm).UnmarshalBinary(state)
	if err == nil {
		t.Fatal("a corrupt optimizer state was accepted")
	}
	if traintest.Equal(before, traintest.Values(params(a))) {
		t.Fatal("the two trainers had the same parameters: the test proves nothing")
	}
	if !traintest.Equal(before, traintest.Values(params(b))) {
		t.Errorf("the parameters changed although the state was refused (%v)", err)
	}
}
