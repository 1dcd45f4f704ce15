package bitseq

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/envs/envtest"
	"github.com/gogfn/gogfn/gfn"
)

func TestEnvtest(t *testing.T) {
	for _, c := range []Config{{}, {K: 4}, {N: 16, K: 4}, {N: 120, K: 3}} {
		envtest.Check(t, mustNew(t, c))
	}
	for _, c := range []Config{{N: 8, K: 2}, {N: 16, K: 4}, {N: 8, K: 8}} {
		e, err := NewEnum(c)
		if err != nil {
			t.Fatal(err)
		}
		envtest.Check(t, e)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg   Config
		field string
	}{
		{Config{N: -8}, "N = -8"},
		{Config{N: 12, K: 4}, "N = 12"},
		{Config{N: 120, K: 7}, "K = 7"},
		{Config{K: 17}, "K = 17"},
		{Config{K: -1}, "K = -1"},
		{Config{NumModes: -1}, "NumModes"},
		{Config{Beta: -2}, "Beta"},
	} {
		_, err := New(c.cfg)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.field) {
			t.Errorf("New(%+v) = %v, want an ErrConfig naming %q", c.cfg, err, c.field)
		}
	}
	if _, err := NewEnum(Config{N: 24, K: 4}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "MaxStates") {
		t.Errorf("NewEnum(n=24, k=4) = %v, want the MaxStates error", err)
	}
	e, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c := e.Config(); c != (Config{N: 120, K: 8, NumModes: 60, Beta: 2, Threshold: 30}) {
		t.Errorf("defaults %+v", c)
	}
}

func TestSpec(t *testing.T) {
	e := mustNew(t, Config{})
	want := gfn.Spec{StateDim: 15, NumActions: 15 * 256, NumBackward: 15, InputDim: 15 * 257, MaxLen: 15, OneHot: 15}
	if got := e.Spec(); got != want {
		t.Errorf("Spec = %+v, want %+v", got, want)
	}
	if e.Empty() != 256 || e.BOS() != 257 || e.NumSlots() != 15 || e.Action(3, 7) != 3*256+7 {
		t.Errorf("Empty %d, BOS %d, NumSlots %d, Action(3, 7) %d", e.Empty(), e.BOS(), e.NumSlots(), e.Action(3, 7))
	}
}

// bruteDistance is min_m Hamming(x, m) counted character by character on the
// readable forms, independently of the packed representation.
func bruteDistance(e *Env, x gfn.State) int {
	xs := e.Bits(x)
	best := e.n + 1
	for _, m := range modeStrings(e) {
		d := 0
		for i := range xs {
			if xs[i] != m[i] {
				d++
			}
		}
		best = min(best, d)
	}
	return best
}

func randomTerminal(e *Env, x gfn.State, rng *rand.Rand) {
	for i := range x {
		x[i] = rng.IntN(e.Empty())
	}
}

func TestModesAndReward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// n = 120, k = 3 and n = 96, k = 6 have words that straddle two uint64s.
	for _, c := range []Config{{}, {K: 4}, {N: 200, K: 8, NumModes: 7, Beta: 0.5}, {N: 24, K: 3}, {N: 8, K: 2}, {N: 120, K: 3}, {N: 96, K: 6}} {
		e := mustNew(t, c)
		beta := e.Config().Beta
		x := make(gfn.State, e.NumSlots())
		if e.NumModes() != e.Config().NumModes {
			t.Fatalf("%d modes", e.NumModes())
		}
		for m := 0; m < e.NumModes(); m++ {
			e.Mode(x, m)
			bits := e.Bits(x)
			for i := 0; i < len(bits); i += 8 {
				if !slices.Contains(ModeWords[:], bits[i:i+8]) {
					t.Fatalf("mode %d: word %q is not in H", m, bits[i:i+8])
				}
			}
			if r := e.LogReward(x); r != 0 {
				t.Errorf("%+v: log R(mode %d) = %v", c, m, r)
			}
		}
		for i := 0; i < 200; i++ {
			randomTerminal(e, x, rng)
			d := bruteDistance(e, x)
			if got := e.LogReward(x); got != -beta*float64(d) {
				t.Fatalf("%+v: log R(%s) = %v, want −β·%d", c, e.Bits(x), got, d)
			}
			if m, dd := e.Nearest(x); dd != d {
				t.Fatalf("Nearest = %d, %d; want distance %d", m, dd, d)
			}
			y := make(gfn.State, len(x))
			e.Mode(y, 0)
			if h := e.Hamming(x, y); h != hammingText(e.Bits(x), e.Bits(y)) {
				t.Fatalf("Hamming = %d", h)
			}
		}
	}
}

func hammingText(a, b string) int {
	d := 0
	for i := range a {
		if a[i] != b[i] {
			d++
		}
	}
	return d
}

func TestTestSet(t *testing.T) {
	for _, c := range []Config{{}, {K: 4}, {N: 16, K: 2, NumModes: 3}} {
		e := mustNew(t, c)
		ts := e.TestSet()
		n := e.Config().N
		if ts.Len() != e.NumModes()*n || len(ts.LogR) != ts.Len() || len(ts.Mode) != ts.Len() || len(ts.Flips) != ts.Len() {
			t.Fatalf("%+v: test set of %d, want %d", c, ts.Len(), e.NumModes()*n)
		}
		m := make(gfn.State, e.NumSlots())
		for i, x := range ts.X {
			if ts.Mode[i] != i/n || ts.Flips[i] != i%n {
				t.Fatalf("object %d: mode %d, flips %d", i, ts.Mode[i], ts.Flips[i])
			}
			e.Mode(m, ts.Mode[i])
			if d := e.Hamming(x, m); d != ts.Flips[i] {
				t.Fatalf("object %d is %d bits from its mode, want %d", i, d, ts.Flips[i])
			}
			if ts.LogR[i] != e.LogReward(x) || ts.LogR[i] < -2*float64(ts.Flips[i]) {
				t.Fatalf("object %d: LogR %v, LogReward %v, %d flips", i, ts.LogR[i], e.LogReward(x), ts.Flips[i])
			}
		}
	}
}

func TestRunSeed(t *testing.T) {
	a := modeStrings(mustNew(t, Config{}))
	b := modeStrings(mustNew(t, Config{RunSeed: true, Seed: TLMSeed}))
	c := modeStrings(mustNew(t, Config{RunSeed: true, Seed: 0}))
	d := modeStrings(mustNew(t, Config{Seed: 0}))
	if !slices.Equal(a, b) || slices.Equal(a, c) || !slices.Equal(a, d) {
		t.Errorf("the default must be seed 42 and RunSeed must use Seed")
	}
}

func TestTextRoundTrip(t *testing.T) {
	e := mustNew(t, Config{N: 16, K: 4})
	s := gfn.State{0xA, 16, 0x3, 16}
	if got := e.Bits(s); got != "1010....0011...." {
		t.Errorf("Bits = %q", got)
	}
	back := make(gfn.State, 4)
	if err := e.ParseBits(back, "1010____0011...."); err != nil || !slices.Equal(back, s) {
		t.Errorf("ParseBits = %v, %v", back, err)
	}
	for _, bad := range []string{"1010", "10.0....0011....", "1012....0011...."} {
		if err := e.ParseBits(back, bad); err == nil {
			t.Errorf("ParseBits(%q) did not fail", bad)
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range []Config{{}, {K: 4}, {N: 120, K: 3}} {
		e := mustNew(t, c)
		s := make(gfn.State, e.NumSlots())
		for i := 0; i < 50; i++ {
			for j := range s {
				s[j] = rng.IntN(e.Empty() + 1)
			}
			p := make(gfn.State, len(s))
			if err := e.ParseBits(p, e.Bits(s)); err != nil || !slices.Equal(p, s) {
				t.Fatalf("round trip of %v: %v, %v", s, p, err)
			}
		}
	}
}

// walk follows a random forward trajectory, checking at each step that the
// backward action undoes the forward one and that Tokens and Encode agree
// with the state.
func TestStepsTokensEncode(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range []Config{{}, {K: 4}} {
		e := mustNew(t, c)
		sp := e.Spec()
		s, next, back := make(gfn.State, sp.StateDim), make(gfn.State, sp.StateDim), make(gfn.State, sp.StateDim)
		mask, bmask := make([]bool, sp.NumActions), make([]bool, sp.NumBackward)
		x, idx, tok := make([]float64, sp.InputDim), make([]int, sp.OneHot), make([]int, e.NumSlots()+1)
		e.Start(s)
		for step := 0; step < sp.MaxLen; step++ {
			e.Mask(mask, s)
			e.BackwardMask(bmask, s)
			filled := 0
			for i, v := range s {
				if (v == e.Empty()) == bmask[i] || mask[i*e.Empty()] != (v == e.Empty()) {
					t.Fatalf("masks disagree at slot %d of %v", i, s)
				}
				if bmask[i] {
					filled++
				}
			}
			if filled != step {
				t.Fatalf("%d filled after %d steps", filled, step)
			}
			e.Encode(x, s)
			e.EncodeIndices(idx, s)
			ones := 0
			for j, v := range x {
				if v == 1 {
					if !slices.Contains(idx, j) {
						t.Fatalf("Encode has a one at %d, EncodeIndices %v", j, idx)
					}
					ones++
				}
			}
			e.Tokens(tok, s)
			if ones != len(idx) || tok[0] != e.BOS() || !slices.Equal(tok[1:], s) {
				t.Fatalf("Encode/Tokens of %v: %d ones, tokens %v", s, ones, tok)
			}
			var valid []int
			for a, ok := range mask {
				if ok {
					valid = append(valid, a)
				}
			}
			a := valid[rng.IntN(len(valid))]
			e.Step(next, s, a)
			b := e.BackwardAction(s, a)
			e.BackwardStep(back, next, b)
			if !slices.Equal(back, s) || next[a/e.Empty()] != a%e.Empty() {
				t.Fatalf("step %d: action %d from %v gives %v, back %v", step, a, s, next, back)
			}
			copy(s, next)
		}
		e.Mask(mask, s)
		if slices.Contains(mask, true) {
			t.Errorf("a full sequence has a valid action")
		}
	}
}

func TestEnumIndex(t *testing.T) {
	e, err := NewEnum(Config{N: 8, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	if e.NumStates() != 625 {
		t.Fatalf("NumStates = %d, want 5^4", e.NumStates())
	}
	s := make(gfn.State, 4)
	e.StateAt(s, 0)
	if e.Bits(s) != "........" {
		t.Errorf("state 0 = %s", e.Bits(s))
	}
	e.StateAt(s, 624)
	if e.Bits(s) != "11111111" {
		t.Errorf("last state = %s", e.Bits(s))
	}
	// 1·125 + 0·25 + 4·5 + 1: slot 0 holds word 0, slot 2 word 3, slot 3 word 0.
	e.StateAt(s, 146)
	if e.Bits(s) != "00..1100" || e.Index(s) != 146 {
		t.Errorf("state 146 = %s, index %d", e.Bits(s), e.Index(s))
	}
	terminal := 0
	for i := 0; i < e.NumStates(); i++ {
		e.StateAt(s, i)
		if !slices.Contains(s, e.Empty()) {
			terminal++
		}
	}
	if terminal != 256 {
		t.Errorf("%d terminal states, want 2^8", terminal)
	}
}

func TestZeroAllocs(t *testing.T) {
	e := mustNew(t, Config{})
	sp := e.Spec()
	s, next := make(gfn.State, sp.StateDim), make(gfn.State, sp.StateDim)
	mask, idx := make([]bool, sp.NumActions), make([]int, sp.OneHot)
	tok := make([]int, sp.StateDim+1)
	e.Start(s)
	x := make(gfn.State, sp.StateDim)
	randomTerminal(e, x, rand.New(rand.NewPCG(1, 1)))
	tr := e.Tracker(0)
	var sink float64
	for name, f := range map[string]func(){
		"Step":          func() { e.Step(next, s, 77) },
		"Mask":          func() { e.Mask(mask, s) },
		"LogReward":     func() { sink += e.LogReward(x) },
		"EncodeIndices": func() { e.EncodeIndices(idx, s) },
		"Tokens":        func() { e.Tokens(tok, s) },
		"Tracker.Add":   func() { tr.Add(x) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocs", name, n)
		}
	}
	_ = sink
}
