package mcts_test

import (
	"bytes"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn/mcts"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/internal/traintest"
)

// TestWriteModel checks that the model file of a tree-search run holds its
// Q-network: read back, it gives the same Q-values at every state of the
// grid and the same log Z.
func TestWriteModel(t *testing.T) {
	env := hypergrid.New(2, 4, hypergrid.Standard)
	alg := &mcts.Algorithm{Mode: mcts.All, Hidden: []int{16, 16}}
	if err := alg.WriteModel(new(bytes.Buffer), nil); err == nil {
		t.Error("WriteModel before Init: no error")
	}
	tr := newTrainer(t, env, alg, 3)
	traintest.Run(t, tr, 20)
	var buf bytes.Buffer
	if err := tr.WriteModel(&buf); err != nil {
		t.Fatal(err)
	}
	m, err := model.Read(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Q == nil || m.Lambda != 1 || m.LogZ != alg.LogZ() {
		t.Fatalf("read back: Q %T, λ %v, log Z %v (want a Q-network, 1, %v)", m.Q, m.Lambda, m.LogZ, alg.LogZ())
	}
	n, d := env.NumStates(), env.Spec().StateDim
	states := make([]int, n*d)
	for i := range n {
		env.StateAt(states[i*d:(i+1)*d], i)
	}
	var t1, t2 autograd.Tape
	got, want := m.Q.Q(&t1, states, n).Value.RawMatrix().Data, alg.Q.Q(&t2, states, n).Value.RawMatrix().Data
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Q-value %d: read back %v, trained %v", i, got[i], want[i])
		}
	}
}
