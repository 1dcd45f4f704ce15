package tlm_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/tlm"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/testenv"
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

// logProbs evaluates a backward policy on every state of env except s₀.
func logProbs(env gfn.Enumerable, pb gfn.Backward) [][]float64 {
	spec := env.Spec()
	var t autograd.Tape
	n := env.NumStates() - 1
	states := make([]int, n*spec.StateDim)
	for i := 1; i <= n; i++ {
		env.StateAt(states[(i-1)*spec.StateDim:i*spec.StateDim], i)
	}
	v := pb.LogProbs(&t, states, n).Value.RawMatrix().Data
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = append([]float64(nil), v[i*spec.NumBackward:(i+1)*spec.NumBackward]...)
	}
	return rows
}

// TestStartsUniform: before the first step, P_B and P̄_B are exactly the
// uniform backward policy, with a head on the trunk and with a network of
// their own.
func TestStartsUniform(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	want := logProbs(env, &gfn.Uniform{Env: env})
	for name, alg := range map[string]*tlm.Algorithm{
		"shared head": {Forward: &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{16}}}},
		"own network": {Forward: &softrl.DQN{Hidden: []int{16}}, Hidden: []int{16}},
	} {
		newTrainer(t, env, alg, 1)
		for _, pb := range []gfn.Backward{alg.Backward(), alg.Target()} {
			got := logProbs(env, pb)
			for i := range want {
				for b := range want[i] {
					if got[i][b] != want[i][b] && !(math.IsInf(want[i][b], -1) && got[i][b] < -1e300) {
						t.Fatalf("%s: state %d: log P_B %v, uniform %v", name, i+1, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestResume checks bit-identical resumption with every piece of TLM state:
// TB with a shared head, and M-DQN with a network of its own and past
// batches.
func TestResume(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	makers := map[string]func() *tlm.Algorithm{
		"tb": func() *tlm.Algorithm {
			return &tlm.Algorithm{Forward: &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{16}}, Trajectories: 8}}
		},
		"mdqn": func() *tlm.Algorithm {
			return &tlm.Algorithm{Forward: &softrl.DQN{Hidden: []int{16}, Alpha: softrl.MunchausenAlpha, LearningStarts: 2, BatchSize: 32, Capacity: 300},
				Hidden: []int{16}, Past: 3, Norm: tlm.PerTrajectory}
		},
	}
	for name, make := range makers {
		t.Run(name, func(t *testing.T) {
			params := func(tr *train.Trainer) []*autograd.Node {
				a := tr.Algorithm().(*tlm.Algorithm)
				ps := traintestParams(a)
				return ps
			}
			traintest.Resume(t, func(seed uint64) *train.Trainer { return newTrainer(t, env, make(), seed) }, params, 6, 5)
			tr := newTrainer(t, env, make(), 1)
			traintest.Run(t, tr, 4)
			other := make()
			other.Tau = 0.5
			traintest.BadCheckpoints(t, tr, newTrainer(t, env, make(), 1), newTrainer(t, env, other, 1), params)
		})
	}
}

// traintestParams returns every parameter of a TLM run: the forward model's
// (through its Evaluator when it is a policy or a DQN) and the backward ones.
func traintestParams(a *tlm.Algorithm) []*autograd.Node {
	var ps []*autograd.Node
	switch f := a.Forward.(type) {
	case *onpolicy.Algorithm:
		ps = append(ps, f.Params()...)
	case *softrl.DQN:
		ps = append(append(ps, f.Q.Params()...), f.Target.Params()...)
	}
	for _, pb := range []gfn.Backward{a.Backward(), a.Target()} {
		if p, ok := pb.(interface{ Params() []*autograd.Node }); ok {
			ps = append(ps, p.Params()...)
		}
	}
	return ps
}

// TestTrains trains TB and Soft DQN with TLM on a small hypergrid to R/Z.
func TestTrains(t *testing.T) {
	env := hypergrid.New(2, 6, hypergrid.Standard)
	for name, alg := range map[string]*tlm.Algorithm{
		"tb":      {Forward: &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: policy.Config{Hidden: []int{64, 64}}, Epsilon: 0.05}},
		"softdqn": {Forward: &softrl.DQN{Hidden: []int{64, 64}, BatchSize: 128}, Hidden: []int{64, 64}},
	} {
		tr := newTrainer(t, env, alg, 2)
		traintest.Run(t, tr, 1000)
		m, err := tr.Evaluate()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: exact L1 %.4f", name, m.Exact.L1)
		if m.Exact.L1 > 0.1 {
			t.Errorf("%s: exact L1 %.4f after 1000 iterations", name, m.Exact.L1)
		}
	}
}

var _ = rand.New
var _ = testenv.Fill{}
