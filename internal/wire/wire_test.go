package wire

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBits round-trips bools of every length up to 20 through AppendBits
// and Bits, checks the size (a byte per eight) and that a stray high bit, a
// length above max and a truncated input are errors.
func TestBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 20; n++ {
		s := make([]bool, n)
		for i := range s {
			s[i] = rng.IntN(2) == 1
		}
		e := AppendBits(nil, s)
		if len(e) != 8+(n+7)/8 {
			t.Fatalf("%d bits in %d bytes", n, len(e))
		}
		d := NewDecoder(append(e, 0xAB)) // a byte of what follows
		got := d.Bits(nil, n)
		if !slices.Equal(got, s) || d.Err() != nil || d.Remaining() != 1 {
			t.Fatalf("%d bits: got %v (%v), want %v", n, got, d.Err(), s)
		}
		if d := NewDecoder(e); len(d.Bits(nil, n-1)) != 0 || n > 0 && !errors.Is(d.Err(), ErrShort) {
			t.Errorf("%d bits read with max %d: error %v", n, n-1, d.Err())
		}
		if n%8 != 0 {
			bad := slices.Clone(e)
			bad[len(bad)-1] |= 0x80
			if d := NewDecoder(bad); len(d.Bits(nil, n)) != 0 || d.Err() == nil {
				t.Errorf("%d bits with a stray high bit: no error", n)
			}
		}
		if n > 0 {
			if d := NewDecoder(e[:len(e)-1]); len(d.Bits(nil, n)) != 0 || !errors.Is(d.Err(), ErrShort) {
				t.Errorf("%d bits truncated: error %v", n, d.Err())
			}
		}
	}
}
