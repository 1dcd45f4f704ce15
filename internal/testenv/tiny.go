package testenv

import (
	"math"
	"slices"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"gonum.org/v1/gonum/mat"
)

// Two tiny environments whose flows the objective tests compute in closed
// form: a 2×3 grid where every state can exit, and "choose 2 of 3 items", a
// DAG without exit action whose terminal objects are the full sets.

// Tiny is a reversible, enumerable test environment.
type Tiny interface {
	gfn.Reversible
	NumStates() int
	StateAt(dst gfn.State, i int)
	Index(s gfn.State) int
}

var (
	_ Tiny = Grid{}
	_ Tiny = Subsets{}
)

// Grid is the 2×3 grid {0,1}×{0,1,2}: actions 0 (x+1), 1 (y+1) and 2
// (exit); backward actions 0 (x−1) and 1 (y−1). R(x, y) = 0.5 + x + 0.7·y².
type Grid struct{}

func (Grid) Spec() gfn.Spec {
	return gfn.Spec{StateDim: 2, NumActions: 3, NumBackward: 2, InputDim: 6, MaxLen: 4, Exit: true}
}
func (Grid) Start(dst gfn.State) { dst[0], dst[1] = 0, 0 }
func (Grid) Mask(dst []bool, s gfn.State) {
	dst[0], dst[1], dst[2] = s[0] < 1, s[1] < 2, true
}
func (Grid) Step(dst, s gfn.State, a int) {
	copy(dst, s)
	dst[a]++
}
func (Grid) LogReward(x gfn.State) float64 {
	return math.Log(0.5 + float64(x[0]) + 0.7*float64(x[1]*x[1]))
}
func (g Grid) Encode(dst []float64, s gfn.State) {
	clear(dst)
	dst[s[0]*3+s[1]] = 1
}
func (Grid) BackwardMask(dst []bool, s gfn.State) { dst[0], dst[1] = s[0] > 0, s[1] > 0 }
func (Grid) BackwardStep(dst, s gfn.State, b int) {
	copy(dst, s)
	dst[b]--
}
func (Grid) BackwardAction(s gfn.State, a int) int { return a }

var gridOrder = [][2]int{{0, 0}, {0, 1}, {1, 0}, {0, 2}, {1, 1}, {1, 2}} // topological

func (Grid) NumStates() int { return 6 }
func (Grid) StateAt(dst gfn.State, i int) {
	dst[0], dst[1] = gridOrder[i][0], gridOrder[i][1]
}
func (Grid) Index(s gfn.State) int {
	return slices.Index(gridOrder, [2]int{s[0], s[1]})
}

// Subsets builds a set of 2 of the items {0, 1, 2} one item at a time:
// action and backward action j add and remove item j. There is no exit action:
// the 2-item sets are the terminal objects. R({i, j}) = 1 + i + 2j for i < j.
type Subsets struct{}

func (Subsets) Spec() gfn.Spec {
	return gfn.Spec{StateDim: 3, NumActions: 3, NumBackward: 3, InputDim: 3, MaxLen: 2}
}
func (Subsets) Start(dst gfn.State) { clear(dst) }
func (Subsets) Mask(dst []bool, s gfn.State) {
	full := s[0]+s[1]+s[2] >= 2
	for j := range dst {
		dst[j] = !full && s[j] == 0
	}
}
func (Subsets) Step(dst, s gfn.State, a int) {
	copy(dst, s)
	dst[a] = 1
}
func (Subsets) LogReward(x gfn.State) float64 {
	var items []int
	for j, v := range x {
		if v == 1 {
			items = append(items, j)
		}
	}
	return math.Log(1 + float64(items[0]) + 2*float64(items[1]))
}
func (Subsets) Encode(dst []float64, s gfn.State) {
	for j, v := range s {
		dst[j] = float64(v)
	}
}
func (Subsets) BackwardMask(dst []bool, s gfn.State) {
	for j := range dst {
		dst[j] = s[j] == 1
	}
}
func (Subsets) BackwardStep(dst, s gfn.State, b int) {
	copy(dst, s)
	dst[b] = 0
}
func (Subsets) BackwardAction(s gfn.State, a int) int { return a }

var subsetsOrder = [][3]int{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 1, 0}, {1, 0, 1}, {0, 1, 1}}

func (Subsets) NumStates() int { return 7 }
func (Subsets) StateAt(dst gfn.State, i int) {
	copy(dst, subsetsOrder[i][:])
}
func (Subsets) Index(s gfn.State) int {
	return slices.Index(subsetsOrder, [3]int{s[0], s[1], s[2]})
}

// Batch records the trajectories that the action sequences trajs take from
// s₀ (the exit action included), as a sampler would. It panics on an invalid
// action.
func Batch(env Tiny, trajs [][]int) *gfn.Batch {
	spec := env.Spec()
	dim := spec.StateDim
	b := &gfn.Batch{StateDim: dim, N: len(trajs), Offset: []int{0}}
	s, next := make(gfn.State, dim), make(gfn.State, dim)
	mask := make([]bool, spec.NumActions)
	for i, acts := range trajs {
		env.Start(s)
		b.States = append(b.States, s...)
		for _, a := range acts {
			env.Mask(mask, s)
			if !mask[a] {
				panic("Batch: invalid action")
			}
			exit := spec.Exit && a == spec.NumActions-1
			back := -1
			if exit {
				copy(next, s)
			} else {
				env.Step(next, s, a)
				back = env.BackwardAction(s, a)
			}
			b.Actions = append(b.Actions, a)
			b.Back = append(b.Back, back)
			b.Exit = append(b.Exit, exit)
			b.Traj = append(b.Traj, i)
			b.States = append(b.States, next...)
			s, next = next, s
		}
		b.Len = append(b.Len, len(acts))
		b.Offset = append(b.Offset, b.Offset[i]+len(acts))
		b.LogReward = append(b.LogReward, env.LogReward(s))
	}
	if spec.Exit {
		for j := 0; j < b.M()+b.N; j++ {
			b.StateLogReward = append(b.StateLogReward, env.LogReward(b.States[j*dim:(j+1)*dim]))
		}
	}
	return b
}

// Flows are the exact flows of a tiny environment for the uniform backward
// policy, by backward recursion from the rewards: F(s) = R(s)·[s can exit or
// is terminal] + Σ_{s→c} F(c)·P_B(s|c), P_F(c|s) = F(c)·P_B(s|c)/F(s) and
// P_F(exit|s) = R(s)/F(s).
type Flows struct {
	Env   Tiny
	LogF  []float64   // [S] log F(s)
	LogPF [][]float64 // [S][A] log P_F, −Inf at invalid actions
	LogZ  float64     // log Σ_x R(x), computed directly
}

// Parents returns the number of parents of s.
func Parents(env gfn.Reversible, s gfn.State) int {
	m := make([]bool, env.Spec().NumBackward)
	env.BackwardMask(m, s)
	n := 0
	for _, ok := range m {
		if ok {
			n++
		}
	}
	return n
}

func NewFlows(env Tiny) *Flows {
	spec := env.Spec()
	n := env.NumStates()
	fl := &Flows{Env: env, LogF: make([]float64, n), LogPF: make([][]float64, n)}
	s, c := make(gfn.State, spec.StateDim), make(gfn.State, spec.StateDim)
	mask := make([]bool, spec.NumActions)
	var z float64
	for i := n - 1; i >= 0; i-- {
		env.StateAt(s, i)
		env.Mask(mask, s)
		nfwd := spec.NumActions
		if spec.Exit {
			nfwd--
		}
		var f float64
		terminal := !slices.Contains(mask[:nfwd], true)
		if spec.Exit || terminal {
			f = math.Exp(env.LogReward(s))
			z += f
		}
		fl.LogPF[i] = make([]float64, spec.NumActions)
		for a := 0; a < nfwd; a++ {
			if mask[a] {
				env.Step(c, s, a)
				f += math.Exp(fl.LogF[env.Index(c)]) / float64(Parents(env, c))
			}
		}
		fl.LogF[i] = math.Log(f)
		for a := range fl.LogPF[i] {
			switch {
			case !mask[a]:
				fl.LogPF[i][a] = math.Inf(-1)
			case spec.Exit && a == nfwd:
				fl.LogPF[i][a] = env.LogReward(s) - fl.LogF[i]
			default:
				env.Step(c, s, a)
				fl.LogPF[i][a] = fl.LogF[env.Index(c)] - math.Log(float64(Parents(env, c))) - fl.LogF[i]
			}
		}
	}
	fl.LogZ = math.Log(z)
	return fl
}

// Scores holds per-transition score parameters ([M×1] each) of a batch.
type Scores struct {
	PF, PB, F, PFE *autograd.Node
}

// Params returns the scores that are set.
func (sc *Scores) Params() []*autograd.Node {
	var ps []*autograd.Node
	for _, p := range []*autograd.Node{sc.PF, sc.PB, sc.F, sc.PFE} {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// Scores returns the scores as gfn.Scores.
func (sc *Scores) Scores() *gfn.Scores {
	return &gfn.Scores{LogPF: sc.PF, LogPB: sc.PB, LogF: sc.F, LogPFExit: sc.PFE}
}

// TrueScores returns the exact scores of b's transitions.
func (fl *Flows) TrueScores(b *gfn.Batch) *Scores {
	spec := fl.Env.Spec()
	m := b.M()
	pf, pb, f, pfe := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
	for k := 0; k < m; k++ {
		i := fl.Env.Index(b.Source(k))
		pf[k] = fl.LogPF[i][b.Actions[k]]
		f[k] = fl.LogF[i]
		if !b.Exit[k] {
			pb[k] = -math.Log(float64(Parents(fl.Env, b.Target(k))))
		}
		if spec.Exit {
			pfe[k] = fl.LogPF[i][spec.NumActions-1]
		}
	}
	sc := &Scores{PF: Col(pf), PB: Col(pb), F: Col(f)}
	if spec.Exit {
		sc.PFE = Col(pfe)
	}
	return sc
}

// Col returns a copy of v as an [n×1] parameter.
func Col(v []float64) *autograd.Node {
	return autograd.NewParam(mat.NewDense(len(v), 1, slices.Clone(v)))
}

// Model is a tabular model of a tiny environment: a log-flow and a row of
// forward log-probabilities per state index. It implements gfn.Evaluator
// without allocating.
type Model struct {
	Env   Tiny
	LogF  *autograd.Node // [S×1]
	LogPF *autograd.Node // [S×A]; invalid actions hold a finite −100
	idx   []int
	s     gfn.Scores
}

var _ gfn.Evaluator = (*Model)(nil)

func NewModel(fl *Flows) *Model {
	n, a := len(fl.LogF), fl.Env.Spec().NumActions
	pf := mat.NewDense(n, a, nil)
	for i, row := range fl.LogPF {
		for j, v := range row {
			pf.Set(i, j, max(v, -100))
		}
	}
	return &Model{Env: fl.Env, LogF: Col(fl.LogF), LogPF: autograd.NewParam(pf)}
}

func (md *Model) Evaluate(t *autograd.Tape, states []int, n int) (logPF, logF *autograd.Node) {
	dim := md.Env.Spec().StateDim
	md.idx = md.idx[:0]
	for i := 0; i < n; i++ {
		md.idx = append(md.idx, md.Env.Index(states[i*dim:(i+1)*dim]))
	}
	return t.Rows(md.LogPF, md.idx), t.Rows(md.LogF, md.idx)
}

// Scores evaluates the model on the sources of b's transitions, with the given
// backward log-probabilities.
func (md *Model) Scores(t *autograd.Tape, b *gfn.Batch, logPB *autograd.Node) *gfn.Scores {
	m, dim := b.M(), b.StateDim
	md.idx = md.idx[:0]
	for k := 0; k < m; k++ {
		md.idx = append(md.idx, md.Env.Index(b.States[(k+b.Traj[k])*dim:(k+b.Traj[k]+1)*dim]))
	}
	md.s = gfn.Scores{
		LogPF: t.Pick(t.Rows(md.LogPF, md.idx), b.Actions),
		LogPB: logPB,
		LogF:  t.Rows(md.LogF, md.idx),
		Model: md,
		Env:   md.Env,
	}
	return &md.s
}
