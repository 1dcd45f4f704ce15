package objective_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/internal/testenv"
)

// Objective-specific checks against formulas written out in the test, at
// random scores.

// randomScores returns per-transition scores of b drawn at random.
func randomScores(b *gfn.Batch, seed uint64) *testenv.Scores {
	rng := rand.New(rand.NewPCG(seed, 99))
	col := func() *autograd.Node {
		v := make([]float64, b.M())
		for i := range v {
			v[i] = rng.NormFloat64() - 1
		}
		return testenv.Col(v)
	}
	return &testenv.Scores{PF: col(), PB: col(), F: col(), PFE: col()}
}

func loss(o gfn.Objective, b *gfn.Batch, s *gfn.Scores) float64 {
	var tp autograd.Tape
	return o.Loss(&tp, b, s).Scalar()
}

// zetas returns, per trajectory, Σ log P_F − Σ log P_B and log R.
func trajSums(b *gfn.Batch, sc *testenv.Scores) (d []float64) {
	pf, pb := sc.PF.Value.RawMatrix().Data, sc.PB.Value.RawMatrix().Data
	d = make([]float64, b.N)
	for k := range pf {
		d[b.Traj[k]] += pf[k] - pb[k]
	}
	return d
}

func TestTBAndZVarByHand(t *testing.T) {
	for name, env := range tinyEnvs {
		b := testenv.Batch(env, tinyTrajs[name])
		sc := randomScores(b, 1)
		d := trajSums(b, sc)
		tb := objective.NewTB()
		tb.LogZ.Value.Set(0, 0, 0.7)
		var want, mean float64
		for i, v := range d {
			r := 0.7 + v - b.LogReward[i]
			want += r * r / float64(b.N)
			mean += (b.LogReward[i] - v) / float64(b.N) // ζ_i
		}
		if got := loss(tb, b, sc.Scores()); math.Abs(got-want) > 1e-13 {
			t.Errorf("%s: TB = %.17g, want %.17g", name, got, want)
		}
		var variance float64
		for i, v := range d {
			z := b.LogReward[i] - v
			variance += (z - mean) * (z - mean) / float64(b.N)
		}
		if got := loss(&objective.ZVar{}, b, sc.Scores()); math.Abs(got-variance) > 1e-13 {
			t.Errorf("%s: ZVar = %.17g, want the variance of ζ %.17g", name, got, variance)
		}
		tb.LogZ.Value.Set(0, 0, mean)
		if got := loss(tb, b, sc.Scores()); math.Abs(got-variance) > 1e-13 {
			t.Errorf("%s: TB at log Z = mean ζ is %.17g, want ZVar's %.17g", name, got, variance)
		}
	}
}

func TestDBByHand(t *testing.T) {
	for name, env := range tinyEnvs {
		b := testenv.Batch(env, tinyTrajs[name])
		sc := randomScores(b, 2)
		pf, pb, f := sc.PF.Value.RawMatrix().Data, sc.PB.Value.RawMatrix().Data, sc.F.Value.RawMatrix().Data
		var want float64
		for k := range pf {
			next := b.LogReward[b.Traj[k]]
			if k+1 < b.Offset[b.Traj[k]+1] {
				next = f[k+1]
			}
			r := f[k] + pf[k] - next - pb[k]
			want += r * r / float64(b.M())
		}
		if got := loss(&objective.DB{}, b, sc.Scores()); math.Abs(got-want) > 1e-13 {
			t.Errorf("%s: DB = %.17g, want %.17g", name, got, want)
		}
	}
}

// TestDBLengthOne checks DB on a single trajectory that exits at s₀: its one
// term is (log F(s₀) + log P_F(s_f|s₀) − log R(s₀))².
func TestDBLengthOne(t *testing.T) {
	b := testenv.Batch(testenv.Grid{}, [][]int{{2}})
	sc := &testenv.Scores{PF: testenv.Col([]float64{-0.4}), PB: testenv.Col([]float64{0}), F: testenv.Col([]float64{0.9})}
	r := 0.9 - 0.4 - math.Log(0.5)
	if got := loss(&objective.DB{}, b, sc.Scores()); math.Abs(got-r*r) > 1e-15 {
		t.Errorf("DB = %.17g, want %.17g", got, r*r)
	}
}

func TestModifiedDBByHand(t *testing.T) {
	b := testenv.Batch(testenv.Grid{}, tinyTrajs["grid"])
	sc := randomScores(b, 3)
	pf, pb, pfe := sc.PF.Value.RawMatrix().Data, sc.PB.Value.RawMatrix().Data, sc.PFE.Value.RawMatrix().Data
	var want float64
	n := 0
	for k := range pf {
		if b.Exit[k] {
			continue
		}
		j := k + b.Traj[k] // state index of the source s; s' is j+1
		logRs, logRs1 := b.StateLogReward[j], b.StateLogReward[j+1]
		// R(s')·P_B(s|s')·P_F(s_f|s) = R(s)·P_F(s'|s)·P_F(s_f|s')
		r := (logRs + pf[k] + pfe[k+1]) - (logRs1 + pb[k] + pfe[k])
		want += r * r
		n++
	}
	want /= float64(n)
	if got := loss(&objective.ModifiedDB{}, b, sc.Scores()); math.Abs(got-want) > 1e-13 {
		t.Errorf("ModifiedDB = %.17g, want %.17g", got, want)
	}
}

// TestSubTBLimits checks that SubTB(λ) tends to TB with log Z = log F(s₀) as
// λ → ∞, and to DB as λ → 0 when every trajectory has the same length.
func TestSubTBLimits(t *testing.T) {
	for name, env := range tinyEnvs {
		b := testenv.Batch(env, tinyTrajs[name])
		sc := randomScores(b, 4)
		f := sc.F.Value.RawMatrix().Data
		for i := 0; i < b.N; i++ {
			f[b.Offset[i]] = 0.3 // every trajectory starts at s₀
		}
		tb := objective.NewTB()
		tb.LogZ.Value.Set(0, 0, 0.3)
		want := loss(tb, b, sc.Scores())
		if got := loss(&objective.SubTB{Lambda: 1e9}, b, sc.Scores()); math.Abs(got-want) > 1e-6*want {
			t.Errorf("%s: SubTB(1e9) = %.10g, TB = %.10g", name, got, want)
		}
		if name != "subsets" {
			continue
		}
		want = loss(&objective.DB{}, b, sc.Scores())
		if got := loss(&objective.SubTB{Lambda: 1e-9}, b, sc.Scores()); math.Abs(got-want) > 1e-6*want {
			t.Errorf("%s: SubTB(1e-9) = %.10g, DB = %.10g", name, got, want)
		}
	}
}

func TestSubTBByHand(t *testing.T) {
	const lambda = 0.7
	for name, env := range tinyEnvs {
		b := testenv.Batch(env, tinyTrajs[name])
		sc := randomScores(b, 5)
		pf, pb, f := sc.PF.Value.RawMatrix().Data, sc.PB.Value.RawMatrix().Data, sc.F.Value.RawMatrix().Data
		var want float64
		for i := 0; i < b.N; i++ {
			n, o := b.Len[i], b.Offset[i]
			logF := func(k int) float64 {
				if k == n {
					return b.LogReward[i]
				}
				return f[o+k]
			}
			var num, den float64
			for a := 0; a < n; a++ {
				for z := a + 1; z <= n; z++ {
					r := logF(a) - logF(z)
					for k := a; k < z; k++ {
						r += pf[o+k] - pb[o+k]
					}
					w := math.Pow(lambda, float64(z-a))
					num += w * r * r
					den += w
				}
			}
			want += num / den / float64(b.N)
		}
		if got := loss(&objective.SubTB{Lambda: lambda}, b, sc.Scores()); math.Abs(got-want) > 1e-13 {
			t.Errorf("%s: SubTB = %.17g, want %.17g", name, got, want)
		}
	}
}

// TestFMByHand computes flow matching with the parents found by forward
// enumeration of the environment (not its backward steps).
func TestFMByHand(t *testing.T) {
	for name, env := range tinyEnvs {
		b := testenv.Batch(env, tinyTrajs[name])
		md := testenv.NewModel(testenv.NewFlows(env))
		rng := rand.New(rand.NewPCG(6, 6))
		for _, p := range []*autograd.Node{md.LogF, md.LogPF} {
			for i, v := range p.Value.RawMatrix().Data {
				p.Value.RawMatrix().Data[i] = v + rng.NormFloat64()
			}
		}
		spec := env.Spec()
		flow := func(s gfn.State) float64 { return md.LogF.Value.At(env.Index(s), 0) }
		logPF := func(s gfn.State, a int) float64 { return md.LogPF.Value.At(env.Index(s), a) }
		p, c := make(gfn.State, spec.StateDim), make(gfn.State, spec.StateDim)
		mask := make([]bool, spec.NumActions)
		var want float64
		for k := 0; k < b.M(); k++ {
			var r float64
			if b.Exit[k] {
				r = flow(b.Source(k)) + logPF(b.Source(k), b.Actions[k]) - b.LogReward[b.Traj[k]]
			} else {
				child := b.Target(k)
				var in float64
				for i := 0; i < env.NumStates(); i++ {
					env.StateAt(p, i)
					env.Mask(mask, p)
					for a, ok := range mask {
						if !ok || (spec.Exit && a == spec.NumActions-1) {
							continue
						}
						if env.Step(c, p, a); slices.Equal(c, child) {
							in += math.Exp(flow(p) + logPF(p, a))
						}
					}
				}
				out := b.LogReward[b.Traj[k]]
				if k+1 < b.Offset[b.Traj[k]+1] {
					out = flow(child)
				}
				r = math.Log(in) - out
			}
			want += r * r / float64(b.M())
		}
		var tp autograd.Tape
		got := (&objective.FM{}).Loss(&tp, b, md.Scores(&tp, b, testenv.Col(make([]float64, b.M())))).Scalar()
		if math.Abs(got-want) > 1e-12 {
			t.Errorf("%s: FM = %.17g, want %.17g", name, got, want)
		}
	}
}

func TestObjectivePanics(t *testing.T) {
	grid := testenv.Batch(testenv.Grid{}, tinyTrajs["grid"])
	subsets := testenv.Batch(testenv.Subsets{}, tinyTrajs["subsets"])
	gs, ss := randomScores(grid, 7).Scores(), randomScores(subsets, 7).Scores()
	noF := *gs
	noF.LogF = nil
	noExit := *gs
	noExit.LogPFExit = nil
	short := *gs
	short.LogPB = testenv.Col([]float64{1})
	withEnv := *gs
	withEnv.Env = testenv.Grid{}
	for name, f := range map[string]func(t *autograd.Tape){
		"TB without LogZ":         func(t *autograd.Tape) { (&objective.TB{}).Loss(t, grid, gs) },
		"TB short LogPB":          func(t *autograd.Tape) { objective.NewTB().Loss(t, grid, &short) },
		"DB without LogF":         func(t *autograd.Tape) { (&objective.DB{}).Loss(t, grid, &noF) },
		"SubTB without LogF":      func(t *autograd.Tape) { (&objective.SubTB{}).Loss(t, grid, &noF) },
		"SubTB negative λ":        func(t *autograd.Tape) { (&objective.SubTB{Lambda: -1}).Loss(t, grid, gs) },
		"FM without LogF":         func(t *autograd.Tape) { (&objective.FM{}).Loss(t, grid, &noF) },
		"FM without Env":          func(t *autograd.Tape) { (&objective.FM{}).Loss(t, grid, gs) },
		"FM without Model":        func(t *autograd.Tape) { (&objective.FM{}).Loss(t, grid, &withEnv) },
		"ModifiedDB without exit": func(t *autograd.Tape) { (&objective.ModifiedDB{}).Loss(t, grid, &noExit) },
		"ModifiedDB no exit env":  func(t *autograd.Tape) { (&objective.ModifiedDB{}).Loss(t, subsets, ss) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			var tp autograd.Tape
			f(&tp)
		}()
	}
}
