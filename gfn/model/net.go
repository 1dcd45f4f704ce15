package model

import (
	"math"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/scratch"
	"github.com/gogfn/gogfn/nn"
	"gonum.org/v1/gonum/mat"
)

// net is a model's forward logits prepared for sampling: a copy of the
// layers that lead to them (a policy's trunk and forward head, a
// Q-network's layers), with an activation before every layer but the
// first. Its weights are stored transposed, [out×in], so that the small
// products of a rollout step (a few distinct states times 256×256 weights)
// are products A·Bᵀ, which the gemm package computes with dot products that
// read both operands in place; the untransposed form packs A into a tile of
// 8 rows, most of them padding when the step has 1 to 4 rows (about 2.5×
// slower on 1 to 4 rows, the same from 8). Its nodes carry no gradient.
// It implements softrl.QFunction, so that softrl.UniqueQ evaluates each
// distinct state once.
type net struct {
	env   gfn.Env
	hot   gfn.OneHotEncoder // k-hot input, or nil
	k     int
	first *autograd.Node   // with a k-hot input, layer 0's weights [in×out], gathered by Embed
	wt    []*autograd.Node // transposed weights [out×in] (wt[0] is nil with first)
	b     []*autograd.Node // biases [1×out]
	act   nn.Activation
	idx   []int
}

// newNet returns the net of layers, whose last gives the logits.
func newNet(env gfn.Env, layers []*nn.Linear, act nn.Activation) *net {
	n := &net{env: env, act: act}
	if h, ok := env.(gfn.OneHotEncoder); ok && env.Spec().OneHot > 0 {
		n.hot, n.k = h, env.Spec().OneHot
	}
	constant := func(m mat.Matrix) *autograd.Node { return &autograd.Node{Value: mat.DenseCopyOf(m)} }
	for i, l := range layers {
		var wt *autograd.Node
		if i == 0 && n.hot != nil {
			n.first = constant(l.W.Value)
		} else {
			wt = constant(l.W.Value.T())
		}
		n.wt, n.b = append(n.wt, wt), append(n.b, constant(l.B.Value))
	}
	return n
}

// Q records the logits [count×A] of count states stored flat in states.
func (n *net) Q(t *autograd.Tape, states []int, count int) *autograd.Node {
	spec := n.env.Spec()
	d := spec.StateDim
	var x *autograd.Node
	if n.hot != nil {
		n.idx = scratch.Resize(n.idx, count*n.k)
		for i := 0; i < count; i++ {
			n.hot.EncodeIndices(n.idx[i*n.k:(i+1)*n.k], states[i*d:(i+1)*d])
		}
		x = t.Add(t.Embed(n.first, n.idx, n.k), n.b[0])
	} else {
		in := t.Input(count, spec.InputDim)
		v := in.Value.RawMatrix().Data
		for i := 0; i < count; i++ {
			n.env.Encode(v[i*spec.InputDim:(i+1)*spec.InputDim], states[i*d:(i+1)*d])
		}
		x = t.Add(t.MatMulT(in, n.wt[0]), n.b[0])
	}
	for i := 1; i < len(n.wt); i++ {
		x = t.Add(t.MatMulT(n.act.Apply(t, x), n.wt[i]), n.b[i])
	}
	return x
}

// Params returns nil: the net is not trained.
func (n *net) Params() []*autograd.Node { return nil }

// logProb returns log P_F(a|s) = log softmax(row/temp)[a] over the valid
// actions of mask.
func logProb(row []float64, mask []bool, a int, temp float64) float64 {
	mx := math.Inf(-1)
	for j, ok := range mask {
		if ok {
			mx = max(mx, row[j])
		}
	}
	var sum float64
	for j, ok := range mask {
		if ok {
			sum += math.Exp((row[j] - mx) / temp)
		}
	}
	return (row[a]-mx)/temp - math.Log(sum)
}
