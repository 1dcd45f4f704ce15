package train

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"strings"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/wire"
	"github.com/gogfn/gogfn/nn"
)

// ErrCheckpoint reports a checkpoint that cannot be read: not a checkpoint,
// a version this package does not read, a bad checksum, a value out of
// range, or settings other than the trainer's.
var ErrCheckpoint = errors.New("train: bad checkpoint")

// Checkpoint format, version 4 (the layout of version 3, which is still
// read; 4 marks that a Soft DQN replay inside may use its second,
// bit-packed encoding, which programs that write version 3 do not read).
// Integers are little-endian 64-bit; strings and byte sections are a length
// followed by the bytes.
//
//	magic "GFNC", version (uint32)
//	settings: a count, then each key and value
//	iteration, trajectories, the divergence reference (sum, count)
//	section: the PCG state (rand.PCG.MarshalBinary)
//	section: the empirical window (empty for a non-Enumerable environment)
//	section: the mode tracker (empty without a gfn.ModeFinder)
//	the recent log-rewards, as floats, and the ring's position
//	section: the algorithm's state (Checkpointer.MarshalBinary)
//	section: the averaged model (empty without one)
//	CRC-32 (IEEE, uint32) of every byte above
const (
	ckptMagic   = "GFNC"
	ckptVersion = 4
	maxSettings = 1 << 12
)

// maxCheckpointBytes bounds the size of a checkpoint that Load reads.
const maxCheckpointBytes = 1 << 36

// Save writes a checkpoint of the trainer to path atomically (a crash leaves
// any previous checkpoint intact): the settings, the counters, the random
// state, the empirical window and the algorithm's state, everything Load
// needs to continue the run bit-identically. The algorithm must be a
// Checkpointer.
func (tr *Trainer) Save(path string) error {
	return nn.WriteFileAtomic(path, tr.WriteCheckpoint)
}

// Load restores a checkpoint written by Save into a trainer made by New with
// the same settings. It reads only a regular file, at most as many bytes as
// the file holds. On error (wrapping ErrCheckpoint for a corrupt or
// mismatched file, naming the first setting that differs) the trainer is
// unchanged. Every error names the path once.
func (tr *Trainer) Load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err // an *os.PathError, which names the path
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w: not a regular file", path, ErrCheckpoint)
	}
	if fi.Size() > maxCheckpointBytes {
		return fmt.Errorf("%s: %w: %d bytes, more than a checkpoint may have", path, ErrCheckpoint, fi.Size())
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrCheckpoint, err)
	}
	if err := tr.decode(data); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// WriteCheckpoint writes the checkpoint that Save writes to w.
func (tr *Trainer) WriteCheckpoint(w io.Writer) error {
	c, ok := tr.alg.(Checkpointer)
	if !ok {
		return fmt.Errorf("train: %T cannot be checkpointed (it is not a Checkpointer)", tr.alg)
	}
	e := append([]byte(ckptMagic), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(e[4:], ckptVersion)
	e = wire.AppendInt(e, len(tr.settings))
	for _, s := range tr.settings {
		e = wire.AppendString(wire.AppendString(e, s.Key), s.Value)
	}
	e = wire.AppendInt(e, tr.iter)
	e = wire.AppendInt(e, tr.trajs)
	e = wire.AppendFloat(e, tr.ref.sum)
	e = wire.AppendInt(e, tr.ref.n)
	rng, err := tr.src.MarshalBinary()
	if err != nil {
		return err
	}
	e = wire.AppendBytes(e, rng)
	var emp []byte
	if tr.emp != nil {
		if emp, err = tr.emp.MarshalBinary(); err != nil {
			return err
		}
	}
	e = wire.AppendBytes(e, emp)
	var modes []byte
	if tr.modes != nil {
		if modes, err = tr.modes.MarshalBinary(); err != nil {
			return err
		}
	}
	e = wire.AppendBytes(e, modes)
	e = wire.AppendFloats(e, tr.recent)
	e = wire.AppendInt(e, tr.rpos)
	state, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	e = wire.AppendBytes(e, state)
	var avg []byte
	if tr.avg != nil {
		if avg, err = tr.avg.MarshalBinary(); err != nil {
			return err
		}
	}
	e = wire.AppendBytes(e, avg)
	e = binary.LittleEndian.AppendUint32(e, crc32.ChecksumIEEE(e))
	_, err = w.Write(e)
	return err
}

// ReadCheckpoint restores a checkpoint written by WriteCheckpoint (see Load),
// reading r to its end.
func (tr *Trainer) ReadCheckpoint(r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, maxCheckpointBytes+1))
	if err != nil {
		return err
	}
	if len(data) > maxCheckpointBytes {
		return fmt.Errorf("%w: more than %d bytes", ErrCheckpoint, maxCheckpointBytes)
	}
	return tr.decode(data)
}

func (tr *Trainer) decode(data []byte) error {
	c, ok := tr.alg.(Checkpointer)
	if !ok {
		return fmt.Errorf("train: %T cannot be checkpointed (it is not a Checkpointer)", tr.alg)
	}
	if len(data) < 12 || string(data[:4]) != ckptMagic {
		return fmt.Errorf("%w: not a training checkpoint", ErrCheckpoint)
	}
	v := binary.LittleEndian.Uint32(data[4:])
	if v < 2 || v > ckptVersion {
		return fmt.Errorf("%w: version %d, this program reads versions 2 to %d", ErrCheckpoint, v, ckptVersion)
	}
	body := data[:len(data)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[len(data)-4:]) {
		return fmt.Errorf("%w: checksum mismatch (the file is corrupt)", ErrCheckpoint)
	}
	d := wire.NewDecoder(body[8:])
	ns := d.Count(16, maxSettings)
	settings := make([]gfn.Setting, ns)
	for i := range settings {
		settings[i].Key, settings[i].Value = d.String(1<<16), d.String(1<<16)
	}
	iter, trajs := d.Int(), d.Int()
	ref := meanOf{sum: d.Float(), n: d.Int()}
	rng, emp, modes := d.Bytes(1<<10), d.Bytes(len(body)), d.Bytes(len(body))
	recent := d.Floats(nil, cap(tr.recent))
	rpos := d.Int()
	state := d.Bytes(len(body))
	var avg []byte
	if v >= 3 { // version 2 had no averaged model
		avg = d.Bytes(len(body))
	}
	if err := d.Done(); err != nil {
		return fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	if err := compareSettings(settings, tr.settings); err != nil {
		return fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	if iter < 0 || trajs < 0 {
		return fmt.Errorf("%w: %d iterations and %d trajectories", ErrCheckpoint, iter, trajs)
	}
	if ref.n < 0 || ref.n > refLosses || math.IsNaN(ref.sum) || math.IsInf(ref.sum, 0) {
		return fmt.Errorf("%w: divergence reference of %d losses summing to %v", ErrCheckpoint, ref.n, ref.sum)
	}
	if (len(emp) > 0) != (tr.emp != nil) || (len(modes) > 0) != (tr.modes != nil) {
		return fmt.Errorf("%w: the empirical window or the mode tracker does not match the environment", ErrCheckpoint)
	}
	if rpos < 0 || rpos >= max(len(recent), 1) || (len(recent) < cap(tr.recent) && rpos != 0) {
		return fmt.Errorf("%w: %d recent rewards at position %d", ErrCheckpoint, len(recent), rpos)
	}
	for _, r := range recent {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("%w: a recent log-reward %v", ErrCheckpoint, r)
		}
	}
	// Decode everything into copies first, so that the trainer is unchanged
	// on error.
	src := *tr.src
	if err := src.UnmarshalBinary(rng); err != nil {
		return fmt.Errorf("%w: random state: %v", ErrCheckpoint, err)
	}
	var window *gfn.Empirical
	if tr.emp != nil {
		window = gfn.NewEmpirical(tr.enum.NumStates(), tr.emp.Window())
		if err := window.UnmarshalBinary(emp); err != nil {
			return fmt.Errorf("%w: %v", ErrCheckpoint, err)
		}
	}
	var tracker gfn.ModeTracker
	if tr.modes != nil {
		tracker = tr.env.(gfn.ModeFinder).NewModeTracker()
		if err := tracker.UnmarshalBinary(modes); err != nil {
			return fmt.Errorf("%w: %v", ErrCheckpoint, err)
		}
	}
	if (len(avg) > 0) != (tr.avg != nil) {
		return fmt.Errorf("%w: the averaged model does not match Config.Average", ErrCheckpoint)
	}
	var average averager
	if tr.avg != nil {
		average, _ = newAverager(tr.avgCfg, tr.alg)
		if err := average.UnmarshalBinary(avg); err != nil {
			return fmt.Errorf("%w: averaged model: %v", ErrCheckpoint, err)
		}
	}
	if err := c.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	tr.avg = average
	*tr.src = src
	tr.modes = tracker
	tr.recent, tr.rpos = append(tr.recent[:0], recent...), rpos
	tr.iter, tr.trajs, tr.emp, tr.ref = iter, trajs, window, ref
	return nil
}

// compareSettings returns an error naming every setting in which the
// checkpoint's (got) and the trainer's (want) differ.
func compareSettings(got, want []gfn.Setting) error {
	g, w := map[string]string{}, map[string]string{}
	for _, s := range got {
		g[s.Key] = s.Value
	}
	var diffs []string
	for _, s := range want {
		w[s.Key] = s.Value
		v, ok := g[s.Key]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s is %q here and absent from the checkpoint", s.Key, s.Value))
		case v != s.Value:
			diffs = append(diffs, fmt.Sprintf("%s is %q in the checkpoint and %q here", s.Key, v, s.Value))
		}
	}
	for _, s := range got {
		if _, ok := w[s.Key]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s is %q in the checkpoint and absent here", s.Key, s.Value))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("the checkpoint was written with other settings: %s", strings.Join(diffs, "; "))
	}
	return nil
}

func errorf(format string, args ...any) error { return fmt.Errorf("train: "+format, args...) }
