package optim_test

import (
	"math"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/optim"
)

// TestSWADScript runs SWAD on a scripted validation-loss sequence, with
// θ_t = t and two updates per segment, against the start and stop segments
// worked out by hand (and by the official code's SWAD class).
//
// Losses L_1..L_8 = 5, 4, 3, 3.5, 3.2, 3.1, 3.3, 3.0, then 5. The window
// (L_2, L_3, L_4) = (4, 3, 3.5) has not converged; (L_3, L_4, L_5) = (3, 3.5,
// 3.2) has, at segment 5, so the average starts with segment 2 and the
// threshold is 1.3·(3 + 3.5 + 3.2)/3. The six losses L_9..L_14 = 5 are the
// first six all above it: the valley ends at segment 14, when segment 10 is
// the last one added.
func TestSWADScript(t *testing.T) {
	losses := []float64{5, 4, 3, 3.5, 3.2, 3.1, 3.3, 3.0, 5, 5, 5, 5, 5, 5, 5, 5, 5}
	ps := scalars(1)
	calls := 0
	s := &optim.SWAD{Params: ps, Segment: 2, Loss: func() float64 {
		if got := ps[0].Scalar(); got != float64(2*(calls+1)) {
			t.Errorf("Loss sees θ = %v at the end of segment %d", got, calls+1)
		}
		calls++
		return losses[calls-1]
	}}
	for step := 1; step <= 2*len(losses); step++ {
		set(ps, float64(step))
		s.Update()
		seg := step / 2
		first, last := s.Valley()
		switch {
		case seg < 5 && first != 0:
			t.Fatalf("update %d: started at segment %d, before segment 5", step, first)
		case seg >= 5 && first != 2:
			t.Fatalf("update %d: first segment %d, want 2", step, first)
		case seg >= 5 && seg < 14 && (s.Done() || last != seg):
			t.Fatalf("update %d: done %t, last segment %d; want running, %d", step, s.Done(), last, seg)
		case seg >= 14 && (!s.Done() || last != 10):
			t.Fatalf("update %d: done %t, last segment %d; want done, 10", step, s.Done(), last)
		}
		if step == 20 {
			// Before the end, CopyTo folds in the queued segments 7..10.
			if got, want := read(s, 1)[0], 11.5; got != want {
				t.Errorf("SWAD model at update 20: %v, want the mean of θ_3..θ_20 = %v", got, want)
			}
		}
	}
	if calls != 14 {
		t.Errorf("Loss called %d times, want 14 (not after the valley ends)", calls)
	}
	if got, want := s.Threshold(), 1.3*(3+3.5+3.2)/3; math.Abs(got-want) > 1e-15 {
		t.Errorf("threshold %v, want %v", got, want)
	}
	// Segments 2..10 hold θ_3..θ_20.
	if got := read(s, 1)[0]; got != 11.5 || s.Count() != 18 {
		t.Errorf("SWAD model %v of %d iterates, want 11.5 of 18", got, s.Count())
	}
}

// TestSWADNeverConverges checks that a loss that falls at every segment never
// starts the average.
func TestSWADNeverConverges(t *testing.T) {
	ps := scalars(1)
	l := 10.0
	s := &optim.SWAD{Params: ps, Segment: 1, Loss: func() float64 { l *= 0.9; return l }}
	for range 50 {
		s.Update()
	}
	if first, _ := s.Valley(); first != 0 || s.Count() != 0 {
		t.Errorf("started at segment %d with a falling loss", first)
	}
}

// TestSMAScript runs SMA from t₀ = 3 with scoring every 2 updates, θ_t = t,
// and a score scripted on the running average it is shown: the snapshot is
// the average at update 6, which scores best (a later tie does not replace it).
func TestSMAScript(t *testing.T) {
	// Running averages of θ_3..θ_t: t = 3 → 3, 4 → 3.5, 6 → 4.5, 8 → 5.5, 10 → 6.5.
	scores := map[float64]float64{3: 0.5, 3.5: 0.7, 4.5: 0.9, 5.5: 0.9, 6.5: 0.8}
	ps := scalars(1)
	var seen []float64
	s := &optim.SMA{Params: ps, Start: 3, Every: 2, Score: func() float64 {
		seen = append(seen, ps[0].Scalar())
		return scores[ps[0].Scalar()]
	}}
	for step := 1; step <= 11; step++ {
		set(ps, float64(step))
		s.Update()
		if ps[0].Scalar() != float64(step) {
			t.Fatalf("update %d: parameter left at %v", step, ps[0].Scalar())
		}
	}
	if want := []float64{3, 3.5, 4.5, 5.5, 6.5}; !sameBits(seen, want) {
		t.Errorf("Score saw %v, want %v", seen, want)
	}
	score, at := s.Best()
	if got := read(s, 1)[0]; got != 4.5 || at != 6 || score != 0.9 || s.Count() != 4 {
		t.Errorf("snapshot %v from update %d (score %v, %d iterates); want 4.5 from 6 (0.9, 4)", got, at, score, s.Count())
	}
	if got := s.Running().Count(); got != 9 {
		t.Errorf("running average of %d iterates, want 9", got)
	}
}

// TestSWADCheckpointScript saves the scripted run of TestSWADScript after
// every update, before, during and after the valley, restores it into a
// fresh SWAD and checks that both end identically.
func TestSWADCheckpointScript(t *testing.T) {
	losses := []float64{5, 4, 3, 3.5, 3.2, 3.1, 3.3, 3.0, 5, 5, 5, 5, 5, 5, 5, 5, 5}
	mk := func(ps []*autograd.Node) *optim.SWAD {
		// The loss is read off θ_t = t, so that it needs no state of its own.
		return &optim.SWAD{Params: ps, Segment: 2, Loss: func() float64 { return losses[int(ps[0].Scalar())/2-1] }}
	}
	const T = 2 * 17
	for save := 0; save < T; save++ {
		ps, ps2 := scalars(1), scalars(1)
		a, b := mk(ps), mk(ps2)
		for step := 1; step <= T; step++ {
			if step == save+1 {
				data, err := a.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				if err := b.UnmarshalBinary(data); err != nil {
					t.Fatalf("restore after update %d: %v", save, err)
				}
			}
			set(ps, float64(step))
			a.Update()
			if step > save {
				set(ps2, float64(step))
				b.Update()
			}
		}
		fa, la := a.Valley()
		fb, lb := b.Valley()
		if fa != fb || la != lb || a.Done() != b.Done() || read(a, 1)[0] != read(b, 1)[0] {
			t.Errorf("saved after update %d: valley %d..%d (done %t), restored %d..%d (done %t)", save, fa, la, a.Done(), fb, lb, b.Done())
		}
	}
}
