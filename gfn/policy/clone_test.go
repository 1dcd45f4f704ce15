package policy_test

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/policy"
)

// TestClone checks that a clone evaluates as the original, owns its values
// and gradients, and can sample while the original does (run with -race).
func TestClone(t *testing.T) {
	env := hypergrid.New(2, 5, hypergrid.Standard)
	for _, pb := range []policy.PBKind{policy.FixedPB, policy.TiedPB, policy.SeparatePB} {
		p, err := policy.New(env, policy.Config{Hidden: []int{8, 8}, PB: pb, Flow: true}, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range p.Params() { // non-zero P_B heads
			for i := range w.Value.RawMatrix().Data {
				w.Value.RawMatrix().Data[i] += 0.01 * float64(i%7)
			}
		}
		q := p.Clone()
		states := []int{0, 0, 1, 2, 4, 4}
		eval := func(m *policy.Policy) []float64 {
			var tp autograd.Tape
			lp, lf := m.Evaluate(&tp, states, 3)
			pbv := m.Backward()
			out := append(slices.Clone(lp.Value.RawMatrix().Data), lf.Value.RawMatrix().Data...)
			if pbv != nil {
				out = append(out, pbv.LogProbs(&tp, states[2:], 2).Value.RawMatrix().Data...)
			}
			return out
		}
		if !slices.Equal(eval(p), eval(q)) {
			t.Errorf("%v: the clone evaluates otherwise", pb)
		}
		if len(q.Params()) != len(p.Params()) {
			t.Fatalf("%v: %d parameters, want %d", pb, len(q.Params()), len(p.Params()))
		}
		for i, w := range q.Params() {
			o := p.Params()[i]
			if w == o || w.Value == o.Value || w.Grad == o.Grad || &w.Value.RawMatrix().Data[0] == &o.Value.RawMatrix().Data[0] {
				t.Fatalf("%v: parameter %d is shared", pb, i)
			}
		}
		q.Params()[0].Value.Set(0, 0, 42)
		if p.Params()[0].Value.At(0, 0) == 42 {
			t.Errorf("%v: changing the clone changed the original", pb)
		}
		var wg sync.WaitGroup
		for _, m := range []*policy.Policy{p, q} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := policy.Sampler{Policy: m, Rand: rand.New(rand.NewPCG(2, 2))}
				var b gfn.Batch
				for range 20 {
					if err := s.Sample(&b, 8); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}
