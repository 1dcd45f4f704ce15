// Package wire is the binary encoding of the toolkit's checkpoints: values
// are appended to a byte slice little-endian (integers as 64 bits, floats as
// their IEEE 754 bits), slices with their length first, and read back by a
// Decoder whose first error sticks, so that a decoder checks once at the end.
// Counts read back are bounded by the bytes that remain, so a corrupt length
// cannot make a reader allocate more than the input holds.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrShort reports input that ends before a value, or a count larger than
// the input can hold.
var ErrShort = errors.New("truncated or inconsistent data")

// AppendU64 appends v.
func AppendU64(e []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(e, v) }

// AppendInt appends v.
func AppendInt(e []byte, v int) []byte { return AppendU64(e, uint64(int64(v))) }

// AppendFloat appends v.
func AppendFloat(e []byte, v float64) []byte { return AppendU64(e, math.Float64bits(v)) }

// AppendBytes appends the length of s and s.
func AppendBytes(e, s []byte) []byte { return append(AppendInt(e, len(s)), s...) }

// AppendString appends the length of s and s.
func AppendString(e []byte, s string) []byte { return append(AppendInt(e, len(s)), s...) }

// AppendInts appends the length of s and its values.
func AppendInts(e []byte, s []int) []byte {
	e = AppendInt(e, len(s))
	for _, v := range s {
		e = AppendInt(e, v)
	}
	return e
}

// AppendFloats appends the length of s and its values.
func AppendFloats(e []byte, s []float64) []byte {
	e = AppendInt(e, len(s))
	for _, v := range s {
		e = AppendFloat(e, v)
	}
	return e
}

// AppendBools appends the length of s and its values, one byte each.
func AppendBools(e []byte, s []bool) []byte {
	e = AppendInt(e, len(s))
	for _, v := range s {
		b := byte(0)
		if v {
			b = 1
		}
		e = append(e, b)
	}
	return e
}

// AppendBits appends the length of s and its values packed eight to a
// byte, the first in the lowest bit; the unused high bits of the last byte
// are zero.
func AppendBits(e []byte, s []bool) []byte {
	e = AppendInt(e, len(s))
	for i := 0; i < len(s); i += 8 {
		b := byte(0)
		for j, v := range s[i:min(i+8, len(s))] {
			if v {
				b |= 1 << j
			}
		}
		e = append(e, b)
	}
	return e
}

// Decoder reads what the Append functions wrote. The first error sticks:
// later reads return zero values, and Err reports it.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder returns a Decoder of b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Err returns the first error, or nil.
func (d *Decoder) Err() error { return d.err }

// Fail records err as the decoder's error unless it has one.
func (d *Decoder) Fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// Failf records a formatted error as the decoder's error unless it has one.
func (d *Decoder) Failf(format string, args ...any) { d.Fail(fmt.Errorf(format, args...)) }

// Remaining returns the number of bytes not yet read.
func (d *Decoder) Remaining() int { return len(d.b) }

// Done returns the decoder's error, or an error if bytes remain unread.
func (d *Decoder) Done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	return d.err
}

// U64 reads a uint64.
func (d *Decoder) U64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.err = ErrShort
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// Int reads an int.
func (d *Decoder) Int() int { return int(int64(d.U64())) }

// Float reads a float64.
func (d *Decoder) Float() float64 { return math.Float64frombits(d.U64()) }

// Count reads a length of elements of size bytes each, and fails unless it is
// in [0, max] and the input holds that many bytes.
func (d *Decoder) Count(size, max int) int {
	n := d.Int()
	if d.err == nil && (n < 0 || n > max || n > len(d.b)/size) {
		d.err = fmt.Errorf("%w: a length of %d", ErrShort, n)
	}
	if d.err != nil {
		return 0
	}
	return n
}

// Bytes reads a byte slice of at most max bytes; it aliases the input.
func (d *Decoder) Bytes(max int) []byte {
	n := d.Count(1, max)
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// String reads a string of at most max bytes.
func (d *Decoder) String(max int) string { return string(d.Bytes(max)) }

// Ints reads at most max ints into dst (reused when large enough).
func (d *Decoder) Ints(dst []int, max int) []int { return readSlice(d, dst, max, d.Int) }

// Floats reads at most max float64s into dst (reused when large enough).
func (d *Decoder) Floats(dst []float64, max int) []float64 { return readSlice(d, dst, max, d.Float) }

// readSlice reads a length and that many 8-byte values with read.
func readSlice[T any](d *Decoder, dst []T, max int, read func() T) []T {
	n := d.Count(8, max)
	dst = grow(dst, n)
	for i := range dst {
		dst[i] = read()
	}
	return dst
}

// Bools reads at most max bools into dst (reused when large enough); a byte
// other than 0 or 1 is an error.
func (d *Decoder) Bools(dst []bool, max int) []bool {
	n := d.Count(1, max)
	dst = grow(dst, n)
	for i := range dst {
		switch d.b[i] {
		case 0:
			dst[i] = false
		case 1:
			dst[i] = true
		default:
			d.err = fmt.Errorf("bool byte %d", d.b[i])
			return dst[:0]
		}
	}
	d.b = d.b[n:]
	return dst
}

// Bits reads at most max bools that AppendBits packed into dst (reused
// when large enough); unused bits that are not zero are an error.
func (d *Decoder) Bits(dst []bool, max int) []bool {
	n := d.Int()
	if d.err == nil && (n < 0 || n > max || (n+7)/8 > len(d.b)) {
		d.err = fmt.Errorf("%w: a length of %d bits", ErrShort, n)
	}
	if d.err != nil {
		return dst[:0]
	}
	dst = grow(dst, n)
	for i := range dst {
		dst[i] = d.b[i/8]>>(i%8)&1 != 0
	}
	nb := (n + 7) / 8
	if n%8 != 0 && d.b[nb-1]>>(n%8) != 0 {
		d.err = fmt.Errorf("bits past the last of %d set", n)
		return dst[:0]
	}
	d.b = d.b[nb:]
	return dst
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
