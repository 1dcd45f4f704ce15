package softrl

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/wire"
)

// marshalFormat1 is MarshalBinary as it was before replayFormat2: the
// capacity first, and the flags and masks one byte each.
func marshalFormat1(r *Replay) []byte {
	d := &r.data
	n, sd, na := r.size, d.StateDim, d.NumActions
	e := wire.AppendInt(nil, d.N)
	e = wire.AppendInt(e, sd)
	e = wire.AppendInt(e, na)
	e = wire.AppendInt(e, r.next)
	e = wire.AppendInt(e, n)
	e = wire.AppendFloat(e, r.maxErr)
	e = wire.AppendInts(e, d.States[:n*sd])
	e = wire.AppendInts(e, d.Next[:n*sd])
	e = wire.AppendInts(e, d.Actions[:n])
	e = wire.AppendInts(e, d.Back[:n])
	e = wire.AppendBools(e, d.Exit[:n])
	e = wire.AppendBools(e, d.Done[:n])
	e = wire.AppendBools(e, d.Mask[:n*na])
	e = wire.AppendBools(e, d.NextMask[:n*na])
	e = wire.AppendFloats(e, d.LogPB[:n])
	e = wire.AppendFloats(e, d.LogR[:n])
	pri := make([]float64, n)
	for i := range pri {
		pri[i] = r.tree.At(i)
	}
	return wire.AppendFloats(e, pri)
}

// TestReplayFormats checks that a buffer written in the first encoding
// (checkpoints of earlier versions) reads back to the same buffer as the
// second, and that the second stores masks in an eighth of the space.
func TestReplayFormats(t *testing.T) {
	const capacity, sd, na = 50, 3, 40
	rng := rand.New(rand.NewPCG(3, 4))
	r := NewPrioritizedReplay(capacity, sd, na, 0.6)
	var tr gfn.Transitions
	tr.Resize(30, sd, na)
	errs := make([]float64, tr.N)
	for k := range tr.N {
		for j := range sd {
			tr.States[k*sd+j], tr.Next[k*sd+j] = rng.IntN(5), rng.IntN(5)
		}
		for a := range na {
			tr.Mask[k*na+a], tr.NextMask[k*na+a] = rng.IntN(2) == 1, rng.IntN(2) == 1
		}
		tr.Actions[k] = rng.IntN(na)
		tr.Mask[k*na+tr.Actions[k]] = true
		tr.Back[k] = rng.IntN(na) - 1
		tr.Done[k] = rng.IntN(3) == 0
		tr.Exit[k] = tr.Done[k] && rng.IntN(2) == 0
		tr.LogPB[k], tr.LogR[k] = -rng.Float64(), -3*rng.Float64()
		errs[k] = rng.Float64() + 0.1
	}
	r.Add(&tr, errs)
	v2, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	v1 := marshalFormat1(r)
	for name, data := range map[string][]byte{"format 1": v1, "format 2": v2} {
		got := NewPrioritizedReplay(capacity, sd, na, 0.6)
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if again, _ := got.MarshalBinary(); !bytes.Equal(again, v2) {
			t.Errorf("%s: the buffer read back differs from the one written", name)
		}
	}
	// Masks: 2·30·40 bytes in format 1, an eighth of that in format 2.
	if saved := len(v1) - len(v2); saved < 2*30*40*7/8-8 {
		t.Errorf("format 2 is %d bytes, format 1 %d: saved %d", len(v2), len(v1), saved)
	}
}
