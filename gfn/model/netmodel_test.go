package model_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/bitseq"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/gfn/objective"
	"github.com/gogfn/gogfn/gfn/onpolicy"
	"github.com/gogfn/gogfn/gfn/policy"
	"github.com/gogfn/gogfn/gfn/softrl"
	"github.com/gogfn/gogfn/gfn/train"
	"github.com/gogfn/gogfn/internal/traintest"
	"github.com/gogfn/gogfn/nn"
)

// tinyNet is the transformer of these tests: width 8, 2 heads, one layer,
// with the default dropout 0.1 in training.
var tinyNet = nn.TransformerConfig{Dim: 8, Heads: 2, FF: 8, Layers: 1}

// bits is the smallest bit-sequence environment: 8 bits in 2 words of 4
// bits, 289 states, 256 objects, enumerable for exact distributions.
func bits(t testing.TB) *bitseq.Enum {
	t.Helper()
	e, err := bitseq.NewEnum(bitseq.Config{N: 8, K: 4, NumModes: 2})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// transformer returns a tiny transformer for env with weights from seed.
func transformer(t testing.TB, env *bitseq.Enum, seed uint64) *bitseq.Transformer {
	t.Helper()
	tf, err := bitseq.NewTransformer(env.Env, tinyNet, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return tf
}

// trainNetTB trains trajectory balance with a transformer policy on env.
func trainNetTB(t testing.TB, env *bitseq.Enum, pb policy.PBKind, flow bool, iters int) *train.Trainer {
	t.Helper()
	cfg := policy.Config{Network: transformer(t, env, 1), PB: pb, Flow: flow}
	tr, err := train.New(train.Config{Env: env, Seed: 5,
		Algorithm: &onpolicy.Algorithm{Objective: objective.NewTB(), Policy: cfg, Trajectories: 8, LR: 1e-2}})
	if err != nil {
		t.Fatal(err)
	}
	traintest.Run(t, tr, iters)
	return tr
}

// trainNetDQN trains M-DQN with a transformer Q-network on env.
func trainNetDQN(t testing.TB, env *bitseq.Enum, iters int) (*train.Trainer, *softrl.DQN) {
	t.Helper()
	q := transformer(t, env, 2)
	alg := &softrl.DQN{Q: softrl.NetworkQ{Net: q}, Target: softrl.NetworkQ{Net: policy.CloneNetwork(q)},
		Alpha: softrl.MunchausenAlpha, LearningStarts: -1, Trajectories: 8, BatchSize: 16, Capacity: 200, LR: 1e-2}
	tr, err := train.New(train.Config{Env: env, Algorithm: alg, Seed: 6})
	if err != nil {
		t.Fatal(err)
	}
	traintest.Run(t, tr, iters)
	return tr, alg
}

// reloadFile writes the trainer's model file and reads it back on env; it
// returns the model and the file.
func reloadFile(t testing.TB, tr *train.Trainer, env gfn.Env) (*model.Model, []byte) {
	t.Helper()
	var b bytes.Buffer
	if err := tr.WriteModel(&b); err != nil {
		t.Fatal(err)
	}
	m, err := model.Read(b.Bytes(), &model.Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	return m, b.Bytes()
}

// someStates returns every state of env with index ≡ 0 mod 7: s₀,
// partial sequences and complete ones.
func someStates(env *bitseq.Enum) (states []int, n int) {
	s := make(gfn.State, env.Spec().StateDim)
	for i := 0; i < env.NumStates(); i += 7 {
		env.StateAt(s, i)
		states = append(states, s...)
		n++
	}
	return states, n
}

// values returns the values of the nodes f records, as one slice.
func values(f func(t *autograd.Tape) []*autograd.Node) []float64 {
	var t autograd.Tape
	var out []float64
	for _, n := range f(&t) {
		out = append(out, n.Value.RawMatrix().Data...)
	}
	return out
}

// sameBits reports whether a and b hold the same float64s, bit for bit.
func sameBits(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}

// TestNetworkPolicyFile checks that a transformer policy comes back from
// its model file with the same network settings, log P_F, log F and
// learned log P_B, bit for bit, on s₀, partial and complete sequences; that
// the loaded model writes the same file again; and that it is in
// evaluation mode.
func TestNetworkPolicyFile(t *testing.T) {
	for _, c := range []struct {
		name string
		pb   policy.PBKind
		flow bool
	}{{"uniform", policy.FixedPB, false}, {"tied with flow", policy.TiedPB, true}} {
		t.Run(c.name, func(t *testing.T) {
			env := bits(t)
			tr := trainNetTB(t, env, c.pb, c.flow, 3)
			trained := tr.Algorithm().(*onpolicy.Algorithm).Trained()
			m, file := reloadFile(t, tr, env)
			if m.Policy == nil || m.Q != nil || m.Network() == nil {
				t.Fatalf("policy %v, Q %v, network %v", m.Policy, m.Q, m.Network())
			}
			want, _ := policy.DescribeNetwork(trained.Network())
			if got, _ := policy.DescribeNetwork(m.Network()); !slices.Equal(got, want) {
				t.Errorf("network settings %v, want %v", got, want)
			}
			if wantPB := map[policy.PBKind]string{policy.FixedPB: "uniform", policy.TiedPB: "tied"}[c.pb]; m.Backward != wantPB || m.Policy.PB != c.pb || m.Policy.HasFlow() != c.flow {
				t.Errorf("backward %q, PB %v, flow %v", m.Backward, m.Policy.PB, m.Policy.HasFlow())
			}
			states, n := someStates(env)
			eval := func(p *policy.Policy) func(t *autograd.Tape) []*autograd.Node {
				return func(t *autograd.Tape) []*autograd.Node {
					lp, lf := p.Evaluate(t, states, n)
					out := []*autograd.Node{lp}
					if lf != nil {
						out = append(out, lf)
					}
					if b := p.LearnedBackward(); b != nil {
						out = append(out, b.LogProbs(t, states, n))
					}
					return out
				}
			}
			got, wantV := values(eval(m.Policy)), values(eval(trained))
			if len(got) != len(wantV) || !sameBits(got, wantV) {
				t.Errorf("the loaded policy's outputs differ from the trained one's")
			}
			if want := tr.Algorithm().(*onpolicy.Algorithm).LogZ(); !sameBits([]float64{m.LogZ}, []float64{want}) {
				t.Errorf("log Z %v, want %v", m.LogZ, want)
			}
			var again bytes.Buffer
			if err := m.Write(&again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), file) {
				t.Error("writing the loaded model gives another file")
			}
		})
	}
}

// TestNetworkQFile checks that a transformer Q-network trained by M-DQN
// comes back from its model file with the same Q-values bit for bit, the
// same λ and log Z, and writes the same file again.
func TestNetworkQFile(t *testing.T) {
	env := bits(t)
	tr, alg := trainNetDQN(t, env, 3)
	m, file := reloadFile(t, tr, env)
	q, ok := m.Q.(softrl.NetworkQ)
	if !ok || m.Policy != nil || m.Lambda != alg.Lambda() || m.LogZ != alg.LogZ() {
		t.Fatalf("Q %T, policy %v, λ %v (want %v), log Z %v (want %v)", m.Q, m.Policy, m.Lambda, alg.Lambda(), m.LogZ, alg.LogZ())
	}
	states, n := someStates(env)
	qv := func(f softrl.QFunction) []float64 {
		return values(func(t *autograd.Tape) []*autograd.Node { return []*autograd.Node{f.Q(t, states, n)} })
	}
	if !sameBits(qv(q), qv(alg.Q)) {
		t.Error("the loaded Q-values differ from the trained ones")
	}
	want, err := gfn.ExactDistribution(env, alg.Model())
	if err != nil {
		t.Fatal(err)
	}
	if got := exact(t, m); !sameBits(got, want) {
		t.Errorf("exact distribution differs: L1 %g", gfn.Compare(got, want).L1)
	}
	var again bytes.Buffer
	if err := m.Write(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), file) {
		t.Error("writing the loaded model gives another file")
	}
}
