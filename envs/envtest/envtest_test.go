package envtest_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/envtest"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
)

// bits builds binary strings of length n by appending bits; it has no exit
// action (a trajectory ends when the string is full) and is not reversible.
// State: [length, value].
type bits struct {
	n      int
	broken bool // when set, one state has an empty mask before the end
}

func (e bits) Spec() gfn.Spec {
	return gfn.Spec{StateDim: 2, NumActions: 2, InputDim: e.n + 1, MaxLen: e.n, Tree: true}
}
func (e bits) Start(dst gfn.State) { dst[0], dst[1] = 0, 0 }
func (e bits) Mask(dst []bool, s gfn.State) {
	ok := s[0] < e.n
	dst[0], dst[1] = ok, ok
	if e.broken && s[0] == 1 {
		dst[0], dst[1] = false, false
	}
}
func (e bits) Step(dst, s gfn.State, a int) { dst[0], dst[1] = s[0]+1, 2*s[1]+a }
func (e bits) LogReward(x gfn.State) float64 {
	if e.broken && x[0] < e.n {
		return 1 / float64(x[0]-1) // +Inf at length 1
	}
	return float64(x[1])
}
func (e bits) Encode(dst []float64, s gfn.State) {
	clear(dst)
	dst[0] = float64(s[0])
	for i := 0; i < s[0]; i++ {
		dst[1+i] = float64(s[1] >> i & 1)
	}
}

func TestTinyEnv(t *testing.T) { envtest.Check(t, bits{n: 3}) }

func TestHyperGrid(t *testing.T) {
	for _, c := range []struct{ d, h int }{{1, 2}, {2, 8}, {4, 20}, {3, 5}} {
		t.Run(fmt.Sprintf("D=%d,H=%d", c.d, c.h), func(t *testing.T) {
			envtest.Check(t, hypergrid.New(c.d, c.h, hypergrid.Standard))
		})
	}
}

// recorder is a testing.TB whose Fatalf records the message and stops the
// goroutine, so a test can check that Check fails.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func failure(env gfn.Env) string {
	r := &recorder{}
	done := make(chan struct{})
	go func() { defer close(done); envtest.Check(r, env) }()
	<-done
	return r.msg
}

func TestCheckFails(t *testing.T) {
	if msg := failure(bits{n: 3, broken: true}); !strings.Contains(msg, "LogReward") {
		t.Errorf("broken env: got %q, want a LogReward failure", msg)
	}
	if msg := failure(badBackward{hypergrid.New(2, 4, hypergrid.Standard)}); !strings.Contains(msg, "BackwardStep") {
		t.Errorf("bad backward step: got %q", msg)
	}
	if msg := failure(badIndex{hypergrid.New(2, 4, hypergrid.Standard)}); !strings.Contains(msg, "Index") {
		t.Errorf("bad index: got %q", msg)
	}
	if msg := failure(claimsTree{hypergrid.New(2, 4, hypergrid.Standard)}); !strings.Contains(msg, "Spec.Tree") {
		t.Errorf("a DAG that claims to be a tree: got %q", msg)
	}
	if msg := failure(forwardOnly{hypergrid.New(2, 4, hypergrid.Standard)}); !strings.Contains(msg, "Reversible") {
		t.Errorf("a DAG without backward steps: got %q", msg)
	}
}

// claimsTree is the hypergrid, a DAG, claiming to be a tree.
type claimsTree struct{ *hypergrid.Env }

func (e claimsTree) Spec() gfn.Spec {
	s := e.Env.Spec()
	s.Tree = true
	return s
}

// forwardOnly is the hypergrid without its backward steps (and without
// enumeration), still a DAG: it cannot be trained, since P_B is unknown.
type forwardOnly struct{ h *hypergrid.Env }

func (e forwardOnly) Spec() gfn.Spec {
	s := e.h.Spec()
	s.NumBackward = 0
	return s
}
func (e forwardOnly) Start(dst gfn.State)               { e.h.Start(dst) }
func (e forwardOnly) Mask(dst []bool, s gfn.State)      { e.h.Mask(dst, s) }
func (e forwardOnly) Step(dst, s gfn.State, a int)      { e.h.Step(dst, s, a) }
func (e forwardOnly) LogReward(x gfn.State) float64     { return e.h.LogReward(x) }
func (e forwardOnly) Encode(dst []float64, s gfn.State) { e.h.Encode(dst, s) }
func (e forwardOnly) EncodeIndices(dst []int, s gfn.State) {
	e.h.EncodeIndices(dst, s)
}

// badBackward's backward steps do not undo forward steps.
type badBackward struct{ *hypergrid.Env }

func (e badBackward) BackwardStep(dst, s gfn.State, b int) {
	e.Env.BackwardStep(dst, s, b)
	dst[b] = 0
}

// badIndex numbers states in a non-topological order.
type badIndex struct{ *hypergrid.Env }

func (e badIndex) Index(s gfn.State) int { return e.NumStates() - 1 - e.Env.Index(s) }
func (e badIndex) StateAt(dst gfn.State, i int) {
	e.Env.StateAt(dst, e.NumStates()-1-i)
}
