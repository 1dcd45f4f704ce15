package nn

import (
	"fmt"

	"github.com/gogfn/gogfn/autograd"
)

// Module is anything with trainable parameters.
type Module interface {
	Params() []*autograd.Node
}

var (
	_ Module = (*Linear)(nil)
	_ Module = (*MLP)(nil)
	_ Module = (*Heads)(nil)
)

// NumParams returns the number of scalar parameters of m.
func NumParams(m Module) int {
	var n int
	for _, p := range m.Params() {
		r, c := p.Dims()
		n += r * c
	}
	return n
}

// Params returns the parameters of every module, in order: one list to give an
// optimizer or WriteParams for a model made of several parts.
func Params(ms ...Module) []*autograd.Node {
	var ps []*autograd.Node
	for _, m := range ms {
		ps = append(ps, m.Params()...)
	}
	return ps
}

// ZeroGrad sets the gradient of every parameter of every module to zero.
func ZeroGrad(ms ...Module) {
	for _, m := range ms {
		autograd.ZeroGrad(m.Params()...)
	}
}

// CopyParams copies the parameter values of src into those of dst, which must
// have the same structure: the usual way to refresh a target network. Gradients
// are not touched.
//
// It panics if dst and src have different numbers of parameters or a pair of
// parameters differs in shape; nothing is copied in that case.
func CopyParams(dst, src Module) {
	CopyValues(dst.Params(), src.Params())
}

// CopyValues copies the value of each src[i] into dst[i].
//
// It panics if len(dst) ≠ len(src) or a pair differs in shape; nothing is
// copied in that case.
func CopyValues(dst, src []*autograd.Node) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("nn: copying %d parameters into %d", len(src), len(dst)))
	}
	for i := range dst {
		dr, dc := dst[i].Dims()
		sr, sc := src[i].Dims()
		if dr != sr || dc != sc {
			panic(fmt.Sprintf("nn: parameter %d is %d×%d in the source and %d×%d in the destination", i, sr, sc, dr, dc))
		}
	}
	for i := range dst {
		dst[i].Value.Copy(src[i].Value)
	}
}
