package hypergrid

import (
	"fmt"
	"math"
	"testing"

	"github.com/gogfn/gogfn/gfn"
)

func TestLogZTable(t *testing.T) {
	// Exact log Z (the papers' hypergrid table), the number of cells at the maximal
	// reward and their probability mass.
	for _, c := range []struct {
		d, h   int
		r      Reward
		logZ   float64
		nmax   int
		massAt float64
	}{
		{4, 20, Standard, 8.6433, 256, 0.1129},
		{4, 20, Hard, 9.2858, 256, 0.0950},
		{2, 20, Standard, 4.4116, 16, 0.486},
		{2, 64, Standard, 6.6897, 144, 0.448},
		{2, 64, Hard, 7.2837, 144, 0.396},
	} {
		e := New(c.d, c.h, c.r)
		if got := e.LogZ(); math.Abs(got-c.logZ) > 5e-5 {
			t.Errorf("D=%d H=%d %v: LogZ = %.5f, want %.4f", c.d, c.h, c.r, got, c.logZ)
		}
		// Brute force over every cell.
		s := make(gfn.State, c.d)
		var z, rmax float64
		for i := 0; i < e.NumStates(); i++ {
			e.StateAt(s, i)
			r := math.Exp(e.LogReward(s))
			z += r
			rmax = math.Max(rmax, r)
		}
		if math.Abs(math.Log(z)-e.LogZ()) > 1e-9 {
			t.Errorf("D=%d H=%d: brute-force log Z %.6f, LogZ %.6f", c.d, c.h, math.Log(z), e.LogZ())
		}
		var n int
		for i := 0; i < e.NumStates(); i++ {
			e.StateAt(s, i)
			if math.Exp(e.LogReward(s)) > rmax*(1-1e-12) {
				n++
			}
		}
		if n != c.nmax || math.Abs(float64(n)*rmax/z-c.massAt) > 5e-4 {
			t.Errorf("D=%d H=%d: %d cells at max reward holding %.4f, want %d holding %.4f", c.d, c.h, n, float64(n)*rmax/z, c.nmax, c.massAt)
		}
	}
}

func TestRewardAtCells(t *testing.T) {
	e := New(2, 20, Standard)
	for _, c := range []struct {
		x    gfn.State
		want float64
	}{
		{gfn.State{0, 0}, 1e-3 + 0.5},      // corner: both aᵢ = 0.5
		{gfn.State{9, 9}, 1e-3},            // centre
		{gfn.State{2, 17}, 1e-3 + 0.5 + 2}, // aᵢ = 0.395, 0.395: in the ring
		{gfn.State{3, 16}, 1e-3 + 0.5 + 2}, // aᵢ = 0.342
		{gfn.State{4, 0}, 1e-3 + 0.5},      // a = 0.289: outer, not ring
		{gfn.State{5, 0}, 1e-3},            // a = 0.237: not outer
		{gfn.State{1, 2}, 1e-3 + 0.5},      // a = 0.447: outer only
	} {
		if got := math.Exp(e.LogReward(c.x)); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("R(%v) = %v, want %v", c.x, got, c.want)
		}
	}
	h := New(4, 20, Hard)
	if got := math.Exp(h.LogReward(gfn.State{2, 3, 16, 17})); math.Abs(got-(1e-4+1+3)) > 1e-12 {
		t.Errorf("hard R at a mode = %v", got)
	}
}

func TestSpecAndEncode(t *testing.T) {
	e := New(3, 5, Standard)
	sp := e.Spec()
	if sp.NumActions != 4 || sp.NumBackward != 3 || sp.InputDim != 15 || sp.MaxLen != 13 || !sp.Exit || sp.OneHot != 3 {
		t.Fatalf("spec %+v", sp)
	}
	idx := make([]int, 3)
	e.EncodeIndices(idx, gfn.State{4, 0, 2})
	if fmt.Sprint(idx) != "[4 5 12]" {
		t.Errorf("EncodeIndices = %v", idx)
	}
	if i := e.Index(gfn.State{4, 0, 2}); i != 4*25+2 {
		t.Errorf("Index = %d", i)
	}
}

func TestNewPanics(t *testing.T) {
	for _, c := range []struct {
		d, h int
		r    Reward
	}{{0, 5, Standard}, {2, 1, Standard}, {2, 5, Reward{}}, {200, 20, Standard}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%d, %d, %v) did not panic", c.d, c.h, c.r)
				}
			}()
			New(c.d, c.h, c.r)
		}()
	}
}

func Example() {
	e := New(4, 20, Standard)
	fmt.Printf("|X| = %d, log Z = %.4f\n", e.NumStates(), e.LogZ())
	fmt.Printf("R(2,3,16,17) = %.3f\n", math.Exp(e.LogReward(gfn.State{2, 3, 16, 17})))
	// Output:
	// |X| = 160000, log Z = 8.6433
	// R(2,3,16,17) = 2.501
}

func TestMaxEntLogPB(t *testing.T) {
	// n(x) = (Σx)!/Πxᵢ! paths reach x; P_B(parent) = n(parent)/n(x).
	e := New(3, 6, Standard)
	paths := func(x gfn.State) float64 {
		s := 0
		den := 1.0
		for _, v := range x {
			s += v
			den *= math.Gamma(float64(v + 1))
		}
		return math.Gamma(float64(s+1)) / den
	}
	x := gfn.State{2, 0, 3}
	dst := make([]float64, 3)
	e.MaxEntLogPB(dst, x)
	var total float64
	for b, l := range dst {
		if x[b] == 0 {
			if !math.IsInf(l, -1) {
				t.Errorf("invalid action %d has log P_B %v", b, l)
			}
			continue
		}
		p := gfn.State{x[0], x[1], x[2]}
		p[b]--
		if want := paths(p) / paths(x); math.Abs(math.Exp(l)-want) > 1e-12 {
			t.Errorf("P_B(%d) = %v, want %v", b, math.Exp(l), want)
		}
		total += math.Exp(l)
	}
	if math.Abs(total-1) > 1e-12 {
		t.Errorf("P_B sums to %v", total)
	}
}
