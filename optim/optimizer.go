package optim

import (
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
)

// Optimizer updates parameters from their accumulated gradients. Step applies
// one update and zeroes the gradients of the parameters it updated.
type Optimizer interface {
	Step()
}

// Group is a set of parameters with its own learning rate and weight decay,
// trained by the same optimizer as the others: for example a GFlowNet's log Z
// at 0.1 beside the network at 1e-3.
type Group struct {
	Params []*autograd.Node
	// LR is the group's learning rate; 0 means the optimizer's LR. The
	// optimizer's Schedule scales it like every other learning rate.
	LR float64
	// WeightDecay is the group's weight decay; 0 means none. It does not
	// inherit the optimizer's WeightDecay, which applies to its Params only.
	WeightDecay float64
}

// group returns the parameters, learning rate and weight decay of group g of
// an optimizer whose own Params, scheduled learning rate and weight decay are
// ps, lr and wd; g = −1 is the optimizer's own Params.
func group(g int, ps []*autograd.Node, lr, wd, scale float64, gs []Group) ([]*autograd.Node, float64, float64) {
	if g < 0 {
		return ps, lr, wd
	}
	if gs[g].LR != 0 {
		lr = gs[g].LR * scale
	}
	return gs[g].Params, lr, gs[g].WeightDecay
}

// ClipGradNorm scales the gradients of params so that their global L2 norm,
// √(Σ‖∂p‖²) over every element of every parameter, is at most maxNorm, and
// returns the norm before clipping. Gradients whose norm is within maxNorm are
// left alone; otherwise each is multiplied by maxNorm/norm. A non-finite norm
// (an infinite or NaN gradient) is returned and nothing is scaled, so the
// caller can skip the step. Nodes without a gradient are skipped.
//
// It panics if maxNorm is not positive.
func ClipGradNorm(params []*autograd.Node, maxNorm float64) (norm float64) {
	if !(maxNorm > 0) {
		panic(fmt.Sprintf("optim: ClipGradNorm with maxNorm %v", maxNorm))
	}
	var ss float64
	for _, p := range params {
		if p.Grad != nil {
			for _, g := range raw(p.Grad) {
				ss += g * g
			}
		}
	}
	norm = math.Sqrt(ss)
	if norm > maxNorm && !math.IsInf(norm, 1) {
		s := maxNorm / norm
		for _, p := range params {
			if p.Grad != nil {
				g := raw(p.Grad)
				for i := range g {
					g[i] *= s
				}
			}
		}
	}
	return norm
}

// Polyak moves each dst[i] towards src[i]: dst ← (1−τ)·dst + τ·src, the soft
// target-network update. τ = 1 copies src; τ = 0 leaves dst as it is.
// Gradients are not touched.
//
// It panics if τ is outside [0, 1], len(dst) ≠ len(src) or a pair differs in
// shape; nothing is changed in that case.
func Polyak(dst, src []*autograd.Node, tau float64) {
	if !(tau >= 0 && tau <= 1) {
		panic(fmt.Sprintf("optim: Polyak with τ = %v outside [0, 1]", tau))
	}
	checkPairs("Polyak", dst, src)
	for i := range dst {
		polyakKernel(raw(dst[i].Value), raw(src[i].Value), tau)
	}
}

// polyakFunc is the signature of the Polyak kernels: polyakGo and, on amd64,
// the assembly kernels.
type polyakFunc func(d, s []float64, tau float64)

// polyakGo is the portable Polyak kernel: d[j] ← (1−τ)·d[j] + τ·s[j], the
// two products and the sum each rounded (the conversions forbid a fused
// multiply-add), as the assembly kernels compute it.
// It panics if s is shorter than d.
func polyakGo(d, s []float64, tau float64) {
	s = s[:len(d)]
	c := 1 - tau
	for j := range d {
		d[j] = float64(c*d[j]) + float64(tau*s[j])
	}
}

// HardUpdate copies the value of each src[i] into dst[i]: the hard
// target-network update. Gradients are not touched.
//
// It panics if len(dst) ≠ len(src) or a pair differs in shape; nothing is
// changed in that case.
func HardUpdate(dst, src []*autograd.Node) {
	checkPairs("HardUpdate", dst, src)
	for i := range dst {
		copy(raw(dst[i].Value), raw(src[i].Value))
	}
}

func checkPairs(op string, dst, src []*autograd.Node) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("optim: %s of %d parameters into %d", op, len(src), len(dst)))
	}
	for i := range dst {
		dr, dc := dst[i].Dims()
		sr, sc := src[i].Dims()
		if dr != sr || dc != sc {
			panic(fmt.Sprintf("optim: %s: parameter %d is %d×%d in the source and %d×%d in the destination", op, i, sr, sc, dr, dc))
		}
	}
}
