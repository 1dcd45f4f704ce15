package nn

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gogfn/gogfn/autograd"
	"gonum.org/v1/gonum/mat"
)

// smallModel returns a seeded 2→3→1 MLP: a parameter file of 4 tensors.
func smallModel(seed uint64) *MLP {
	return NewMLP([]int{2, 3, 1}, Tanh, rand.New(rand.NewPCG(seed, 1)))
}

func encode(t *testing.T, ps []*autograd.Node) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteParams(&buf, ps); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// snapshot returns copies of the values of ps.
func snapshot(ps []*autograd.Node) []*mat.Dense {
	s := make([]*mat.Dense, len(ps))
	for i, p := range ps {
		s[i] = mat.DenseCopyOf(p.Value)
	}
	return s
}

func checkUntouched(t *testing.T, what string, ps []*autograd.Node, want []*mat.Dense) {
	t.Helper()
	for i, p := range ps {
		if !mat.Equal(p.Value, want[i]) {
			t.Fatalf("%s: parameter %d changed after a failed read", what, i)
		}
	}
}

func TestParamsRoundTrip(t *testing.T) {
	src, dst := smallModel(1), smallModel(2)
	b := encode(t, src.Params())
	wantLen := 4 + 4 + 4 + 4*8 + (2*3+3+3*1+1)*8 + 4
	if len(b) != wantLen {
		t.Fatalf("file is %d bytes, want %d", len(b), wantLen)
	}
	// Trailing data after the file is left for the caller.
	r := bytes.NewReader(append(b, 0xAA))
	if err := ReadParams(r, dst.Params()); err != nil {
		t.Fatal(err)
	}
	if r.Len() != 1 {
		t.Errorf("ReadParams left %d bytes, want 1", r.Len())
	}
	for i, p := range dst.Params() {
		if !mat.Equal(p.Value, src.Params()[i].Value) {
			t.Errorf("parameter %d differs after the round trip", i)
		}
	}
}

func TestReadParamsTruncated(t *testing.T) {
	b := encode(t, smallModel(1).Params())
	m := smallModel(2)
	want := snapshot(m.Params())
	for n := 0; n < len(b); n++ {
		err := ReadParams(bytes.NewReader(b[:n]), m.Params())
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("prefix of %d/%d bytes: err = %v, want ErrTruncated", n, len(b), err)
		}
		checkUntouched(t, "truncated", m.Params(), want)
	}
}

func TestReadParamsFlippedByte(t *testing.T) {
	b := encode(t, smallModel(1).Params())
	m := smallModel(2)
	want := snapshot(m.Params())
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x10
		err := ReadParams(bytes.NewReader(c), m.Params())
		if err == nil {
			t.Fatalf("byte %d flipped: no error", i)
		}
		switch {
		case i < 4:
			if !errors.Is(err, ErrFormat) {
				t.Errorf("magic byte %d flipped: %v, want ErrFormat", i, err)
			}
		case i < 8:
			if !errors.Is(err, ErrVersion) {
				t.Errorf("version byte %d flipped: %v, want ErrVersion", i, err)
			}
		case i >= 12+4*8: // data and checksum: only the CRC can tell
			if !errors.Is(err, ErrChecksum) {
				t.Errorf("byte %d flipped: %v, want ErrChecksum", i, err)
			}
		default: // count and shapes: corrupt, so never reported as a model mismatch
			if errors.Is(err, ErrMismatch) {
				t.Errorf("header byte %d flipped: reported as a mismatch: %v", i, err)
			}
		}
		checkUntouched(t, "flipped", m.Params(), want)
	}
}

func TestReadParamsMismatch(t *testing.T) {
	b := encode(t, smallModel(1).Params())
	for _, tc := range []struct {
		name string
		m    *MLP
	}{
		{"shape", NewMLP([]int{2, 4, 1}, Tanh, rand.New(rand.NewPCG(3, 1)))},
		{"count", NewMLP([]int{2, 3, 3, 1}, Tanh, rand.New(rand.NewPCG(3, 1)))},
	} {
		want := snapshot(tc.m.Params())
		err := ReadParams(bytes.NewReader(b), tc.m.Params())
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: err = %v, want ErrMismatch", tc.name, err)
		}
		t.Logf("%s: %v", tc.name, err)
		checkUntouched(t, tc.name, tc.m.Params(), want)
	}
}

func TestReadParamsWrongMagicVersion(t *testing.T) {
	b := encode(t, smallModel(1).Params())
	m := smallModel(2)
	want := snapshot(m.Params())
	bad := bytes.Clone(b)
	copy(bad, "PNG\x89")
	if err := ReadParams(bytes.NewReader(bad), m.Params()); !errors.Is(err, ErrFormat) {
		t.Errorf("wrong magic: %v", err)
	}
	bad = bytes.Clone(b)
	bad[4] = 2 // version 2
	err := ReadParams(bytes.NewReader(bad), m.Params())
	if !errors.Is(err, ErrVersion) {
		t.Errorf("version 2: %v", err)
	}
	t.Log(err)
	checkUntouched(t, "magic/version", m.Params(), want)
}

func TestSaveLoadParams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.gfnp")
	src, dst := smallModel(1), smallModel(2)
	if err := SaveParams(path, src.Params()); err != nil {
		t.Fatal(err)
	}
	if err := LoadParams(path, dst.Params()); err != nil {
		t.Fatal(err)
	}
	for i, p := range dst.Params() {
		if !mat.Equal(p.Value, src.Params()[i].Value) {
			t.Errorf("parameter %d differs after Save/Load", i)
		}
	}
	if err := LoadParams(filepath.Join(t.TempDir(), "missing"), dst.Params()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt")
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	if err := WriteFileAtomic(path, write("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "half of the new conte")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the write func's error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("after a failed write the file holds %q, want %q", got, "old")
	}
	if err := WriteFileAtomic(path, write("new")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("file holds %q, want %q", got, "new")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only ckpt (no temp files)", names)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, %v; want 0644", fi.Mode(), err)
	}
	// A directory that does not exist: an error, nothing created.
	if err := WriteFileAtomic(filepath.Join(dir, "no", "such"), write("x")); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// errWriter fails after n bytes.
type errWriter struct{ n int }

func (w *errWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errors.New("disk full")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriteParamsError(t *testing.T) {
	if err := WriteParams(&errWriter{n: 10}, smallModel(1).Params()); err == nil {
		t.Error("WriteParams to a failing writer returned nil")
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt[1]")
	for _, name := range []string{".ckpt[1].tmp123", ".ckpt[1].tmp9", ".other.tmp1", "ckpt[1]"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveStaleTemps(path); err != nil {
		t.Fatal(err)
	}
	es, _ := os.ReadDir(dir)
	var left []string
	for _, e := range es {
		left = append(left, e.Name())
	}
	if len(left) != 2 || left[0] != ".other.tmp1" || left[1] != "ckpt[1]" {
		t.Errorf("left %v, want [.other.tmp1 ckpt[1]]", left)
	}
}
