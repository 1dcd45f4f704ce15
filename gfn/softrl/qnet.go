package softrl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/scratch"
	"github.com/gogfn/gogfn/nn"
	"gonum.org/v1/gonum/mat"
)

// QFunction is a state-action value function: Q(s, a) for every forward action
// a of an environment, valid or not (callers mask invalid actions).
//
// In the soft RL view of a GFlowNet (Tiapkin et al. 2024, arXiv 2310.12934,
// §3.1) the optimal Q is the log edge flow, Q*(s, a) = log F(s) + log P_F(s′|s),
// and the soft value λ·log Σₐ exp(Q(s, a)/λ) is log F(s).
type QFunction interface {
	// Q records on t the values [n×NumActions] of the n states stored flat in
	// states (n·StateDim integers). Row i must depend on state i only (no
	// batch statistics): SoftDQN evaluates each distinct state once.
	Q(t *autograd.Tape, states []int, n int) *autograd.Node
	// Params returns the trainable parameters.
	Params() []*autograd.Node
}

var (
	_ QFunction     = (*QNet)(nil)
	_ QFunction     = (*QTable)(nil)
	_ gfn.Evaluator = (*SoftPolicy)(nil)
)

// QNet is a Q-network: an MLP from the encoded state to one value per forward
// action. For an environment with k-hot input (OneHotEncoder) its first layer
// is a gather (nn.MLP.ForwardEmbed) instead of a product.
type QNet struct {
	Env gfn.Env
	Net *nn.MLP // InputDim → … → NumActions

	idx []int
}

// NewQNet returns a QNet with a ReLU MLP of the given hidden widths (256, 256
// in the papers) for env, initialised from rng.
// It panics if a width is not positive.
func NewQNet(env gfn.Env, hidden []int, rng *rand.Rand) *QNet {
	sp := env.Spec()
	sizes := append(append([]int{sp.InputDim}, hidden...), sp.NumActions)
	return &QNet{Env: env, Net: nn.NewMLP(sizes, nn.ReLU, rng)}
}

// Q records the network's values [n×NumActions] for n states.
// It panics if len(states) < n·StateDim.
func (q *QNet) Q(t *autograd.Tape, states []int, n int) *autograd.Node {
	sp := q.Env.Spec()
	d := sp.StateDim
	if len(states) < n*d {
		panic(fmt.Sprintf("softrl: QNet.Q of %d states from %d integers", n, len(states)))
	}
	if oh, ok := q.Env.(gfn.OneHotEncoder); ok && sp.OneHot > 0 {
		k := sp.OneHot
		q.idx = scratch.Resize(q.idx, n*k)
		for i := 0; i < n; i++ {
			oh.EncodeIndices(q.idx[i*k:(i+1)*k], gfn.State(states[i*d:(i+1)*d]))
		}
		return q.Net.ForwardEmbed(t, q.idx, k)
	}
	x := t.Input(n, sp.InputDim)
	xv := x.Value.RawMatrix().Data
	for i := 0; i < n; i++ {
		q.Env.Encode(xv[i*sp.InputDim:(i+1)*sp.InputDim], gfn.State(states[i*d:(i+1)*d]))
	}
	return q.Net.Forward(t, x)
}

// Params returns the network's parameters.
func (q *QNet) Params() []*autograd.Node { return q.Net.Params() }

// QTable is a tabular Q-function over the states of an enumerable environment:
// a parameter [NumStates×NumActions] whose row Index(s) is Q(s,·). It suits
// tiny environments and exact tests.
type QTable struct {
	Env gfn.Enumerable
	W   *autograd.Node // [NumStates×NumActions]

	idx []int
}

// NewQTable returns a zero QTable for env.
func NewQTable(env gfn.Enumerable) *QTable {
	return &QTable{Env: env, W: autograd.NewParam(mat.NewDense(env.NumStates(), env.Spec().NumActions, nil))}
}

// Q records the rows of W for n states.
// It panics if len(states) < n·StateDim.
func (q *QTable) Q(t *autograd.Tape, states []int, n int) *autograd.Node {
	d := q.Env.Spec().StateDim
	if len(states) < n*d {
		panic(fmt.Sprintf("softrl: QTable.Q of %d states from %d integers", n, len(states)))
	}
	q.idx = scratch.Resize(q.idx, n)
	for i := range q.idx {
		q.idx[i] = q.Env.Index(gfn.State(states[i*d : (i+1)*d]))
	}
	return t.Rows(q.W, q.idx)
}

// Params returns W.
func (q *QTable) Params() []*autograd.Node { return []*autograd.Node{q.W} }

// SoftPolicy is the Boltzmann policy of a Q-function as a model, the forward
// policy that Soft DQN learns: P_F(·|s) = softmax(Q(s,·)/λ) over the valid
// actions, with log F(s) = λ·log Σₐ exp(Q(s, a)/λ). It implements
// gfn.Evaluator. It keeps a mask as scratch: it is not safe for concurrent
// use.
type SoftPolicy struct {
	Env gfn.Env
	Q   QFunction
	// Lambda is the entropy coefficient λ; 0 means 1 (Munchausen DQN uses
	// 1/(1−α)).
	Lambda float64

	mask []bool
}

// Evaluate records log P_F [n×A] = log softmax(Q/λ) over the valid actions
// (−Inf elsewhere) and log F [n×1] = λ·logsumexp(Q/λ) on n states. A state
// without any valid action (the terminal of an environment without exit
// action) gets log P_F = −Inf everywhere and a log F computed over all
// actions, which has no meaning.
func (p *SoftPolicy) Evaluate(t *autograd.Tape, states []int, n int) (logPF, logF *autograd.Node) {
	lambda, env, q := p.Lambda, p.Env, p.Q
	if lambda == 0 {
		lambda = 1
	}
	sp := env.Spec()
	a, d := sp.NumActions, sp.StateDim
	p.mask = scratch.Resize(p.mask, n*a)
	m := p.mask
	var dead bool
	for i := 0; i < n; i++ {
		row := m[i*a : (i+1)*a]
		env.Mask(row, gfn.State(states[i*d:(i+1)*d]))
		if !slices.Contains(row, true) {
			dead = true
			for j := range row {
				row[j] = true
			}
		}
	}
	z := q.Q(t, states, n)
	if lambda != 1 {
		z = t.Scale(1/lambda, z)
	}
	logPF = t.LogSoftmax(z, m)
	logF = t.LogSumExpRows(z, m)
	if lambda != 1 {
		logF = t.Scale(lambda, logF)
	}
	if dead {
		v := logPF.Value.RawMatrix().Data
		for i := 0; i < n; i++ {
			env.Mask(m[i*a:(i+1)*a], gfn.State(states[i*d:(i+1)*d]))
			if !slices.Contains(m[i*a:(i+1)*a], true) {
				for j := i * a; j < (i+1)*a; j++ {
					v[j] = math.Inf(-1)
				}
			}
		}
	}
	return logPF, logF
}

// SoftValue returns λ·log Σₐ exp(q[a]/λ) over the actions where valid is
// true: the soft value V(s) of the values q = Q(s,·). λ = 0 means 1.
// It panics if no action is valid or the lengths differ.
func SoftValue(q []float64, valid []bool, lambda float64) float64 {
	if len(q) != len(valid) {
		panic(fmt.Sprintf("softrl: SoftValue of %d values with a mask of %d", len(q), len(valid)))
	}
	if lambda == 0 {
		lambda = 1
	}
	hi := math.Inf(-1)
	for a, v := range q {
		if valid[a] {
			hi = max(hi, v)
		}
	}
	if math.IsInf(hi, -1) {
		if !slices.Contains(valid, true) {
			panic("softrl: SoftValue with no valid action")
		}
		return hi
	}
	var s float64
	for a, v := range q {
		if valid[a] {
			s += math.Exp((v - hi) / lambda)
		}
	}
	return hi + lambda*math.Log(s)
}
