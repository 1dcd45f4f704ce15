package nn

import "github.com/gogfn/gogfn/autograd"

// Module is anything with trainable parameters.
type Module interface {
	Params() []*autograd.Node
}

// NumParams returns the number of scalar parameters of m.
func NumParams(m Module) int {
	var n int
	for _, p := range m.Params() {
		r, c := p.Dims()
		n += r * c
	}
	return n
}
