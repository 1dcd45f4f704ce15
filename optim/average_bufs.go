package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/gogfn/gogfn/autograd"
)

var errSwapped = errors.New("optim: MarshalBinary while the average is swapped in")

// held is the weights an averager gives, and whether Swap has put them into
// the parameters (and the parameters' values into bufs).
type held struct {
	bufs    [][]float64
	swapped bool
}

// copyTo implements CopyTo for an averager of n iterates over ps.
func (h *held) copyTo(name string, n int, dst, ps []*autograd.Node) {
	checkCount(name, n)
	copyBufs(dst, h.bufs, h.swapped, ps)
}

// swap implements Swap for an averager of n iterates over ps.
func (h *held) swap(name string, n int, ps []*autograd.Node) {
	checkCount(name, n)
	swapBufs(ps, h.bufs)
	h.swapped = !h.swapped
}

// marshal implements MarshalBinary: the update count t, metadata, the held
// buffers and then more groups of buffers.
func (h *held) marshal(magic string, t int, meta []float64, more ...[][]float64) ([]byte, error) {
	if h.swapped {
		return nil, errSwapped
	}
	return marshalAvg(magic, t, meta, append([][][]float64{h.bufs}, more...)...), nil
}

// decode decodes state written by marshalAvg with nmeta metadata values and,
// after the first update, n groups of buffers fitting ps.
func decode(magic string, data []byte, nmeta int, ps []*autograd.Node, n int) (t int, meta []float64, bufs [][]float64, err error) {
	t, meta, bufs, err = unmarshalAvg(magic, data, nmeta)
	if err == nil && t == 0 {
		n = 0
	}
	if err == nil {
		err = fitGroups(bufs, ps, n)
	}
	return t, meta, bufs, err
}

// accumulate folds the parameters' values into avg as the k-th iterate of a
// uniform mean: avg ← avg + (θ − avg)/k, a copy when k = 1.
func accumulate(avg [][]float64, ps []*autograd.Node, k int) {
	for i, p := range ps {
		meanStep(avg[i], raw(p.Value), k)
	}
}

// meanStep sets a ← a + (x − a)/k, or a ← x when k = 1. The division (not a
// multiplication by 1/k) follows PyTorch's AveragedModel, and keeps means of
// exactly representable values exact.
func meanStep(a, x []float64, k int) {
	if k == 1 {
		copy(a, x[:len(a)])
		return
	}
	meanKernel(a, x, float64(k))
}

// meanGo is the portable mean kernel: a[j] ← a[j] + (x[j] − a[j])/k.
func meanGo(a, x []float64, k float64) {
	x = x[:len(a)]
	for j := range a {
		a[j] += (x[j] - a[j]) / k
	}
}

// emaGo is the portable EMA kernel: a[j] ← a[j]·keep + x[j]·take. The
// float64 conversions forbid fusing a multiplication and an addition (which
// the Go spec allows, and some targets do), so that every platform rounds
// alike.
func emaGo(a, x []float64, keep, take float64) {
	x = x[:len(a)]
	for j := range a {
		a[j] = float64(a[j]*keep) + float64(x[j]*take)
	}
}

// ensureBufs allocates parameter-sized buffers on the first Update (t = 0)
// and afterwards panics if the parameters no longer fit them.
func ensureBufs(b *[][]float64, ps []*autograd.Node, t int) {
	if t == 0 && fitBufs(*b, ps) != nil {
		*b = newBufs(ps)
		return
	}
	if err := fitBufs(*b, ps); err != nil {
		panic(fmt.Sprintf("optim: parameters changed after %d updates: %v", t, err))
	}
}

func newBufs(ps []*autograd.Node) [][]float64 {
	b := make([][]float64, len(ps))
	for i, p := range ps {
		r, c := p.Dims()
		b[i] = make([]float64, r*c)
	}
	return b
}

// fitBufs returns nil if b has one buffer of the right size per parameter.
func fitBufs(b [][]float64, ps []*autograd.Node) error {
	if len(b) != len(ps) {
		return fmt.Errorf("%d buffers for %d parameters", len(b), len(ps))
	}
	for i, p := range ps {
		if r, c := p.Dims(); len(b[i]) != r*c {
			return fmt.Errorf("buffer %d has %d elements, parameter %d has %d", i, len(b[i]), i, r*c)
		}
	}
	return nil
}

// copyBufs writes b into the values of dst. When the average is swapped in,
// it lives in ps, which is read instead.
func copyBufs(dst []*autograd.Node, b [][]float64, swapped bool, ps []*autograd.Node) {
	checkDst(dst, ps)
	for i := range dst {
		if swapped {
			copy(raw(dst[i].Value), raw(ps[i].Value))
		} else {
			copy(raw(dst[i].Value), b[i])
		}
	}
}

// checkDst panics unless dst has the shapes of ps.
func checkDst(dst, ps []*autograd.Node) {
	if len(dst) != len(ps) {
		panic(fmt.Sprintf("optim: CopyTo of %d parameters into %d", len(ps), len(dst)))
	}
	for i := range dst {
		dr, dc := dst[i].Dims()
		pr, pc := ps[i].Dims()
		if dr != pr || dc != pc {
			panic(fmt.Sprintf("optim: CopyTo: parameter %d is %d×%d, destination %d×%d", i, pr, pc, dr, dc))
		}
	}
}

// swapBufs exchanges b with the parameters' values, element by element.
func swapBufs(ps []*autograd.Node, b [][]float64) {
	if err := fitBufs(b, ps); err != nil {
		panic(fmt.Sprintf("optim: Swap: %v", err))
	}
	for i, p := range ps {
		x := raw(p.Value)
		a := b[i][:len(x)]
		for j := range x {
			x[j], a[j] = a[j], x[j]
		}
	}
}

func checkCount(name string, n int) {
	if n == 0 {
		panic(fmt.Sprintf("optim: %s has no average yet", name))
	}
}

func checkNotSwapped(name string, swapped bool) {
	if swapped {
		panic(fmt.Sprintf("optim: %s.Update while the average is swapped in", name))
	}
}

// marshalAvg writes an averager's state in the optimizers' format: the
// update count as the step count, then a buffer of scalar metadata, then the
// parameter-sized buffers of each group in turn.
func marshalAvg(magic string, t int, meta []float64, groups ...[][]float64) []byte {
	s := state{t: t, bufs: [][]float64{meta}}
	for _, g := range groups {
		s.bufs = append(s.bufs, g...)
	}
	return s.marshal(magic)
}

// unmarshalAvg decodes and checks state written by marshalAvg with nmeta
// metadata values, and returns the update count, the metadata and the
// parameter-sized buffers, which the caller checks with fitGroups.
func unmarshalAvg(magic string, data []byte, nmeta int) (t int, meta []float64, rest [][]float64, err error) {
	var s state
	if err := s.unmarshal(magic, data, 0, nil, nil); err != nil {
		return 0, nil, nil, err
	}
	if len(s.bufs) == 0 || len(s.bufs[0]) != nmeta {
		return 0, nil, nil, fmt.Errorf("%w: malformed metadata", ErrState)
	}
	return s.t, s.bufs[0], s.bufs[1:], nil
}

// fitGroups returns an error wrapping ErrState unless rest holds exactly n
// groups of buffers, each fitting ps.
func fitGroups(rest [][]float64, ps []*autograd.Node, n int) error {
	if len(rest) != n*len(ps) {
		return fmt.Errorf("%w: does not fit the parameters: %d buffers, want %d groups of %d", ErrState, len(rest), n, len(ps))
	}
	for g := 0; g < n; g++ {
		if err := fitBufs(rest[g*len(ps):(g+1)*len(ps)], ps); err != nil {
			return fmt.Errorf("%w: does not fit the parameters: %v", ErrState, err)
		}
	}
	return nil
}

// count converts a metadata value to a count between 0 and max.
func count(v float64, max int) (int, error) {
	if !(v >= 0 && v <= float64(max)) || v != math.Trunc(v) {
		return 0, fmt.Errorf("%w: implausible count %v", ErrState, v)
	}
	return int(v), nil
}
