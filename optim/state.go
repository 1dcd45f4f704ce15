package optim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/gogfn/gogfn/autograd"
)

// ErrState reports optimizer state that UnmarshalBinary cannot use: another
// optimizer's, another version's, truncated, corrupted, or sized for other
// parameters. It is wrapped with detail; test for it with errors.Is.
var ErrState = errors.New("optim: invalid optimizer state")

// stateVersion is the version of the MarshalBinary format:
//
//	magic    4 bytes naming the optimizer ("ADAM", "SGD1")
//	version  uint32
//	t        uint64, steps taken
//	n        uint32, number of buffers
//	buffers  n × (len uint32, len × float64)
//	crc      uint32, CRC-32 (IEEE) of every byte above
//
// All integers and floats are little-endian.
const stateVersion = 1

// state is the step count and per-parameter buffers of an optimizer: per
// buffers for each parameter, in the order the optimizer visits them (its
// Params, then each Group's), each the size of its parameter.
type state struct {
	t    int
	bufs [][]float64
}

// ensure sizes the buffers for the parameters, allocating them on the first
// Step. It panics if the parameters no longer fit buffers in use.
func (s *state) ensure(per int, ps []*autograd.Node, gs []Group) {
	if s.fits(per, ps, gs) == nil {
		return
	}
	if s.t > 0 {
		panic(fmt.Sprintf("optim: parameters changed after %d steps: %v", s.t, s.fits(per, ps, gs)))
	}
	s.bufs = s.bufs[:0]
	visit(ps, gs, func(p *autograd.Node) {
		r, c := p.Dims()
		for i := 0; i < per; i++ {
			s.bufs = append(s.bufs, make([]float64, r*c))
		}
	})
}

// fits returns nil if the buffers match the parameters, or an error saying
// how they differ.
func (s *state) fits(per int, ps []*autograd.Node, gs []Group) error {
	n := 0
	visit(ps, gs, func(*autograd.Node) { n++ })
	if len(s.bufs) != per*n {
		return fmt.Errorf("%d buffers for %d parameters (%d each)", len(s.bufs), n, per)
	}
	var err error
	k := 0
	visit(ps, gs, func(p *autograd.Node) {
		r, c := p.Dims()
		for i := 0; i < per; i++ {
			if len(s.bufs[k]) != r*c && err == nil {
				err = fmt.Errorf("buffer %d has %d elements, parameter %d has %d", k, len(s.bufs[k]), k/per, r*c)
			}
			k++
		}
	})
	return err
}

func visit(ps []*autograd.Node, gs []Group, f func(*autograd.Node)) {
	for _, p := range ps {
		f(p)
	}
	for _, g := range gs {
		for _, p := range g.Params {
			f(p)
		}
	}
}

func (s *state) marshal(magic string) []byte {
	n := 4 + 4 + 8 + 4 + 4
	for _, b := range s.bufs {
		n += 4 + 8*len(b)
	}
	out := make([]byte, 0, n)
	le := binary.LittleEndian
	out = append(out, magic...)
	out = le.AppendUint32(out, stateVersion)
	out = le.AppendUint64(out, uint64(s.t))
	out = le.AppendUint32(out, uint32(len(s.bufs)))
	for _, b := range s.bufs {
		out = le.AppendUint32(out, uint32(len(b)))
		for _, v := range b {
			out = le.AppendUint64(out, math.Float64bits(v))
		}
	}
	return le.AppendUint32(out, crc32.ChecksumIEEE(out))
}

// unmarshal decodes and checks data, then checks it against the parameters
// when there are any, and only then replaces s.
func (s *state) unmarshal(magic string, data []byte, per int, ps []*autograd.Node, gs []Group) error {
	le := binary.LittleEndian
	if len(data) < 4 || string(data[:4]) != magic {
		return fmt.Errorf("%w: not %s state", ErrState, magic)
	}
	if len(data) < 8 {
		return fmt.Errorf("%w: truncated", ErrState)
	}
	if v := le.Uint32(data[4:]); v != stateVersion {
		return fmt.Errorf("%w: version %d, this build reads version %d", ErrState, v, stateVersion)
	}
	if len(data) < 4+4+8+4+4 {
		return fmt.Errorf("%w: truncated", ErrState)
	}
	body, sum := data[:len(data)-4], le.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return fmt.Errorf("%w: checksum mismatch (truncated or corrupted)", ErrState)
	}
	t := le.Uint64(body[8:])
	n := int(le.Uint32(body[16:]))
	rest := body[20:]
	if t > math.MaxInt32 || n > len(rest)/4 {
		return fmt.Errorf("%w: implausible header (%d steps, %d buffers)", ErrState, t, n)
	}
	next := state{t: int(t), bufs: make([][]float64, n)}
	for i := range next.bufs {
		if len(rest) < 4 {
			return fmt.Errorf("%w: buffer %d truncated", ErrState, i)
		}
		m := int(le.Uint32(rest))
		rest = rest[4:]
		if m > len(rest)/8 {
			return fmt.Errorf("%w: buffer %d truncated", ErrState, i)
		}
		b := make([]float64, m)
		for j := range b {
			b[j] = math.Float64frombits(le.Uint64(rest[8*j:]))
		}
		next.bufs[i] = b
		rest = rest[8*m:]
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d bytes after the last buffer", ErrState, len(rest))
	}
	hasParams := len(ps) > 0
	for _, g := range gs {
		hasParams = hasParams || len(g.Params) > 0
	}
	if hasParams && (next.t > 0 || n > 0) {
		if err := next.fits(per, ps, gs); err != nil {
			return fmt.Errorf("%w: does not fit the parameters: %v", ErrState, err)
		}
	}
	*s = next
	return nil
}

// raw returns the elements of a parameter's value or gradient, which are
// contiguous (autograd.NewParam guarantees it).
func raw(m *mat.Dense) []float64 {
	g := m.RawMatrix()
	return g.Data[:g.Rows*g.Cols]
}
