package envtest

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gogfn/gogfn/gfn"
)

// Walks is the number of random trajectories Check follows.
const Walks = 200

// maxEnumerated bounds the number of states whose index Check round-trips.
const maxEnumerated = 200_000

// Check runs seeded random walks through env and reports, through t, every
// violated property:
//   - the spec is consistent (gfn.CheckEnv: positive sizes; a DAG, Spec.Tree
//     false, must be Reversible; NumBackward set iff Reversible);
//   - an environment that claims to be a tree (Spec.Tree) has no state with
//     two parents: for an Enumerable one, over every edge when there are at
//     most 200,000 states; for a Reversible one, at every state visited;
//   - a StateChecker accepts every state reached, and a Describer's settings
//     have distinct, non-empty keys;
//   - masks are never empty before the trajectory ends (with Spec.Exit a walk
//     ends by exiting; without, at the first state with no valid action), and
//     every walk ends within Spec.MaxLen actions;
//   - LogReward is finite at every terminal object reached;
//   - Encode writes finite values, and for a OneHotEncoder exactly Spec.OneHot
//     ones at the increasing positions EncodeIndices gives;
//   - for a Reversible env, s₀ has no parent and other states have one, every
//     valid backward step leads to a parent that steps forward back to the
//     state, BackwardAction undoes Step, and a ForwardActioner's
//     ForwardAction names the step;
//   - for an Enumerable env, StateAt and Index round-trip (over every state
//     when there are at most 200,000), s₀ has index 0, and every step goes to
//     a larger index (a topological order).
func Check(t testing.TB, env gfn.Env) {
	t.Helper()
	spec := env.Spec()
	if err := gfn.CheckEnv(env); err != nil {
		t.Fatalf("envtest: %v", err)
	}
	rev, isRev := env.(gfn.Reversible)
	if isRev != (spec.NumBackward > 0) {
		t.Fatalf("envtest: Reversible = %v but NumBackward = %d", isRev, spec.NumBackward)
	}
	enum, isEnum := env.(gfn.Enumerable)
	hot, isHot := env.(gfn.OneHotEncoder)
	if isHot != (spec.OneHot > 0) {
		t.Fatalf("envtest: OneHotEncoder = %v but Spec.OneHot = %d", isHot, spec.OneHot)
	}

	checker, isChecker := env.(gfn.StateChecker)
	if d, ok := env.(gfn.Describer); ok {
		seen := map[string]bool{}
		for _, st := range d.Describe() {
			if st.Key == "" || seen[st.Key] {
				t.Fatalf("envtest: Describe has an empty or repeated key %q", st.Key)
			}
			seen[st.Key] = true
		}
	}
	if spec.Tree && isEnum {
		checkTree(t, env, enum)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	s := make(gfn.State, spec.StateDim)
	next := make(gfn.State, spec.StateDim)
	back := make(gfn.State, spec.StateDim)
	mask := make([]bool, spec.NumActions)
	bmask := make([]bool, max(spec.NumBackward, 1))
	x := make([]float64, spec.InputDim)
	idx := make([]int, max(spec.OneHot, 1))
	valid := make([]int, 0, spec.NumActions)

	checkState := func(s gfn.State, first bool) {
		if isChecker {
			if err := checker.CheckState(s); err != nil {
				t.Fatalf("envtest: CheckState rejects %v, reached from s₀: %v", s, err)
			}
		}
		env.Encode(x, s)
		for j, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("envtest: Encode(%v)[%d] = %v", s, j, v)
			}
		}
		if isHot {
			hot.EncodeIndices(idx, s)
			ones := 0
			for _, v := range x {
				if v == 1 {
					ones++
				} else if v != 0 {
					t.Fatalf("envtest: Encode(%v) of a OneHotEncoder is not 0/1", s)
				}
			}
			for j, p := range idx {
				if p < 0 || p >= spec.InputDim || x[p] != 1 || (j > 0 && p <= idx[j-1]) {
					t.Fatalf("envtest: EncodeIndices(%v) = %v disagrees with Encode", s, idx)
				}
			}
			if ones != spec.OneHot {
				t.Fatalf("envtest: Encode(%v) has %d ones, Spec.OneHot = %d", s, ones, spec.OneHot)
			}
		}
		if isRev {
			rev.BackwardMask(bmask, s)
			n := 0
			for b, ok := range bmask {
				if !ok {
					continue
				}
				n++
				rev.BackwardStep(back, s, b)
				if !hasChild(env, back, s, mask, next) {
					t.Fatalf("envtest: BackwardStep(%v, %d) = %v, which has no forward step to %v", s, b, back, s)
				}
			}
			if first != (n == 0) {
				t.Fatalf("envtest: state %v (initial: %v) has %d parents", s, first, n)
			}
			if spec.Tree && n > 1 {
				t.Fatalf("envtest: Spec.Tree says every state has one parent, but %v has %d (BackwardMask)", s, n)
			}
		}
		if isEnum {
			i := enum.Index(s)
			if i < 0 || i >= enum.NumStates() {
				t.Fatalf("envtest: Index(%v) = %d outside [0, %d)", s, i, enum.NumStates())
			}
			if first && i != 0 {
				t.Fatalf("envtest: Index(s₀) = %d, want 0", i)
			}
			enum.StateAt(back, i)
			if !slices.Equal(back, s) {
				t.Fatalf("envtest: StateAt(Index(%v)) = %v", s, back)
			}
		}
	}

	for w := 0; w < Walks; w++ {
		env.Start(s)
		first := true
		for n := 0; ; n++ {
			checkState(s, first)
			first = false
			env.Mask(mask, s)
			valid = valid[:0]
			for a, ok := range mask {
				if ok {
					valid = append(valid, a)
				}
			}
			if len(valid) == 0 {
				if spec.Exit {
					t.Fatalf("envtest: empty mask at %v before exit", s)
				}
				checkReward(t, env, s)
				break
			}
			if n >= spec.MaxLen {
				t.Fatalf("envtest: trajectory longer than MaxLen = %d at %v", spec.MaxLen, s)
			}
			a := valid[rng.IntN(len(valid))]
			if spec.Exit && a == spec.NumActions-1 {
				checkReward(t, env, s)
				break
			}
			env.Step(next, s, a)
			if isRev {
				b := rev.BackwardAction(s, a)
				if b < 0 || b >= spec.NumBackward {
					t.Fatalf("envtest: BackwardAction(%v, %d) = %d", s, a, b)
				}
				rev.BackwardMask(bmask, next)
				if !bmask[b] {
					t.Fatalf("envtest: BackwardAction(%v, %d) = %d is masked at %v", s, a, b, next)
				}
				rev.BackwardStep(back, next, b)
				if !slices.Equal(back, s) {
					t.Fatalf("envtest: BackwardStep(Step(%v, %d), %d) = %v", s, a, b, back)
				}
				if fa, ok := env.(gfn.ForwardActioner); ok && fa.ForwardAction(next, b) != a {
					t.Fatalf("envtest: ForwardAction(%v, %d) = %d, but action %d of %v leads there", next, b, fa.ForwardAction(next, b), a, s)
				}
			}
			if isEnum && enum.Index(next) <= enum.Index(s) {
				t.Fatalf("envtest: Index(%v) = %d is not after Index(%v) = %d", next, enum.Index(next), s, enum.Index(s))
			}
			copy(s, next)
		}
	}

	if isEnum && enum.NumStates() <= maxEnumerated {
		for i := 0; i < enum.NumStates(); i++ {
			enum.StateAt(s, i)
			if j := enum.Index(s); j != i {
				t.Fatalf("envtest: Index(StateAt(%d)) = %d", i, j)
			}
		}
	}
}

// checkTree fails if an Enumerable environment that claims to be a tree has a
// state reached by two edges.
func checkTree(t testing.TB, env gfn.Env, enum gfn.Enumerable) {
	t.Helper()
	n := enum.NumStates()
	if n > maxEnumerated {
		return
	}
	spec := env.Spec()
	parent := make([]int, n)
	for i := range parent {
		parent[i] = -1
	}
	s, c := make(gfn.State, spec.StateDim), make(gfn.State, spec.StateDim)
	mask := make([]bool, spec.NumActions)
	for i := 0; i < n; i++ {
		enum.StateAt(s, i)
		env.Mask(mask, s)
		for a, ok := range mask {
			if !ok || (spec.Exit && a == spec.NumActions-1) {
				continue
			}
			env.Step(c, s, a)
			j := enum.Index(c)
			if j < 0 || j >= n {
				t.Fatalf("envtest: Index(%v) = %d outside [0, %d)", c, j, n)
			}
			if parent[j] >= 0 {
				p := make(gfn.State, spec.StateDim)
				enum.StateAt(p, parent[j])
				t.Fatalf("envtest: Spec.Tree says every state has one parent, but %v is reached from %v and from %v: "+
					"a DAG must say Tree: false and implement gfn.Reversible", c, p, s)
			}
			parent[j] = i
		}
	}
}

// hasChild reports whether some valid non-exit forward action of p leads to s.
func hasChild(env gfn.Env, p, s gfn.State, mask []bool, scratch gfn.State) bool {
	spec := env.Spec()
	env.Mask(mask, p)
	for a, ok := range mask {
		if !ok || (spec.Exit && a == spec.NumActions-1) {
			continue
		}
		env.Step(scratch, p, a)
		if slices.Equal(scratch, s) {
			return true
		}
	}
	return false
}

func checkReward(t testing.TB, env gfn.Env, x gfn.State) {
	t.Helper()
	if r := env.LogReward(x); math.IsNaN(r) || math.IsInf(r, 0) {
		t.Fatalf("envtest: LogReward(%v) = %v", x, r)
	}
}
