package nn

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gogfn/gogfn/autograd"
)

// File format, version 1. Every integer is a little-endian uint32.
//
//	magic    "GFNP"
//	version  1
//	n        number of tensors
//	shapes   n × (rows, cols)
//	data     n × rows·cols float64 (IEEE 754 bits, little-endian, row-major)
//	crc      CRC-32 (IEEE) of every byte above
const (
	paramsMagic   = "GFNP"
	paramsVersion = 1
	maxTensors    = 1 << 20 // bound on n, so that a corrupt header cannot claim huge memory
)

// WriteParams writes the values of params to w in the format described in the
// package documentation. Gradients are not written.
func WriteParams(w io.Writer, params []*autograd.Node) error {
	bw := bufio.NewWriter(w)
	h := crc32.NewIEEE()
	out := io.MultiWriter(bw, h)
	var b [8]byte
	u32 := func(v int) {
		binary.LittleEndian.PutUint32(b[:4], uint32(v))
		out.Write(b[:4])
	}
	io.WriteString(out, paramsMagic)
	u32(paramsVersion)
	u32(len(params))
	for _, p := range params {
		r, c := p.Dims()
		u32(r)
		u32(c)
	}
	for _, p := range params {
		r, c := p.Dims()
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				binary.LittleEndian.PutUint64(b[:], math.Float64bits(p.Value.At(i, j)))
				out.Write(b[:])
			}
		}
	}
	binary.LittleEndian.PutUint32(b[:4], h.Sum32())
	bw.Write(b[:4])
	// bufio.Writer keeps the first write error and reports it from Flush.
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("nn: writing parameters: %w", err)
	}
	return nil
}

// ReadParams reads a parameter file written by WriteParams from r into the
// values of params, which must have the same number of tensors with the same
// shapes, in the same order. It reads exactly the bytes of one file, so more
// data may follow in r.
//
// Everything is read and validated into scratch memory before any parameter is
// written: on any error params are untouched. The error wraps ErrFormat,
// ErrVersion, ErrTruncated, ErrChecksum or ErrMismatch, or is the reader's own
// error. When a file that does not fit the model is also corrupted, the
// corruption (ErrChecksum) is reported.
func ReadParams(r io.Reader, params []*autograd.Node) error {
	d := &decoder{r: r, h: crc32.NewIEEE()}
	var magic [4]byte
	if err := d.read(magic[:]); err != nil {
		return err
	}
	if string(magic[:]) != paramsMagic {
		return fmt.Errorf("%w: magic %q, want %q", ErrFormat, magic[:], paramsMagic)
	}
	ver, err := d.u32()
	if err != nil {
		return err
	}
	if ver != paramsVersion {
		return fmt.Errorf("%w: version %d, this build reads version %d", ErrVersion, ver, paramsVersion)
	}
	n, err := d.u32()
	if err != nil {
		return err
	}
	if n > maxTensors {
		return fmt.Errorf("%w: header claims %d tensors (limit %d); the file is corrupted", ErrChecksum, n, maxTensors)
	}
	// Read the shapes as the file states them; grow the slice as they arrive
	// so memory stays proportional to the input actually read.
	var shapes [][2]uint32
	for i := uint32(0); i < n; i++ {
		rows, err := d.u32()
		if err != nil {
			return err
		}
		cols, err := d.u32()
		if err != nil {
			return err
		}
		shapes = append(shapes, [2]uint32{rows, cols})
	}
	mismatch := shapeMismatch(shapes, params)
	if mismatch != nil {
		// Stream through the data to tell corruption from a different model.
		for _, s := range shapes {
			if err := d.skip(int64(s[0]) * int64(s[1]) * 8); err != nil {
				return err
			}
		}
		if err := d.checksum(); err != nil {
			return err
		}
		return mismatch
	}
	scratch := make([][]float64, len(params))
	var b [8]byte
	for i, s := range shapes {
		v := make([]float64, int(s[0])*int(s[1]))
		for j := range v {
			if err := d.read(b[:]); err != nil {
				return err
			}
			v[j] = math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
		}
		scratch[i] = v
	}
	if err := d.checksum(); err != nil {
		return err
	}
	for i, p := range params {
		r, c := p.Dims()
		for k := 0; k < r; k++ {
			for j := 0; j < c; j++ {
				p.Value.Set(k, j, scratch[i][k*c+j])
			}
		}
	}
	return nil
}

// shapeMismatch returns an ErrMismatch error describing the first difference
// between the file's shapes and the params', or nil.
func shapeMismatch(shapes [][2]uint32, params []*autograd.Node) error {
	if len(shapes) != len(params) {
		return fmt.Errorf("%w: the file has %d tensors, the model %d", ErrMismatch, len(shapes), len(params))
	}
	for i, p := range params {
		r, c := p.Dims()
		if int64(shapes[i][0]) != int64(r) || int64(shapes[i][1]) != int64(c) {
			return fmt.Errorf("%w: tensor %d is %d×%d in the file, %d×%d in the model",
				ErrMismatch, i, shapes[i][0], shapes[i][1], r, c)
		}
	}
	return nil
}

// decoder reads from r and hashes what it reads.
type decoder struct {
	r io.Reader
	h hash.Hash32
}

func (d *decoder) read(b []byte) error {
	if _, err := io.ReadFull(d.r, b); err != nil {
		return readErr(err)
	}
	d.h.Write(b)
	return nil
}

func (d *decoder) u32() (uint32, error) {
	var b [4]byte
	if err := d.read(b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

func (d *decoder) skip(n int64) error {
	got, err := io.CopyN(d.h, d.r, n)
	if got < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return readErr(err)
	}
	return nil
}

// checksum reads the stored CRC and compares it with the hash of everything
// read before it.
func (d *decoder) checksum() error {
	want := d.h.Sum32()
	var b [4]byte
	if _, err := io.ReadFull(d.r, b[:]); err != nil {
		return readErr(err)
	}
	if got := binary.LittleEndian.Uint32(b[:]); got != want {
		return fmt.Errorf("%w: stored %08x, computed %08x", ErrChecksum, got, want)
	}
	return nil
}

func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %v", ErrTruncated, err)
	}
	return fmt.Errorf("nn: reading parameters: %w", err)
}

// SaveParams writes params to the file at path with WriteFileAtomic: a crash or
// a failed write leaves any previous file intact.
func SaveParams(path string, params []*autograd.Node) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return WriteParams(w, params) })
}

// LoadParams reads the parameter file at path into params (see ReadParams).
// On any error params are untouched.
func LoadParams(path string, params []*autograd.Node) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := ReadParams(bufio.NewReader(f), params); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// WriteFileAtomic replaces the file at path with what write writes, atomically:
// write fills a temporary file in the same directory, which is flushed to disk
// (fsync) and renamed over path only if write and every step after it succeed.
// On failure the temporary file is removed and any previous file at path is
// left as it was. A new file gets mode 0644; a replaced file keeps its mode.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	mode := os.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		mode = fi.Mode().Perm()
	}
	bw := bufio.NewWriter(f)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable. Some systems cannot sync a directory;
	// the file is in place either way, so that error is not reported.
	if d, dirErr := os.Open(dir); dirErr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// RemoveStaleTemps removes the temporary files that WriteFileAtomic leaves
// beside path when the process dies between creating and renaming one (a
// SIGKILL during a write): the files of path's directory named ".BASE.tmp…".
// Call it only where no other process is writing path at the same time,
// such as a run directory that one program owns.
func RemoveStaleTemps(path string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	matches, err := filepath.Glob(filepath.Join(dir, "."+globEscape(base)+".tmp*"))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// globEscape escapes the characters filepath.Match treats specially.
func globEscape(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(b)
}
