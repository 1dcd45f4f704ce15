package autograd

import (
	"fmt"
	"math"
)

// Element-wise functions. Each backward uses the saved input or output, whichever
// gives the derivative most cheaply.

// ReLU returns max(x, 0). Its derivative at 0 is taken to be 0.
func (t *Tape) ReLU(x *Node) *Node {
	out, xv, ov := t.unary(x)
	elt.reluFwd(ov, xv)
	out.back = reluBack
	return out
}

func reluBack(out *Node) {
	elt.reluBwd(data(out.a.Grad), data(out.Grad), data(out.Value))
}

// eltKernels is one implementation of the element-wise kernels: the portable
// loops below, or on amd64 the assembly in simd_amd64.s, which gives
// bit-identical results.
type eltKernels struct {
	reluFwd func(dst, x []float64)
	reluBwd func(xg, g, out []float64)
	add     func(dst, x, y []float64)
}

var goEltKernels = eltKernels{reluFwd: reluFwdGo, reluBwd: reluBwdGo, add: addGo}

// reluFwdGo sets dst[i] = max(x[i], 0). It panics if dst is shorter than x.
func reluFwdGo(dst, x []float64) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = max(v, 0)
	}
}

// reluBwdGo adds g[i] to xg[i] where out[i] > 0. It panics if xg or out is
// shorter than g.
func reluBwdGo(xg, g, out []float64) {
	xg, out = xg[:len(g)], out[:len(g)]
	for i, v := range g {
		if out[i] > 0 {
			xg[i] += v
		}
	}
}

// LeakyReLU returns x for x > 0 and slope·x otherwise.
func (t *Tape) LeakyReLU(x *Node, slope float64) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		if v > 0 {
			ov[i] = v
		} else {
			ov[i] = slope * v
		}
	}
	out.s0 = slope
	out.back = leakyReLUBack
	return out
}

func leakyReLUBack(out *Node) {
	gs := data(out.Grad)
	xg, xv := data(out.a.Grad)[:len(gs)], data(out.a.Value)[:len(gs)]
	slope := out.s0
	for i, g := range gs {
		if xv[i] > 0 {
			xg[i] += g
		} else {
			xg[i] += slope * g
		}
	}
}

// Tanh returns tanh(x).
func (t *Tape) Tanh(x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = math.Tanh(v)
	}
	out.back = tanhBack
	return out
}

func tanhBack(out *Node) {
	gs := data(out.Grad)
	xg, ov := data(out.a.Grad)[:len(gs)], data(out.Value)[:len(gs)]
	for i, g := range gs {
		xg[i] += g * (1 - ov[i]*ov[i])
	}
}

// Sigmoid returns 1/(1+e^−x).
func (t *Tape) Sigmoid(x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = sigmoid(v)
	}
	out.back = sigmoidBack
	return out
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

func sigmoidBack(out *Node) {
	gs := data(out.Grad)
	xg, ov := data(out.a.Grad)[:len(gs)], data(out.Value)[:len(gs)]
	for i, g := range gs {
		xg[i] += g * ov[i] * (1 - ov[i])
	}
}

// Softplus returns log(1+eˣ), computed without overflow.
func (t *Tape) Softplus(x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = softplus(v)
	}
	out.back = softplusBack
	return out
}

func softplus(v float64) float64 {
	if v > 0 {
		return v + math.Log1p(math.Exp(-v))
	}
	return math.Log1p(math.Exp(v))
}

func softplusBack(out *Node) {
	gs := data(out.Grad)
	xg, xv := data(out.a.Grad)[:len(gs)], data(out.a.Value)[:len(gs)]
	for i, g := range gs {
		xg[i] += g * sigmoid(xv[i])
	}
}

// Exp returns eˣ.
func (t *Tape) Exp(x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = math.Exp(v)
	}
	out.back = expBack
	return out
}

func expBack(out *Node) {
	gs := data(out.Grad)
	xg, ov := data(out.a.Grad)[:len(gs)], data(out.Value)[:len(gs)]
	for i, g := range gs {
		xg[i] += g * ov[i]
	}
}

// Log returns the natural logarithm of x (−Inf at 0, NaN below).
func (t *Tape) Log(x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = math.Log(v)
	}
	out.back = logBack
	return out
}

func logBack(out *Node) {
	gs := data(out.Grad)
	xg, xv := data(out.a.Grad)[:len(gs)], data(out.a.Value)[:len(gs)]
	for i, g := range gs {
		xg[i] += g / xv[i]
	}
}

// Sqrt returns √x.
func (t *Tape) Sqrt(x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = math.Sqrt(v)
	}
	out.back = sqrtBack
	return out
}

func sqrtBack(out *Node) {
	gs := data(out.Grad)
	xg, ov := data(out.a.Grad)[:len(gs)], data(out.Value)[:len(gs)]
	for i, g := range gs {
		xg[i] += g * 0.5 / ov[i]
	}
}

// Square returns x².
func (t *Tape) Square(x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = v * v
	}
	out.back = squareBack
	return out
}

func squareBack(out *Node) {
	gs := data(out.Grad)
	xg, xv := data(out.a.Grad)[:len(gs)], data(out.a.Value)[:len(gs)]
	for i, g := range gs {
		xg[i] += 2 * g * xv[i]
	}
}

// Abs returns |x|. Its derivative at 0 is taken to be 0.
func (t *Tape) Abs(x *Node) *Node {
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = math.Abs(v)
	}
	out.back = absBack
	return out
}

func absBack(out *Node) {
	gs := data(out.Grad)
	xg, xv := data(out.a.Grad)[:len(gs)], data(out.a.Value)[:len(gs)]
	for i, g := range gs {
		switch {
		case xv[i] > 0:
			xg[i] += g
		case xv[i] < 0:
			xg[i] -= g
		}
	}
}

// Clip returns x clamped to [lo, hi]. The gradient is zero where x lies outside
// (lo, hi) and is clamped.
// It panics with ErrArg if lo > hi or either bound is NaN.
func (t *Tape) Clip(x *Node, lo, hi float64) *Node {
	if !(lo <= hi) {
		panic(fmt.Errorf("%w: Clip bounds lo %v, hi %v", ErrArg, lo, hi))
	}
	out, xv, ov := t.unary(x)
	for i, v := range xv {
		ov[i] = min(max(v, lo), hi)
	}
	out.s0, out.s1 = lo, hi
	out.back = clipBack
	return out
}

func clipBack(out *Node) {
	gs := data(out.Grad)
	xg, xv := data(out.a.Grad)[:len(gs)], data(out.a.Value)[:len(gs)]
	lo, hi := out.s0, out.s1
	for i, g := range gs {
		if xv[i] > lo && xv[i] < hi {
			xg[i] += g
		}
	}
}
