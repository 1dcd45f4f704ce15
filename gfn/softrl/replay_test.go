package softrl_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/softrl"
)

// sdqnCheckTree checks that every internal sum equals the sum of the leaves
// below it, through the public API: the total and Find at every boundary.
func sdqnCheckTree(t *testing.T, tr *softrl.SumTree, want []float64) {
	t.Helper()
	var total float64
	for i, w := range want {
		if got := tr.At(i); got != w {
			t.Fatalf("leaf %d = %v, want %v", i, got, w)
		}
		total += w
	}
	if math.Abs(tr.Total()-total) > 1e-12*total {
		t.Fatalf("total %v, want %v", tr.Total(), total)
	}
	// The midpoint of each positive leaf's interval must find that leaf.
	var c float64
	for i, w := range want {
		if w > 0 {
			if got := tr.Find(c + w/2); got != i {
				t.Fatalf("Find(%v) = %d, want %d", c+w/2, got, i)
			}
		}
		c += w
	}
}

func TestSumTreeInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 3, 7, 8, 13, 100} {
		tr := softrl.NewSumTree(n)
		want := make([]float64, n)
		for k := 0; k < 20*n; k++ {
			i := rng.IntN(n)
			w := rng.Float64() * 10
			if rng.IntN(4) == 0 {
				w = 0
			}
			tr.Set(i, w)
			want[i] = w
		}
		want[n-1] = 1 // at least one positive leaf
		tr.Set(n-1, 1)
		sdqnCheckTree(t, tr, want)
	}
}

func TestSumTreeNeverFindsZeroLeaf(t *testing.T) {
	tr := softrl.NewSumTree(6)
	tr.Set(1, 0.3)
	tr.Set(4, 0.7)
	for _, u := range []float64{-1, 0, 0.3, 0.2999999999, 1, 1.0000001, 5} {
		if i := tr.Find(u); i != 1 && i != 4 {
			t.Errorf("Find(%v) = %d, a leaf of weight 0", u, i)
		}
	}
	if i := tr.Find(1); i != 4 {
		t.Errorf("Find(total) = %d, want the last positive leaf 4", i)
	}
}

func sdqnTransitions(n int, rng *rand.Rand) *gfn.Transitions {
	var tr gfn.Transitions
	tr.Resize(n, 2, 3)
	for i := 0; i < n; i++ {
		tr.States[2*i], tr.States[2*i+1] = i, -i
		tr.Next[2*i], tr.Next[2*i+1] = i+1, -i
		tr.Actions[i] = rng.IntN(3)
		tr.Back[i] = 0
		tr.LogPB[i] = float64(i)
		tr.Mask[3*i] = true
		tr.NextMask[3*i+2] = true
	}
	return &tr
}

func TestReplayRingWrapAround(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := softrl.NewReplay(5, 2, 3)
	if err := r.Sample(new(gfn.Transitions), 1, 0, rng); !errors.Is(err, softrl.ErrEmptyReplay) {
		t.Fatalf("Sample of an empty buffer: %v, want ErrEmptyReplay", err)
	}
	all := sdqnTransitions(12, rng)
	// Add 3, then 4, then 5: 12 transitions into 5 slots.
	for _, part := range [][2]int{{0, 3}, {3, 7}, {7, 12}} {
		var tr gfn.Transitions
		tr.Resize(part[1]-part[0], 2, 3)
		for i := part[0]; i < part[1]; i++ {
			j := i - part[0]
			copy(tr.States[2*j:2*j+2], all.States[2*i:2*i+2])
			copy(tr.Next[2*j:2*j+2], all.Next[2*i:2*i+2])
			copy(tr.Mask[3*j:3*j+3], all.Mask[3*i:3*i+3])
			copy(tr.NextMask[3*j:3*j+3], all.NextMask[3*i:3*i+3])
			tr.Actions[j], tr.LogPB[j] = all.Actions[i], all.LogPB[i]
		}
		r.Add(&tr, nil)
	}
	if r.Len() != 5 || r.Cap() != 5 {
		t.Fatalf("Len %d Cap %d, want 5 5", r.Len(), r.Cap())
	}
	// Slot s holds the last transition i < 12 with i%5 == s: 10, 11, 7, 8, 9.
	seen := map[int]int{}
	var b gfn.Transitions
	if err := r.Sample(&b, 500, 0, rng); err != nil {
		t.Fatal(err)
	}
	for k := 0; k < b.N; k++ {
		i := b.States[2*k]
		if i < 7 {
			t.Fatalf("sampled overwritten transition %d", i)
		}
		if want := i % 5; b.Slot[k] != want {
			t.Fatalf("transition %d in slot %d, want %d", i, b.Slot[k], want)
		}
		if b.Next[2*k] != i+1 || b.LogPB[k] != float64(i) || b.Actions[k] != all.Actions[i] || !b.Mask[3*k] || !b.NextMask[3*k+2] || b.Weight[k] != 1 {
			t.Fatalf("row %d (transition %d) corrupted", k, i)
		}
		seen[i]++
	}
	if len(seen) != 5 {
		t.Fatalf("uniform sampling saw %d distinct transitions, want 5", len(seen))
	}
}

// TestPrioritizedSamplingDistribution draws many seeded batches and compares
// the pooled frequencies with the exact probabilities (|δ|+ε)^α / Σ. With
// 400,000 stratified draws over 10 slots the total variation of a correct
// sampler is about 2e-4; a descent that shifts 2% of a left subtree's mass to
// the right gives 0.037, and any leaf whose probability is off by 0.4% of the
// total exceeds the bound.
func TestPrioritizedSamplingDistribution(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 10
	r := softrl.NewPrioritizedReplay(n, 2, 3, 0.6)
	tr := sdqnTransitions(14, rng)
	errs := make([]float64, 14)
	for i := range errs {
		errs[i] = float64(i%7) * 0.5 // includes zero errors: ε keeps them possible
	}
	r.Add(tr, errs) // wraps: slots hold transitions 10..13, 4..9
	// Reprioritize a few through Update.
	r.Update([]int{0, 5}, []float64{3, 0.01})
	want := make([]float64, n)
	var z float64
	for s := 0; s < n; s++ {
		i := s
		if s < 4 {
			i = s + 10
		}
		e := errs[i]
		switch s {
		case 0:
			e = 3
		case 5:
			e = 0.01
		}
		want[s] = math.Pow(e+1e-6, 0.6)
		z += want[s]
	}
	for s := range want {
		want[s] /= z
		if got := r.Probability(s); math.Abs(got-want[s]) > 1e-12 {
			t.Errorf("Probability(%d) = %v, want %v", s, got, want[s])
		}
	}
	counts := make([]float64, n)
	var b gfn.Transitions
	const batches, size = 1600, 250
	for k := 0; k < batches; k++ {
		if err := r.Sample(&b, size, 0.4, rng); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < b.N; j++ {
			counts[b.Slot[j]]++
		}
	}
	var tv float64
	for s := range counts {
		tv += math.Abs(counts[s]/(batches*size) - want[s])
	}
	tv /= 2
	if tv > 2e-3 {
		t.Errorf("total variation %.4g between sampled and exact priorities, want < 2e-3", tv)
	}
	t.Logf("total variation %.3g", tv)
}

func TestPrioritizedWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	r := softrl.NewPrioritizedReplay(4, 2, 3, 1)
	r.Eps = 1e-300
	r.Add(sdqnTransitions(4, rng), []float64{1, 2, 3, 4})
	var b gfn.Transitions
	if err := r.Sample(&b, 64, 0.5, rng); err != nil {
		t.Fatal(err)
	}
	// w ∝ (N·P)^(−β) normalised by the batch maximum: P(slot) = (slot+1)/10.
	minSlot := 4
	for _, s := range b.Slot {
		minSlot = min(minSlot, s)
	}
	for k, s := range b.Slot {
		want := math.Pow(float64(minSlot+1)/float64(s+1), 0.5)
		if math.Abs(b.Weight[k]-want) > 1e-12 {
			t.Fatalf("weight of slot %d = %v, want %v", s, b.Weight[k], want)
		}
	}
}

func TestReplayAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	r := softrl.NewPrioritizedReplay(1000, 2, 3, 0.5)
	tr := sdqnTransitions(300, rng)
	errs := make([]float64, 300)
	var b gfn.Transitions
	r.Add(tr, errs)
	if err := r.Sample(&b, 256, 0.5, rng); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		r.Add(tr, errs)
		if err := r.Sample(&b, 256, 0.5, rng); err != nil {
			t.Fatal(err)
		}
		r.Update(b.Slot, b.Weight)
	})
	if allocs != 0 {
		t.Errorf("Add+Sample+Update: %v allocs/op, want 0", allocs)
	}
}
