package gfn

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/gogfn/gogfn/nn"
)

// Checkpoint format, version 1. Integers are little-endian uint64; a
// "section" is a length followed by that many bytes.
//
//	magic "GFNT", version (uint32)
//	iteration, trajectories
//	section: the PCG state (rand.PCG.MarshalBinary)
//	section: policy then objective parameters (nn.WriteParams)
//	section: Opt state; section: BackOpt state (empty without one)
//	section: the empirical window (empty for a non-Enumerable env)
//	number of stored replay batches, then each batch
//	CRC-32 (IEEE, uint32) of every byte above
const (
	ckptMagic   = "GFNT"
	ckptVersion = 1
)

// Save writes a checkpoint of the trainer to path atomically (a crash leaves
// any previous checkpoint intact): parameters, optimizer states, the
// iteration, the random state, the empirical window and the replay batches,
// everything needed for Load to continue the run bit-identically.
func (tr *Trainer) Save(path string) error {
	return nn.WriteFileAtomic(path, tr.WriteCheckpoint)
}

// Load restores a checkpoint written by Save into a trainer made by
// NewTrainer with the same configuration. On error (wrapping ErrCheckpoint
// for a corrupt or mismatched file) the trainer is unchanged.
func (tr *Trainer) Load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := tr.ReadCheckpoint(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// WriteCheckpoint writes the checkpoint that Save writes to w.
func (tr *Trainer) WriteCheckpoint(w io.Writer) error {
	var e []byte
	e = append(e, ckptMagic...)
	e = binary.LittleEndian.AppendUint32(e, ckptVersion)
	e = binary.LittleEndian.AppendUint64(e, uint64(tr.iter))
	e = binary.LittleEndian.AppendUint64(e, uint64(tr.trajs))
	rng, err := tr.src.MarshalBinary()
	if err != nil {
		return err
	}
	e = section(e, rng)
	var pb bytes.Buffer
	if err := nn.WriteParams(&pb, tr.params); err != nil {
		return err
	}
	e = section(e, pb.Bytes())
	opt, err := tr.Opt.MarshalBinary()
	if err != nil {
		return err
	}
	e = section(e, opt)
	var back []byte
	if tr.BackOpt != nil {
		if back, err = tr.BackOpt.MarshalBinary(); err != nil {
			return err
		}
	}
	e = section(e, back)
	var emp []byte
	if tr.emp != nil {
		emp = tr.emp.appendBinary(nil)
	}
	e = section(e, emp)
	e = binary.LittleEndian.AppendUint64(e, uint64(tr.nrep))
	for i := 0; i < tr.nrep; i++ {
		e = tr.replay[i].appendBinary(e)
	}
	e = binary.LittleEndian.AppendUint32(e, crc32.ChecksumIEEE(e))
	_, err = w.Write(e)
	return err
}

// ReadCheckpoint restores a checkpoint written by WriteCheckpoint (see Load).
func (tr *Trainer) ReadCheckpoint(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(data) < 8 || string(data[:4]) != ckptMagic {
		return fmt.Errorf("%w: not a trainer checkpoint", ErrCheckpoint)
	}
	if v := binary.LittleEndian.Uint32(data[4:]); v != ckptVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrCheckpoint, v, ckptVersion)
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return fmt.Errorf("%w: checksum mismatch", ErrCheckpoint)
	}
	d := &decoder{b: body[8:]}
	iter, trajs := int(d.u64()), int(d.u64())
	rng, params, opt, back, emp := d.section(), d.section(), d.section(), d.section(), d.section()
	nrep := int(d.u64())
	if d.err != nil || nrep > len(tr.replay) || (len(back) > 0) != (tr.BackOpt != nil) || (len(emp) > 0) != (tr.emp != nil) {
		return fmt.Errorf("%w: does not match the trainer", ErrCheckpoint)
	}
	replay := make([]Batch, nrep)
	for i := range replay {
		replay[i].readBinary(d)
	}
	var empirical *Empirical
	if tr.emp != nil {
		empirical = &Empirical{window: tr.emp.window, counts: make([]int, len(tr.emp.counts)), seen: make([]bool, len(tr.emp.seen))}
		empirical.readBinary(&decoder{b: emp})
	}
	if d.err != nil || len(d.b) != 0 {
		return fmt.Errorf("%w: malformed", ErrCheckpoint)
	}
	if empirical != nil && empirical.err != nil {
		return fmt.Errorf("%w: %v", ErrCheckpoint, empirical.err)
	}

	// Apply, undoing what was applied if a later part does not fit.
	var undo bytes.Buffer
	if err := nn.WriteParams(&undo, tr.params); err != nil {
		return err
	}
	optUndo, _ := tr.Opt.MarshalBinary()
	if err := nn.ReadParams(bytes.NewReader(params), tr.params); err != nil {
		return fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	restore := func(err error) error {
		nn.ReadParams(bytes.NewReader(undo.Bytes()), tr.params)
		tr.Opt.UnmarshalBinary(optUndo)
		return fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	if err := tr.Opt.UnmarshalBinary(opt); err != nil {
		return restore(err)
	}
	if tr.BackOpt != nil {
		if err := tr.BackOpt.UnmarshalBinary(back); err != nil {
			return restore(err)
		}
	}
	if err := tr.src.UnmarshalBinary(rng); err != nil {
		return restore(err)
	}
	tr.iter, tr.trajs, tr.nrep = iter, trajs, nrep
	copy(tr.replay, replay)
	if empirical != nil {
		tr.emp = empirical
	}
	return nil
}

func section(e, s []byte) []byte {
	e = binary.LittleEndian.AppendUint64(e, uint64(len(s)))
	return append(e, s...)
}

// decoder reads what the append functions wrote; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) u64() uint64 {
	if d.err != nil || len(d.b) < 8 {
		d.err = io.ErrUnexpectedEOF
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) section() []byte {
	n := d.u64()
	if d.err != nil || n > uint64(len(d.b)) {
		d.err = io.ErrUnexpectedEOF
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

// count reads a length and checks that at least n·size bytes remain.
func (d *decoder) count(size int) int {
	n := d.u64()
	if d.err == nil && n > uint64(len(d.b)/size) {
		d.err = io.ErrUnexpectedEOF
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

func appendInts(e []byte, s []int) []byte {
	e = binary.LittleEndian.AppendUint64(e, uint64(len(s)))
	for _, v := range s {
		e = binary.LittleEndian.AppendUint64(e, uint64(v))
	}
	return e
}

func (d *decoder) ints() []int {
	s := make([]int, d.count(8))
	for i := range s {
		s[i] = int(int64(d.u64()))
	}
	return s
}

func appendFloats(e []byte, s []float64) []byte {
	e = binary.LittleEndian.AppendUint64(e, uint64(len(s)))
	for _, v := range s {
		e = binary.LittleEndian.AppendUint64(e, math.Float64bits(v))
	}
	return e
}

func (d *decoder) floats() []float64 {
	s := make([]float64, d.count(8))
	for i := range s {
		s[i] = math.Float64frombits(d.u64())
	}
	return s
}

func (b *Batch) appendBinary(e []byte) []byte {
	m := b.M()
	e = binary.LittleEndian.AppendUint64(e, uint64(b.StateDim))
	e = appendInts(e, b.Len[:b.N])
	e = appendInts(e, b.Offset[:b.N+1])
	e = appendFloats(e, b.LogReward[:b.N])
	e = appendInts(e, b.Actions[:m])
	e = appendInts(e, b.Back[:m])
	ex := make([]int, m)
	for i, v := range b.Exit[:m] {
		if v {
			ex[i] = 1
		}
	}
	e = appendInts(e, ex)
	e = appendInts(e, b.Traj[:m])
	e = appendInts(e, b.States[:(m+b.N)*b.StateDim])
	return appendFloats(e, b.StateLogReward)
}

func (b *Batch) readBinary(d *decoder) {
	b.StateDim = int(d.u64())
	b.Len, b.Offset, b.LogReward = d.ints(), d.ints(), d.floats()
	b.Actions, b.Back = d.ints(), d.ints()
	ex := d.ints()
	b.Traj, b.States, b.StateLogReward = d.ints(), d.ints(), d.floats()
	b.N = len(b.Len)
	b.Exit = make([]bool, len(ex))
	for i, v := range ex {
		b.Exit[i] = v != 0
	}
	if d.err == nil && (b.N < 1 || len(b.Offset) != b.N+1 || b.Offset[b.N] != len(b.Actions) || b.StateDim < 1 ||
		len(b.States) != (b.Offset[b.N]+b.N)*b.StateDim) {
		d.err = fmt.Errorf("inconsistent replay batch")
	}
}

func (e *Empirical) appendBinary(dst []byte) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.pos))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(e.total))
	dst = appendInts(dst, e.ring)
	var seen []int
	for i, s := range e.seen {
		if s {
			seen = append(seen, i)
		}
	}
	return appendInts(dst, seen)
}

// readBinary fills e (with window, counts and seen sized) from d; errors go
// to e.err.
func (e *Empirical) readBinary(d *decoder) {
	e.pos, e.total = int(d.u64()), int(d.u64())
	e.ring = append(make([]int, 0, e.window), d.ints()...)
	seen := d.ints()
	if d.err != nil || len(e.ring) > e.window || e.pos < 0 || e.pos >= e.window {
		e.err = fmt.Errorf("malformed empirical window")
		return
	}
	for _, i := range e.ring {
		if i < 0 || i >= len(e.counts) {
			e.err = fmt.Errorf("empirical state %d out of range", i)
			return
		}
		e.counts[i]++
	}
	for _, i := range seen {
		if i < 0 || i >= len(e.seen) {
			e.err = fmt.Errorf("empirical state %d out of range", i)
			return
		}
		e.seen[i] = true
	}
}
