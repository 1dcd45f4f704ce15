package bitseq

import (
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/gfn"
)

// terminals returns n random terminal states of e.
func terminals(e *Env, n int) []gfn.State {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]gfn.State, n)
	for i := range xs {
		xs[i] = make(gfn.State, e.NumSlots())
		randomTerminal(e, xs[i], rng)
	}
	return xs
}

func benchLogReward(b *testing.B, c Config) {
	e := mustNew(b, c)
	xs := terminals(e, 16)
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		sink += e.LogReward(xs[i%16])
	}
	_ = sink
}

func BenchmarkLogReward120x8(b *testing.B) { benchLogReward(b, Config{}) }
func BenchmarkLogReward120x4(b *testing.B) { benchLogReward(b, Config{K: 4}) }

// BenchmarkModeTrackerAdd16 adds a batch of 16 samples that find no mode
// (threshold 0), the most work an iteration's batch can cost.
func BenchmarkModeTrackerAdd16(b *testing.B) {
	e := mustNew(b, Config{})
	xs := terminals(e, 16)
	tr := e.Tracker(0)
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range xs {
			tr.Add(x)
		}
	}
	if tr.Found() != 0 {
		b.Fatal("a random sample found a mode")
	}
}

func BenchmarkTestSet120x8(b *testing.B) {
	e := mustNew(b, Config{})
	b.ReportAllocs()
	for b.Loop() {
		e.TestSet()
	}
}

func BenchmarkSpearman7200(b *testing.B) {
	e := mustNew(b, Config{})
	ts := e.TestSet()
	rng := rand.New(rand.NewPCG(3, 3))
	y := make([]float64, ts.Len())
	for i, r := range ts.LogR {
		y[i] = r + rng.NormFloat64()*20
	}
	b.ReportAllocs()
	for b.Loop() {
		gfn.Spearman(ts.LogR, y)
	}
}

func BenchmarkStepMask120x8(b *testing.B) {
	e := mustNew(b, Config{})
	sp := e.Spec()
	s, next := make(gfn.State, sp.StateDim), make(gfn.State, sp.StateDim)
	mask := make([]bool, sp.NumActions)
	e.Start(s)
	b.ReportAllocs()
	for b.Loop() {
		e.Mask(mask, s)
		e.Step(next, s, 1000)
	}
}
