package objective_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/internal/testenv"
)

// Every objective is tested on the two tiny environments of tinyenv_test.go,
// at their exact flows, where it must vanish, and at random scores.

// tinyTrajs are hand-made trajectories that cover exit and non-exit edges,
// states with one and with two parents, and a trajectory of length 1.
var tinyTrajs = map[string][][]int{
	"grid":    {{2}, {0, 1, 1, 2}, {1, 0, 2}, {1, 1, 2}}, // 0: x+1, 1: y+1, 2: exit
	"subsets": {{0, 1}, {2, 0}, {1, 2}},
}

var tinyEnvs = map[string]testenv.Tiny{"grid": testenv.Grid{}, "subsets": testenv.Subsets{}}

// objCase is an objective under test. make returns it for the environment and
// its exact flows (TB gets the exact log Z); perturb moves one of the scores
// that it reads away from the optimum.
type objCase struct {
	name    string
	exitEnv bool // needs an environment where every state can exit
	model   bool // reads a testenv.Model (FM) instead of per-transition scores
	make    func(env testenv.Tiny, fl *testenv.Flows) gfn.Objective
	perturb func(sc *testenv.Scores, md *testenv.Model)
}

func bump(p *autograd.Node, i int) { p.Value.RawMatrix().Data[i] += 0.3 }

var objCases = []objCase{
	{name: "TB", make: func(_ testenv.Tiny, fl *testenv.Flows) gfn.Objective {
		o := objective.NewTB()
		o.LogZ.Value.Set(0, 0, fl.LogZ)
		return o
	}, perturb: func(sc *testenv.Scores, _ *testenv.Model) { bump(sc.PF, 1) }},
	{name: "DB", make: func(testenv.Tiny, *testenv.Flows) gfn.Objective { return &objective.DB{} },
		perturb: func(sc *testenv.Scores, _ *testenv.Model) { bump(sc.F, 1) }},
	{name: "ModifiedDB", exitEnv: true, make: func(testenv.Tiny, *testenv.Flows) gfn.Objective { return &objective.ModifiedDB{} },
		perturb: func(sc *testenv.Scores, _ *testenv.Model) { bump(sc.PFE, 2) }},
	{name: "SubTB", make: func(testenv.Tiny, *testenv.Flows) gfn.Objective { return &objective.SubTB{} },
		perturb: func(sc *testenv.Scores, _ *testenv.Model) { bump(sc.F, 1) }},
	{name: "SubTB(1.9)", make: func(testenv.Tiny, *testenv.Flows) gfn.Objective { return &objective.SubTB{Lambda: 1.9} },
		perturb: func(sc *testenv.Scores, _ *testenv.Model) { bump(sc.PB, 1) }},
	{name: "FM", model: true, make: func(env testenv.Tiny, _ *testenv.Flows) gfn.Objective { return &objective.FM{} },
		perturb: func(_ *testenv.Scores, md *testenv.Model) { bump(md.LogF, 1) }},
	{name: "ZVar", make: func(testenv.Tiny, *testenv.Flows) gfn.Objective { return &objective.ZVar{} },
		perturb: func(sc *testenv.Scores, _ *testenv.Model) { bump(sc.PF, 1) }},
}

// objSetup is an objective on a batch with scores that are parameters.
type objSetup struct {
	obj     gfn.Objective
	batch   *gfn.Batch
	sc      *testenv.Scores
	md      *testenv.Model
	loss    func(t *autograd.Tape) *autograd.Node
	params  []*autograd.Node
	perturb func()
}

// setup returns case c on environment name at its exact flows, plus Gaussian
// noise of standard deviation sd on every parameter when rng is not nil.
func setup(c objCase, name string, rng *rand.Rand, sd float64) *objSetup {
	env := tinyEnvs[name]
	fl := testenv.NewFlows(env)
	b := testenv.Batch(env, tinyTrajs[name])
	s := &objSetup{obj: c.make(env, fl), batch: b, sc: fl.TrueScores(b)}
	if c.model {
		s.md = testenv.NewModel(fl)
		s.params = []*autograd.Node{s.md.LogF, s.md.LogPF}
		s.loss = func(t *autograd.Tape) *autograd.Node {
			return s.obj.Loss(t, b, s.md.Scores(t, b, s.sc.PB))
		}
	} else {
		s.params = append(s.sc.Params(), s.obj.Params()...)
		scores := s.sc.Scores()
		s.loss = func(t *autograd.Tape) *autograd.Node { return s.obj.Loss(t, b, scores) }
	}
	if rng != nil {
		for _, p := range s.params {
			d := p.Value.RawMatrix().Data
			for i := range d {
				d[i] += sd * rng.NormFloat64()
			}
		}
	}
	s.perturb = func() { c.perturb(s.sc, s.md) }
	return s
}

// each runs f for every objective on every environment it applies to.
func each(t *testing.T, f func(t *testing.T, c objCase, env string)) {
	for _, c := range objCases {
		for _, env := range []string{"grid", "subsets"} {
			if c.exitEnv && !tinyEnvs[env].Spec().Exit {
				continue
			}
			t.Run(c.name+"/"+env, func(t *testing.T) { f(t, c, env) })
		}
	}
}

func TestTinyFlows(t *testing.T) {
	for name, env := range tinyEnvs {
		fl := testenv.NewFlows(env)
		if d := math.Abs(fl.LogF[0] - fl.LogZ); d > 1e-14 {
			t.Errorf("%s: log F(s₀) = %v, log Σ R = %v", name, fl.LogF[0], fl.LogZ)
		}
		for i, row := range fl.LogPF {
			if !env.Spec().Exit && i >= 4 {
				continue // the terminal sets have no forward action
			}
			var p float64
			for _, v := range row {
				p += math.Exp(v)
			}
			if math.Abs(p-1) > 1e-14 {
				t.Errorf("%s: P_F of state %d sums to %v", name, i, p)
			}
		}
	}
}

func TestObjectivesZeroAtOptimum(t *testing.T) {
	each(t, func(t *testing.T, c objCase, env string) {
		s := setup(c, env, nil, 0)
		var tp autograd.Tape
		if l := s.loss(&tp).Scalar(); !(math.Abs(l) <= 1e-12) {
			t.Errorf("loss at the exact flows = %g, want 0", l)
		}
		s.perturb()
		tp.Reset()
		if l := s.loss(&tp).Scalar(); !(l > 1e-4) {
			t.Errorf("loss after perturbing one score = %g, want > 0", l)
		}
	})
}

func TestObjectivesNonNegative(t *testing.T) {
	each(t, func(t *testing.T, c objCase, env string) {
		for seed := range uint64(5) {
			s := setup(c, env, rand.New(rand.NewPCG(seed, 7)), 1)
			var tp autograd.Tape
			if l := s.loss(&tp).Scalar(); !(l > 0) || math.IsInf(l, 1) {
				t.Errorf("seed %d: loss at random scores = %g, want finite and > 0", seed, l)
			}
		}
	})
}

func TestObjectivesGradients(t *testing.T) {
	each(t, func(t *testing.T, c objCase, env string) {
		s := setup(c, env, rand.New(rand.NewPCG(11, 13)), 0.5)
		autogradtest.Check(t, s.loss, s.params...)
	})
}

func TestObjectivesAllocs(t *testing.T) {
	each(t, func(t *testing.T, c objCase, env string) {
		s := setup(c, env, rand.New(rand.NewPCG(1, 1)), 0.5)
		var tp autograd.Tape
		step := func() {
			tp.Reset()
			tp.Backward(s.loss(&tp))
		}
		step()
		if a := testing.AllocsPerRun(20, step); a != 0 {
			t.Errorf("%v allocs per Loss and Backward, want 0", a)
		}
	})
}

// TestObjectivesRegression checks that the Regression field replaces the
// squared residual, with |r| for every objective.
func TestObjectivesRegression(t *testing.T) {
	abs := func(t *autograd.Tape, r *autograd.Node) *autograd.Node { return t.Abs(r) }
	each(t, func(t *testing.T, c objCase, env string) {
		s := setup(c, env, rand.New(rand.NewPCG(5, 5)), 0.5)
		var tp autograd.Tape
		sq := s.loss(&tp).Scalar()
		set := func(reg gfn.Regression) {
			switch o := s.obj.(type) {
			case *objective.TB:
				o.Regression = reg
			case *objective.DB:
				o.Regression = reg
			case *objective.ModifiedDB:
				o.Regression = reg
			case *objective.SubTB:
				o.Regression = reg
			case *objective.FM:
				o.Regression = reg
			case *objective.ZVar:
				o.Regression = reg
			default:
				t.Fatalf("unknown objective %T", o)
			}
		}
		set(gfn.SquaredResidual)
		tp.Reset()
		if l := s.loss(&tp).Scalar(); l != sq {
			t.Errorf("SquaredResidual gives %v, nil gives %v", l, sq)
		}
		set(abs)
		tp.Reset()
		if l := s.loss(&tp).Scalar(); !(l > 0) || l == sq {
			t.Errorf("|r| gives %v, squared %v", l, sq)
		}
	})
}

// TestSubTBHandComputed checks SubTB(λ) on one trajectory s₀ → s₁ → x of the
// subsets environment against its three residuals written out by hand.
func TestSubTBHandComputed(t *testing.T) {
	b := testenv.Batch(testenv.Subsets{}, [][]int{{0, 1}}) // x = {0, 1}, R(x) = 3
	sc := &testenv.Scores{
		PF: testenv.Col([]float64{-1, -0.5}),
		PB: testenv.Col([]float64{0, -math.Log(2)}),
		F:  testenv.Col([]float64{1, 0.25}),
	}
	logR := math.Log(3)
	r01 := 1 + (-1 - 0) - 0.25
	r12 := 0.25 + (-0.5 + math.Log(2)) - logR
	r02 := 1 + (-1 - 0) + (-0.5 + math.Log(2)) - logR
	var tp autograd.Tape
	for _, lambda := range []float64{0.5, 0.9, 1.9} {
		want := (lambda*r01*r01 + lambda*r12*r12 + lambda*lambda*r02*r02) / (2*lambda + lambda*lambda)
		tp.Reset()
		got := (&objective.SubTB{Lambda: lambda}).Loss(&tp, b, sc.Scores()).Scalar()
		if math.Abs(got-want) > 1e-14 {
			t.Errorf("λ = %v: loss %.17g, want %.17g", lambda, got, want)
		}
	}
	tp.Reset()
	def := (&objective.SubTB{}).Loss(&tp, b, sc.Scores()).Scalar()
	tp.Reset()
	if l := (&objective.SubTB{Lambda: 0.9}).Loss(&tp, b, sc.Scores()).Scalar(); l != def {
		t.Errorf("Lambda 0 gives %v, 0.9 gives %v", def, l)
	}
}
