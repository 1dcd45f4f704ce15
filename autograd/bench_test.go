package autograd

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// benchBinary times op(a, b) for a [m×n] and b [br×bc], both parameters: the
// forward pass alone, or the backward closure alone.
func benchBinary(b *testing.B, op func(*Tape, *Node, *Node) *Node, m, n, br, bc int, backward bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	fill := func(r, c int) *Node {
		d := mat.NewDense(r, c, nil)
		for i := range d.RawMatrix().Data {
			d.RawMatrix().Data[i] = 0.5 + rng.Float64()
		}
		return NewParam(d)
	}
	x, y := fill(m, n), fill(br, bc)
	var tp Tape
	out := op(&tp, x, y)
	for i := range data(out.Grad) {
		data(out.Grad)[i] = rng.Float64()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if backward {
			out.back(out)
		} else {
			tp.Reset()
			op(&tp, x, y)
		}
	}
}

func BenchmarkAddSame1024x256(b *testing.B) { benchBinary(b, (*Tape).Add, 1024, 256, 1024, 256, false) }
func BenchmarkAddSameBack1024x256(b *testing.B) {
	benchBinary(b, (*Tape).Add, 1024, 256, 1024, 256, true)
}
func BenchmarkAddRow1024x256(b *testing.B)     { benchBinary(b, (*Tape).Add, 1024, 256, 1, 256, false) }
func BenchmarkAddRowBack1024x256(b *testing.B) { benchBinary(b, (*Tape).Add, 1024, 256, 1, 256, true) }
func BenchmarkMulColBack1024x256(b *testing.B) { benchBinary(b, (*Tape).Mul, 1024, 256, 1024, 1, true) }
func BenchmarkMulRowBack1024x256(b *testing.B) { benchBinary(b, (*Tape).Mul, 1024, 256, 1, 256, true) }
func BenchmarkDivColBack1024x256(b *testing.B) { benchBinary(b, (*Tape).Div, 1024, 256, 1024, 1, true) }
func BenchmarkSubScalar16x5(b *testing.B)      { benchBinary(b, (*Tape).Sub, 16, 5, 1, 1, false) }
func BenchmarkSubRowBack16x5(b *testing.B)     { benchBinary(b, (*Tape).Sub, 16, 5, 1, 5, true) }

func benchUnaryBack(b *testing.B, op func(*Tape, *Node) *Node) {
	benchBinary(b, func(tp *Tape, x, _ *Node) *Node { return op(tp, x) }, 1024, 256, 1, 1, true)
}

func BenchmarkReLUBack1024x256(b *testing.B) { benchUnaryBack(b, (*Tape).ReLU) }
func BenchmarkClipBack1024x256(b *testing.B) {
	benchUnaryBack(b, func(tp *Tape, x *Node) *Node { return tp.Clip(x, 0.7, 1.2) })
}
func BenchmarkHuberBack1024x256(b *testing.B) {
	benchUnaryBack(b, func(tp *Tape, x *Node) *Node { return tp.huber(x, 1) })
}
