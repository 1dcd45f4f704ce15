package objective_test

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/internal/testenv"
)

// synthBatch returns n trajectories of length l (the last transition exits),
// with random log-rewards; states are not used by these objectives.
func synthBatch(n, l int, rng *rand.Rand) *gfn.Batch {
	b := &gfn.Batch{StateDim: 1, N: n, Offset: []int{0}}
	for i := 0; i < n; i++ {
		for k := 0; k < l; k++ {
			b.Actions = append(b.Actions, 0)
			b.Back = append(b.Back, 0)
			b.Exit = append(b.Exit, k == l-1)
			b.Traj = append(b.Traj, i)
		}
		b.Len = append(b.Len, l)
		b.Offset = append(b.Offset, (i+1)*l)
		b.LogReward = append(b.LogReward, rng.NormFloat64())
	}
	b.States = make([]int, n*(l+1))
	for range b.States {
		b.StateLogReward = append(b.StateLogReward, rng.NormFloat64())
	}
	return b
}

func benchObjective(bm *testing.B, o gfn.Objective, n, l int) {
	rng := rand.New(rand.NewPCG(1, 1))
	b := synthBatch(n, l, rng)
	sc := randomScores(b, 1)
	s := sc.Scores()
	var tp autograd.Tape
	bm.ReportAllocs()
	for bm.Loop() {
		tp.Reset()
		tp.Backward(o.Loss(&tp, b, s))
	}
}

func BenchmarkTB64x20(b *testing.B)         { benchObjective(b, objective.NewTB(), 64, 20) }
func BenchmarkDB64x20(b *testing.B)         { benchObjective(b, &objective.DB{}, 64, 20) }
func BenchmarkModifiedDB64x20(b *testing.B) { benchObjective(b, &objective.ModifiedDB{}, 64, 20) }
func BenchmarkSubTB64x20(b *testing.B)      { benchObjective(b, &objective.SubTB{}, 64, 20) }
func BenchmarkSubTB16x80(b *testing.B)      { benchObjective(b, &objective.SubTB{}, 16, 80) }
func BenchmarkZVar64x20(b *testing.B)       { benchObjective(b, &objective.ZVar{}, 64, 20) }

// BenchmarkFMGrid scores 64 copies of the tiny grid trajectories (256
// trajectories, 576 transitions) with the tabular model, parents included.
func BenchmarkFMGrid256(bm *testing.B) {
	var trajs [][]int
	for range 64 {
		trajs = append(trajs, tinyTrajs["grid"]...)
	}
	b := testenv.Batch(testenv.Grid{}, trajs)
	md := testenv.NewModel(testenv.NewFlows(testenv.Grid{}))
	pb := testenv.Col(make([]float64, b.M()))
	o := &objective.FM{}
	var tp autograd.Tape
	bm.ReportAllocs()
	for bm.Loop() {
		tp.Reset()
		tp.Backward(o.Loss(&tp, b, md.Scores(&tp, b, pb)))
	}
}
