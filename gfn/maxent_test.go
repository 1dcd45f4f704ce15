package gfn_test

import (
	"math"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/testenv"
)

// TestMaxEntHypergrid checks MaxEnt against the hypergrid's closed form:
// n(x) = (Σ xᵢ)!/Π xᵢ!, so P_B(x − e_b | x) = x_b/Σ xᵢ.
func TestMaxEntHypergrid(t *testing.T) {
	for _, c := range []struct{ d, h int }{{2, 5}, {3, 6}, {4, 20}} {
		env := hypergrid.New(c.d, c.h, hypergrid.Standard)
		m, err := gfn.NewMaxEnt(env)
		if err != nil {
			t.Fatal(err)
		}
		s := make(gfn.State, c.d)
		got, want := make([]float64, c.d), make([]float64, c.d)
		for i := 0; i < env.NumStates(); i++ {
			env.StateAt(s, i)
			lg, _ := math.Lgamma(float64(sum(s) + 1))
			for _, v := range s {
				l, _ := math.Lgamma(float64(v + 1))
				lg -= l
			}
			if d := math.Abs(m.LogPaths(s) - lg); d > 1e-9*math.Max(1, lg) {
				t.Fatalf("D=%d H=%d: log n(%v) = %v, want %v", c.d, c.h, s, m.LogPaths(s), lg)
			}
			if sum(s) == 0 {
				continue
			}
			m.LogProbsAt(got, nil, s)
			env.MaxEntLogPB(want, s)
			for b := range got {
				if got[b] != want[b] && math.Abs(got[b]-want[b]) > 1e-12 {
					t.Fatalf("log P_B(·|%v) = %v, want %v", s, got, want)
				}
			}
		}
	}
}

func sum(s gfn.State) int {
	n := 0
	for _, v := range s {
		n += v
	}
	return n
}

// TestMaxEntTree: in a tree every state has one path, and P_B = 1.
func TestMaxEntTree(t *testing.T) {
	env := testenv.Bits{}
	m, err := gfn.NewMaxEnt(env)
	if err != nil {
		t.Fatal(err)
	}
	s := make(gfn.State, 4)
	row := make([]float64, 1)
	for i := 1; i < env.NumStates(); i++ {
		env.StateAt(s, i)
		if m.LogPaths(s) != 0 {
			t.Fatalf("log n(%v) = %v in a tree", s, m.LogPaths(s))
		}
		m.LogProbsAt(row, nil, s)
		if row[0] != 0 {
			t.Fatalf("log P_B(·|%v) = %v in a tree", s, row[0])
		}
	}
}

// TestMaxEntFill: in the bit-writing DAG, n(s) = (#filled)! and MaxEnt is
// uniform over the filled slots.
func TestMaxEntFill(t *testing.T) {
	env := testenv.Fill{N: 4}
	m, err := gfn.NewMaxEnt(env)
	if err != nil {
		t.Fatal(err)
	}
	s := make(gfn.State, 4)
	row := make([]float64, 4)
	for i := 1; i < env.NumStates(); i++ {
		env.StateAt(s, i)
		k := 0
		for _, v := range s {
			if v != 0 {
				k++
			}
		}
		lf, _ := math.Lgamma(float64(k + 1))
		if math.Abs(m.LogPaths(s)-lf) > 1e-12 {
			t.Fatalf("log n(%v) = %v, want log %d!", s, m.LogPaths(s), k)
		}
		m.LogProbsAt(row, nil, s)
		for b, v := range s {
			want := math.Inf(-1)
			if v != 0 {
				want = -math.Log(float64(k))
			}
			if math.Abs(row[b]-want) > 1e-12 && row[b] != want {
				t.Fatalf("log P_B(·|%v) = %v", s, row)
			}
		}
	}
}
