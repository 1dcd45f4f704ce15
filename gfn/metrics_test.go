package gfn_test

import (
	"math"
	"testing"

	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/testenv"
)

func TestTargetDistribution(t *testing.T) {
	env := hypergrid.New(2, 20, hypergrid.Standard)
	p, logZ := gfn.TargetDistribution(env)
	if math.Abs(logZ-env.LogZ()) > 1e-12 || math.Abs(logZ-4.4116) > 5e-5 {
		t.Errorf("log Z = %v, want %v", logZ, env.LogZ())
	}
	var sum float64
	for _, v := range p {
		sum += v
	}
	if math.Abs(sum-1) > 1e-12 {
		t.Errorf("sums to %v", sum)
	}
	// testenv.Fill{N: 2}: terminal objects are the 4 full sequences; R = e^{#ones/2}.
	q, lz := gfn.TargetDistribution(testenv.Fill{N: 2})
	z := 1 + 2*math.Exp(0.5) + math.E
	if math.Abs(lz-math.Log(z)) > 1e-12 {
		t.Errorf("fill log Z = %v, want %v", lz, math.Log(z))
	}
	full := 0
	for i, v := range q {
		if v > 0 {
			full++
		}
		s := make(gfn.State, 2)
		testenv.Fill{N: 2}.StateAt(s, i)
		if (s[0] == 0 || s[1] == 0) && v != 0 {
			t.Errorf("non-terminal %v has probability %v", s, v)
		}
	}
	if full != 4 {
		t.Errorf("%d terminal states, want 4", full)
	}
}

func TestCompare(t *testing.T) {
	p := []float64{0.5, 0.5, 0, 0}
	q := []float64{0.25, 0.25, 0.25, 0.25}
	d := gfn.Compare(p, q)
	if d.L1 != 1 || d.L1Mean != 0.25 || !math.IsInf(d.KL, 1) {
		t.Errorf("Compare = %+v", d)
	}
	// JSD(p, q) = ½KL(p‖m) + ½KL(q‖m) with m = (3/8, 3/8, 1/8, 1/8).
	jsd := 0.5*(math.Log(0.5/0.375)) + 0.5*(0.5*math.Log(0.25/0.375)+0.5*math.Log(0.25/0.125))
	if math.Abs(d.JSD-jsd) > 1e-15 {
		t.Errorf("JSD = %v, want %v", d.JSD, jsd)
	}
	if d := gfn.Compare(q, p); math.Abs(d.KL-math.Log(0.5/0.25)) > 1e-15 {
		t.Errorf("KL(p‖q) = %v, want log 2", d.KL)
	}
	if d := gfn.Compare(q, q); d != (gfn.Distances{}) {
		t.Errorf("Compare(q, q) = %+v", d)
	}
}

func TestEmpiricalWindow(t *testing.T) {
	e := gfn.NewEmpirical(4, 3)
	for _, i := range []int{0, 0, 1, 2, 2, 2} { // the window keeps 2, 2, 2
		e.Add(i)
	}
	p := e.Distribution(nil)
	if e.Len() != 3 || e.Total() != 6 || p[2] != 1 || p[0] != 0 || p[1] != 0 {
		t.Fatalf("window %v, len %d, total %d", p, e.Len(), e.Total())
	}
	target := []float64{0.4, 0.1, 0.1, 0.4}
	d := e.Distances(target)
	// KL with the papers' +1e-9.
	kl := 0.4*math.Log(0.4/1e-9) + 0.1*math.Log(0.1/1e-9) + 0.1*math.Log(0.1/(1+1e-9)) + 0.4*math.Log(0.4/1e-9)
	if math.Abs(d.L1Mean-(0.4+0.1+0.9+0.4)/4) > 1e-15 || math.Abs(d.KL-kl) > 1e-9 {
		t.Errorf("Distances = %+v, want L1Mean 0.45, KL %v", d, kl)
	}
	// Modes: states 0 and 3; 0 was seen (before it left the window), 3 never.
	if f, n := e.ModesFound(target); f != 1 || n != 2 {
		t.Errorf("ModesFound = %d of %d, want 1 of 2", f, n)
	}
}
