package optim

import (
	"math"

	"github.com/gogfn/gogfn/autograd"
)

// Adam is the Adam optimizer (Kingma and Ba 2015, arXiv 1412.6980) with optional
// decoupled weight decay (AdamW, Loshchilov and Hutter 2019).
type Adam struct {
	Params       []*autograd.Node
	LR           float64 // learning rate; 0 means 1e-3
	Beta1, Beta2 float64 // moment decay rates; 0 means 0.9 and 0.999
	Eps          float64 // denominator offset; 0 means 1e-8
	WeightDecay  float64 // decoupled weight decay (AdamW); 0 means none

	t    int
	m, v [][]float64
}

var _ Optimizer = (*Adam)(nil)

// Step applies one Adam update to every parameter and zeroes the gradients.
func (o *Adam) Step() {
	lr, b1, b2, eps := or(o.LR, 1e-3), or(o.Beta1, 0.9), or(o.Beta2, 0.999), or(o.Eps, 1e-8)
	if len(o.m) != len(o.Params) {
		o.m, o.v = make([][]float64, len(o.Params)), make([][]float64, len(o.Params))
		for i, p := range o.Params {
			r, c := p.Dims()
			o.m[i], o.v[i] = make([]float64, r*c), make([]float64, r*c)
		}
	}
	o.t++
	c1 := 1 - math.Pow(b1, float64(o.t))
	c2 := 1 - math.Pow(b2, float64(o.t))
	step := lr / c1
	for i, p := range o.Params {
		w, g := p.Value.RawMatrix().Data, p.Grad.RawMatrix().Data
		m, v := o.m[i], o.v[i]
		for j, gj := range g[:len(m)] {
			m[j] = b1*m[j] + (1-b1)*gj
			v[j] = b2*v[j] + (1-b2)*gj*gj
			if o.WeightDecay != 0 {
				w[j] -= lr * o.WeightDecay * w[j]
			}
			w[j] -= step * m[j] / (math.Sqrt(v[j]/c2) + eps)
			g[j] = 0
		}
	}
}

func or(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
