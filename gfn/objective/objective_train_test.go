package objective_test

import (
	"math"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/internal/testenv"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// Training tests: a tabular policy (masked softmax of a logit table, and a
// log-flow table) trained by Adam on every complete trajectory of a tiny
// environment must end with a terminal distribution close to R/Z.

// tinyPolicy is a tabular forward policy with a flow head; it implements
// gfn.Evaluator.
type tinyPolicy struct {
	env    testenv.Tiny
	logits *autograd.Node // [S×A]
	logF   *autograd.Node // [S×1]
	valid  []bool         // [S×A] forward masks of every state
	idx    []int
	mask   []bool
	src    []int
	s      gfn.Scores
}

var _ gfn.Evaluator = (*tinyPolicy)(nil)

func newTinyPolicy(env testenv.Tiny) *tinyPolicy {
	spec := env.Spec()
	n, a := env.NumStates(), spec.NumActions
	p := &tinyPolicy{
		env:    env,
		logits: autograd.NewParam(mat.NewDense(n, a, nil)),
		logF:   autograd.NewParam(mat.NewDense(n, 1, nil)),
		valid:  make([]bool, n*a),
	}
	s := make(gfn.State, spec.StateDim)
	for i := 0; i < n; i++ {
		env.StateAt(s, i)
		env.Mask(p.valid[i*a:(i+1)*a], s)
	}
	return p
}

func (p *tinyPolicy) Evaluate(t *autograd.Tape, states []int, n int) (logPF, logF *autograd.Node) {
	dim, a := p.env.Spec().StateDim, p.env.Spec().NumActions
	p.idx, p.mask = p.idx[:0], p.mask[:0]
	for i := 0; i < n; i++ {
		j := p.env.Index(states[i*dim : (i+1)*dim])
		p.idx = append(p.idx, j)
		p.mask = append(p.mask, p.valid[j*a:(j+1)*a]...)
	}
	return t.LogSoftmax(t.Rows(p.logits, p.idx), p.mask), t.Rows(p.logF, p.idx)
}

// scores evaluates the policy on b's transitions, with the uniform P_B.
func (p *tinyPolicy) scores(t *autograd.Tape, b *gfn.Batch) *gfn.Scores {
	spec := p.env.Spec()
	m := b.M()
	p.src = p.src[:0]
	for k := 0; k < m; k++ {
		p.src = append(p.src, b.Source(k)...)
	}
	lp, lf := p.Evaluate(t, p.src, m)
	pb := t.Input(m, 1)
	d := pb.Value.RawMatrix().Data
	for k := range d {
		if !b.Exit[k] {
			d[k] = -math.Log(float64(testenv.Parents(p.env, b.Target(k))))
		}
	}
	p.s = gfn.Scores{LogPF: t.Pick(lp, b.Actions), LogPB: pb, LogF: lf, Model: p, Env: p.env}
	if spec.Exit {
		p.s.LogPFExit = t.SliceCols(lp, spec.NumActions-1, spec.NumActions)
	}
	return &p.s
}

// terminalL1 returns Σ_x |P_T(x) − R(x)/Z| for the policy's current P_F,
// computed exactly by propagating probability through the DAG.
func (p *tinyPolicy) terminalL1(fl *testenv.Flows) float64 {
	env, spec := p.env, p.env.Spec()
	n, a := env.NumStates(), spec.NumActions
	reach := make([]float64, n)
	reach[0] = 1
	s, c := make(gfn.State, spec.StateDim), make(gfn.State, spec.StateDim)
	var l1 float64
	for i := 0; i < n; i++ {
		env.StateAt(s, i)
		row := p.logits.Value.RawMatrix().Data[i*a : (i+1)*a]
		valid := p.valid[i*a : (i+1)*a]
		var z float64
		for j, v := range row {
			if valid[j] {
				z += math.Exp(v)
			}
		}
		pt := 0.0 // probability of ending at s
		for j, v := range row {
			if !valid[j] {
				continue
			}
			pj := reach[i] * math.Exp(v) / z
			if spec.Exit && j == a-1 {
				pt += pj
				continue
			}
			env.Step(c, s, j)
			reach[env.Index(c)] += pj
		}
		if z == 0 { // a terminal object of an environment without exit
			pt = reach[i]
		}
		if spec.Exit || z == 0 {
			l1 += math.Abs(pt - math.Exp(env.LogReward(s)-fl.LogZ))
		}
	}
	return l1
}

// allTrajs lists every complete trajectory of env as action sequences.
func allTrajs(env testenv.Tiny) [][]int {
	spec := env.Spec()
	var out [][]int
	var walk func(s gfn.State, acts []int)
	walk = func(s gfn.State, acts []int) {
		mask := make([]bool, spec.NumActions)
		env.Mask(mask, s)
		any := false
		for a, ok := range mask {
			if !ok {
				continue
			}
			any = true
			if spec.Exit && a == spec.NumActions-1 {
				out = append(out, append(append([]int(nil), acts...), a))
				continue
			}
			c := make(gfn.State, spec.StateDim)
			env.Step(c, s, a)
			walk(c, append(append([]int(nil), acts...), a))
		}
		if !any {
			out = append(out, acts)
		}
	}
	s0 := make(gfn.State, spec.StateDim)
	env.Start(s0)
	walk(s0, nil)
	return out
}

func TestObjectivesTrain(t *testing.T) {
	for _, c := range objCases {
		for _, name := range []string{"grid", "subsets"} {
			env := tinyEnvs[name]
			if c.exitEnv && !env.Spec().Exit {
				continue
			}
			t.Run(c.name+"/"+name, func(t *testing.T) {
				fl := testenv.NewFlows(env)
				b := testenv.Batch(env, allTrajs(env))
				p := newTinyPolicy(env)
				obj := c.make(env, fl)
				if tb, ok := obj.(*objective.TB); ok {
					tb.LogZ.Value.Set(0, 0, 0) // learn it
				}
				opt := &optim.Adam{Params: append([]*autograd.Node{p.logits, p.logF}, obj.Params()...), LR: 0.05}
				before := p.terminalL1(fl)
				var tp autograd.Tape
				var l float64
				for step := 0; step < 1500; step++ {
					tp.Reset()
					loss := obj.Loss(&tp, b, p.scores(&tp, b))
					l = loss.Scalar()
					tp.Backward(loss)
					opt.Step()
				}
				after := p.terminalL1(fl)
				t.Logf("terminal L1 %.3g -> %.3g, final loss %.3g", before, after, l)
				if !(after < 1e-3) || !(after < before/20) {
					t.Errorf("terminal L1 %.3g before training, %.3g after (loss %.3g); want < 1e-3", before, after, l)
				}
				if tb, ok := obj.(*objective.TB); ok {
					if d := math.Abs(tb.LogZ.Scalar() - fl.LogZ); d > 1e-2 {
						t.Errorf("learned log Z %.4f, true %.4f", tb.LogZ.Scalar(), fl.LogZ)
					}
				}
			})
		}
	}
}
