package mcts

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
)

// RootLoss records on t the loss of the paper's mcts_train and mcts_all
// modes over the tr.N transitions of complete trajectories: Q_θ regressed on
// the root values Q̂ of the search at every visited state, and on the reward
// at every last edge,
//
//	L = [Σ_k (1/A)·Σ_{a valid in s_k} (Q_θ(s_k, a) − Q̂_k(a))² + Σ_{k done} (Q_θ(s_k, a_k) − r_k)²] / (N + #done),
//
// where q [N×A] holds Q_θ(s_k,·) recorded on t, targets [N×A] holds Q̂_k
// (read at valid actions only: invalid ones count as zero on both sides, but
// the mean still divides by all A actions, as the paper's code does), and
// r_k = tr.Reward(k) is log R(x) on the exit edge x → s_f, so that the last
// term is the paper's (Q_θ(x, exit) − log R(x))² (and log P_B(s|x) + log R(x)
// on the last edge of an environment without exit action). The targets are
// constants.
//
// It panics if q is not [tr.N×tr.NumActions] or targets is shorter.
func RootLoss(t *autograd.Tape, q *autograd.Node, tr *gfn.Transitions, targets []float64) *autograd.Node {
	n, a := tr.N, tr.NumActions
	if r, c := q.Dims(); r != n || c != a || len(targets) < n*a {
		panic(fmt.Sprintf("mcts: RootLoss of Q [%d×%d] and %d targets for %d transitions of %d actions", r, c, len(targets), n, a))
	}
	mk, tg := t.Input(n, a), t.Input(n, a)
	mv, tv := mk.Value.RawMatrix().Data, tg.Value.RawMatrix().Data
	done, y := t.Input(n, 1), t.Input(n, 1)
	dv, yv := done.Value.RawMatrix().Data, y.Value.RawMatrix().Data
	nd := 0
	for k := 0; k < n; k++ {
		for j := k * a; j < (k+1)*a; j++ {
			if tr.Mask[j] {
				mv[j], tv[j] = 1, targets[j]
			}
		}
		if tr.Done[k] {
			dv[k], yv[k] = 1, tr.Reward(k)
			nd++
		}
	}
	roots := t.Scale(1/float64(a), t.Sum(t.Square(t.Sub(t.Mul(q, mk), tg))))
	last := t.Sum(t.Square(t.Sub(t.Mul(t.Pick(q, tr.Actions[:n]), done), y)))
	return t.Scale(1/float64(n+nd), t.Add(roots, last))
}
