package softrl_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/autograd/autogradtest"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/internal/testenv"
)

// sdqnEnv is the environment the soft RL tests need: reversible, enumerable
// and with an exit action.
type sdqnEnv interface {
	gfn.Reversible
	gfn.Enumerable
}

// sdqnLogFlows returns log F(s) for every state index under the uniform
// backward policy, by the flow recursion from the leaves up (indices are a
// topological order): F(s) = R(s) + Σ_{children s′} F(s′)/#parents(s′).
func sdqnLogFlows(env sdqnEnv) []float64 {
	sp := env.Spec()
	n := env.NumStates()
	f := make([]float64, n)
	s, c := make(gfn.State, sp.StateDim), make(gfn.State, sp.StateDim)
	mask := make([]bool, sp.NumActions)
	for i := n - 1; i >= 0; i-- {
		env.StateAt(s, i)
		env.Mask(mask, s)
		for a, ok := range mask {
			switch {
			case !ok:
			case a == sp.NumActions-1:
				f[i] += math.Exp(env.LogReward(s))
			default:
				env.Step(c, s, a)
				f[i] += f[env.Index(c)] / float64(testenv.Parents(env, c))
			}
		}
	}
	for i := range f {
		f[i] = math.Log(f[i])
	}
	return f
}

// sdqnQStar returns the optimal soft Q [NumStates×A] in closed form:
// Q*(s, a) = log F(s′) + log P_B(s|s′) for a move and log R(s) for the exit;
// invalid actions get junk, which must be masked.
func sdqnQStar(env sdqnEnv) []float64 {
	sp := env.Spec()
	a := sp.NumActions
	lf := sdqnLogFlows(env)
	q := make([]float64, env.NumStates()*a)
	s, c := make(gfn.State, sp.StateDim), make(gfn.State, sp.StateDim)
	mask := make([]bool, a)
	for i := range lf {
		env.StateAt(s, i)
		env.Mask(mask, s)
		for j, ok := range mask {
			switch {
			case !ok:
				q[i*a+j] = 1e6
			case j == a-1:
				q[i*a+j] = env.LogReward(s)
			default:
				env.Step(c, s, j)
				q[i*a+j] = lf[env.Index(c)] - math.Log(float64(testenv.Parents(env, c)))
			}
		}
	}
	return q
}

// sdqnEdges returns every edge of env as transitions, with uniform-P_B rewards.
func sdqnEdges(env sdqnEnv) *gfn.Transitions {
	sp := env.Spec()
	d, a := sp.StateDim, sp.NumActions
	n := 0
	s := make(gfn.State, d)
	mask := make([]bool, a)
	for i := 0; i < env.NumStates(); i++ {
		env.StateAt(s, i)
		env.Mask(mask, s)
		for _, ok := range mask {
			if ok {
				n++
			}
		}
	}
	var tr gfn.Transitions
	tr.Resize(n, d, a)
	k := 0
	for i := 0; i < env.NumStates(); i++ {
		env.StateAt(s, i)
		env.Mask(mask, s)
		for j, ok := range mask {
			if !ok {
				continue
			}
			copy(tr.States[k*d:(k+1)*d], s)
			copy(tr.Mask[k*a:(k+1)*a], mask)
			tr.Actions[k], tr.LogR[k], tr.Back[k] = j, 0, -1
			if j == a-1 {
				copy(tr.Next[k*d:(k+1)*d], s)
				tr.Exit[k], tr.Done[k], tr.LogR[k] = true, true, env.LogReward(s)
				clear(tr.NextMask[k*a : (k+1)*a])
			} else {
				env.Step(tr.Target(k), s, j)
				tr.Back[k] = env.BackwardAction(s, j)
				tr.Exit[k], tr.Done[k] = false, false
				env.Mask(tr.NextMask[k*a:(k+1)*a], tr.Target(k))
			}
			k++
		}
	}
	(&gfn.BackwardScorer{Env: env}).Fill(&tr)
	return &tr
}

// sdqnRows gathers rows of a [NumStates×A] table for the given states.
func sdqnRows(env sdqnEnv, table []float64, states []int, n int) []float64 {
	sp := env.Spec()
	a, d := sp.NumActions, sp.StateDim
	out := make([]float64, n*a)
	for i := 0; i < n; i++ {
		j := env.Index(gfn.State(states[i*d : (i+1)*d]))
		copy(out[i*a:(i+1)*a], table[j*a:(j+1)*a])
	}
	return out
}

// sdqnTarget returns R(x)/Z by state index.
func sdqnTarget(env gfn.Enumerable) []float64 {
	p, _ := gfn.TargetDistribution(env)
	return p
}

// TestTDTargetsByHand checks Soft DQN, Munchausen and double targets on hand-made
// transitions with masked actions and an exit edge. NaN sits in every entry
// the targets must not read.
func TestTDTargetsByHand(t *testing.T) {
	nan := math.NaN()
	var tr gfn.Transitions
	tr.Resize(3, 1, 3) // actions 0, 1 and exit = 2
	// 0: a move whose target has action 1 masked; reward log P_B = log ½.
	tr.Actions[0], tr.LogPB[0] = 0, math.Log(0.5)
	copy(tr.Mask[0:3], []bool{true, false, true})
	copy(tr.NextMask[0:3], []bool{true, false, true})
	// 1: the exit edge, log R(x) = −0.7; s′ = s_f, nothing to bootstrap.
	tr.Actions[1], tr.Exit[1], tr.Done[1], tr.LogR[1] = 2, true, true, -0.7
	copy(tr.Mask[3:6], []bool{true, true, true})
	// 2: a move into a state where only the exit is valid.
	tr.Actions[2], tr.LogPB[2] = 1, math.Log(1.0/3)
	copy(tr.Mask[6:9], []bool{false, true, true})
	copy(tr.NextMask[6:9], []bool{false, false, true})

	qNext := []float64{1, nan, 2, nan, nan, nan, nan, nan, 0.25}
	qCur := []float64{0.5, nan, -1, 0.3, -0.2, 0.1, nan, -40, 0.6}
	y := make([]float64, 3)

	softrl.TD{}.Targets(y, &tr, qNext, nil, nil)
	want := []float64{math.Log(0.5) + math.Log(math.E+math.Exp(2)), -0.7, math.Log(1.0/3) + 0.25}
	for i := range want {
		if math.Abs(y[i]-want[i]) > 1e-14 {
			t.Errorf("Soft DQN y[%d] = %v, want %v", i, y[i], want[i])
		}
	}

	// Munchausen α = 0.15, λ = 1/0.85, bonus α·clip(λ·log π_tgt(a|s), l0, 0)
	// on every transition, the exit edge included.
	const alpha = 0.15
	lam := 1 / (1 - alpha)
	lse := func(xs ...float64) float64 {
		var s float64
		for _, x := range xs {
			s += math.Exp(x / lam)
		}
		return lam * math.Log(s)
	}
	softrl.TD{Alpha: alpha, L0: -20}.Targets(y, &tr, qNext, qCur, nil)
	want = []float64{
		math.Log(0.5) + lse(1, 2) + alpha*(0.5-lse(0.5, -1)),
		-0.7 + alpha*(0.1-lse(0.3, -0.2, 0.1)),
		math.Log(1.0/3) + 0.25 + alpha*-20, // λ·log π = −40 − λ·lse ≈ −40.6 is clipped to −20
	}
	for i := range want {
		if math.Abs(y[i]-want[i]) > 1e-13 {
			t.Errorf("Munchausen y[%d] = %v, want %v", i, y[i], want[i])
		}
	}

	// Double: V(s′) = Σ π_θ(a′)(Q_tgt(s′,a′) − λ log π_θ(a′)), π_θ from the
	// online values; with online = target it is the soft value.
	qOn := []float64{0, nan, math.Log(3), nan, nan, nan, nan, nan, 7}
	softrl.TD{Double: true}.Targets(y, &tr, qNext, nil, qOn)
	want = []float64{
		math.Log(0.5) + 0.25*(1-math.Log(0.25)) + 0.75*(2-math.Log(0.75)),
		-0.7,
		math.Log(1.0/3) + 0.25,
	}
	for i := range want {
		if math.Abs(y[i]-want[i]) > 1e-14 {
			t.Errorf("double y[%d] = %v, want %v", i, y[i], want[i])
		}
	}
	y2 := make([]float64, 3)
	softrl.TD{Double: true}.Targets(y, &tr, qNext, nil, qNext)
	softrl.TD{}.Targets(y2, &tr, qNext, nil, nil)
	for i := range y {
		if math.Abs(y[i]-y2[i]) > 1e-14 {
			t.Errorf("double with online = target: y[%d] = %v, soft %v", i, y[i], y2[i])
		}
	}
}

// TestMunchausenAlphaZeroIsSoftDQN: with α = 0 the Munchausen targets are the
// Soft DQN ones exactly, whatever the clip and the values at s.
func TestMunchausenAlphaZeroIsSoftDQN(t *testing.T) {
	env := hypergrid.New(2, 3, hypergrid.Standard)
	tr := sdqnEdges(env)
	rng := rand.New(rand.NewPCG(1, 3))
	a := env.Spec().NumActions
	qNext, qCur := make([]float64, tr.N*a), make([]float64, tr.N*a)
	for i := range qNext {
		qNext[i], qCur[i] = rng.NormFloat64(), 5*rng.NormFloat64()
	}
	y0, y1 := make([]float64, tr.N), make([]float64, tr.N)
	softrl.TD{}.Targets(y0, tr, qNext, nil, nil)
	softrl.TD{Alpha: 0, L0: -0.5}.Targets(y1, tr, qNext, qCur, nil)
	for i := range y0 {
		if y0[i] != y1[i] {
			t.Fatalf("y[%d]: α = 0 gives %v, Soft DQN %v", i, y1[i], y0[i])
		}
	}
	// And the trainer: α = 0 with any L0 trains exactly as Soft DQN.
	run := func(l0 float64) []float64 {
		env := hypergrid.New(2, 4, hypergrid.Standard)
		tr := newTrainer(t, env, &softrl.DQN{L0: l0, LearningStarts: -1, BatchSize: 32, Hidden: []int{16}}, 2)
		var out []float64
		for i := 0; i < 10; i++ {
			st, err := tr.Step()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, st.Loss)
		}
		return out
	}
	a0, a1 := run(0), run(-3)
	for i := range a0 {
		if a0[i] != a1[i] || math.IsNaN(a0[i]) {
			t.Fatalf("iteration %d: loss %v with L0 = −3, %v by default", i, a1[i], a0[i])
		}
	}
}

// TestTDZeroAtOptimum: at the true log edge flows Q* of a tiny hypergrid the
// Soft DQN TD error is zero on every edge, and the Boltzmann policy of Q*
// samples x with probability R(x)/Z. For Munchausen DQN the fixed point is
// Q_M = Q* + αλ·log π* (Vieillard et al. 2020), where the error is zero too.
func TestTDZeroAtOptimum(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	a := env.Spec().NumActions
	qs := sdqnQStar(env)
	tr := sdqnEdges(env)
	qNext := sdqnRows(env, qs, tr.Next, tr.N)
	y := make([]float64, tr.N)
	softrl.TD{}.Targets(y, tr, qNext, nil, nil)
	cur := sdqnRows(env, qs, tr.States, tr.N)
	for k := 0; k < tr.N; k++ {
		if r := cur[k*a+tr.Actions[k]] - y[k]; math.Abs(r) > 1e-12 {
			t.Errorf("edge %d: TD error %v at Q*", k, r)
		}
	}
	table := softrl.NewQTable(env)
	copy(table.W.Value.RawMatrix().Data, qs)
	var tp autograd.Tape
	loss, _ := softrl.TDLoss(&tp, table, tr, y, nil, false)
	if l := loss.Scalar(); l > 1e-24 {
		t.Errorf("TD loss %v at Q*", l)
	}
	pol := &softrl.SoftPolicy{Env: env, Q: table}
	if p, err := gfn.ExactDistribution(env, pol); err != nil {
		t.Error(err)
	} else if d := gfn.Compare(p, sdqnTarget(env)).L1; d > 1e-12 {
		t.Errorf("Σ|P − R/Z| = %v for the policy of Q*", d)
	}
	// log F(s₀) = λ·logsumexp Q*(s₀,·) = log Z.
	tp.Reset()
	_, logF := pol.Evaluate(&tp, make([]int, 2), 1)
	if got, want := logF.Scalar(), env.LogZ(); math.Abs(got-want) > 1e-12 {
		t.Errorf("log F(s₀) = %v, want log Z = %v", got, want)
	}

	const alpha = 0.15
	lam := 1 / (1 - alpha)
	qm := make([]float64, len(qs))
	mask := make([]bool, a)
	s := make(gfn.State, 2)
	for i := 0; i < env.NumStates(); i++ {
		env.StateAt(s, i)
		env.Mask(mask, s)
		v := softrl.SoftValue(qs[i*a:(i+1)*a], mask, 1)
		for j := 0; j < a; j++ {
			qm[i*a+j] = qs[i*a+j] + alpha*lam*(qs[i*a+j]-v)
		}
	}
	softrl.TD{Alpha: alpha}.Targets(y, tr, sdqnRows(env, qm, tr.Next, tr.N), sdqnRows(env, qm, tr.States, tr.N), nil)
	cur = sdqnRows(env, qm, tr.States, tr.N)
	for k := 0; k < tr.N; k++ {
		if r := cur[k*a+tr.Actions[k]] - y[k]; math.Abs(r) > 1e-12 {
			t.Errorf("edge %d: Munchausen TD error %v at Q_M", k, r)
		}
	}
	pol.Lambda = lam
	copy(table.W.Value.RawMatrix().Data, qm)
	if p, err := gfn.ExactDistribution(env, pol); err != nil {
		t.Error(err)
	} else if d := gfn.Compare(p, sdqnTarget(env)).L1; d > 1e-12 {
		t.Errorf("Σ|P − R/Z| = %v for the policy softmax(Q_M/λ)", d)
	}
}

// sdqnDense hides OneHotEncoder, so that QNet takes its dense-input path.
type sdqnDense struct{ gfn.Env }

func TestTDLossGradient(t *testing.T) {
	env := hypergrid.New(2, 3, hypergrid.Standard)
	tr := sdqnEdges(env)
	rng := rand.New(rand.NewPCG(4, 4))
	y, w := make([]float64, tr.N), make([]float64, tr.N)
	for k := range y {
		y[k] = 2 * rng.NormFloat64() // residuals on both sides of the Huber kink
		w[k] = rng.Float64()
	}
	q := softrl.NewQNet(env, []int{6, 5}, rng)
	dense := &softrl.QNet{Env: sdqnDense{env}, Net: q.Net}
	for _, sq := range []bool{false, true} {
		for _, ws := range [][]float64{nil, w} {
			autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
				l, _ := softrl.TDLoss(tp, q, tr, y, ws, sq)
				return l
			}, q.Params()...)
			autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
				l, _ := softrl.TDLoss(tp, dense, tr, y, ws, sq)
				return l
			}, q.Params()...)
		}
	}
	// The k-hot gather and the dense product give the same values.
	var t1, t2 autograd.Tape
	a, b := q.Q(&t1, tr.States, tr.N).Value.RawMatrix().Data, dense.Q(&t2, tr.States, tr.N).Value.RawMatrix().Data
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			t.Fatalf("Q[%d]: embedded %v, dense %v", i, a[i], b[i])
		}
	}
	table := softrl.NewQTable(env)
	for i, v := range table.W.Value.RawMatrix().Data {
		table.W.Value.RawMatrix().Data[i] = v + rng.NormFloat64()
	}
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		l, _ := softrl.TDLoss(tp, table, tr, y, w, false)
		return l
	}, table.W)
}

// TestUniqueQ checks that evaluating once per distinct state gives the values
// and gradients of the plain evaluation.
func TestUniqueQ(t *testing.T) {
	env := hypergrid.New(2, 3, hypergrid.Standard)
	edges := sdqnEdges(env)
	rng := rand.New(rand.NewPCG(5, 5))
	// A batch with repeats: 40 edges drawn with replacement.
	var tr gfn.Transitions
	tr.Resize(40, 2, 3)
	for k := 0; k < tr.N; k++ {
		j := rng.IntN(edges.N)
		copy(tr.States[2*k:2*k+2], edges.States[2*j:2*j+2])
		tr.Actions[k] = edges.Actions[j]
	}
	q := softrl.NewQNet(env, []int{5}, rng)
	u := &softrl.UniqueQ{QFunction: q, StateDim: 2}
	var t1, t2 autograd.Tape
	a, b := q.Q(&t1, tr.States, tr.N).Value.RawMatrix().Data, u.Q(&t2, tr.States, tr.N).Value.RawMatrix().Data
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("Q[%d]: %v once per state, %v plainly", i, b[i], a[i])
		}
	}
	y := make([]float64, tr.N)
	for k := range y {
		y[k] = 2 * rng.NormFloat64()
	}
	autogradtest.Check(t, func(tp *autograd.Tape) *autograd.Node {
		l, _ := softrl.TDLoss(tp, u, &tr, y, nil, false)
		return l
	}, q.Params()...)
	// The same gradient as the plain evaluation, exactly up to rounding.
	grads := func(f softrl.QFunction) []float64 {
		var tp autograd.Tape
		autograd.ZeroGrad(q.Params()...)
		l, _ := softrl.TDLoss(&tp, f, &tr, y, nil, false)
		tp.Backward(l)
		var g []float64
		for _, p := range q.Params() {
			g = append(g, p.Grad.RawMatrix().Data...)
		}
		return g
	}
	g1, g2 := grads(q), grads(u)
	for i := range g1 {
		if math.Abs(g1[i]-g2[i]) > 1e-12*(1+math.Abs(g1[i])) {
			t.Fatalf("gradient %d: %v once per state, %v plainly", i, g2[i], g1[i])
		}
	}
	allocs := testing.AllocsPerRun(20, func() {
		t2.Reset()
		u.Q(&t2, tr.States, tr.N)
	})
	if allocs != 0 {
		t.Errorf("UniqueQ.Q: %v allocs, want 0", allocs)
	}
}
