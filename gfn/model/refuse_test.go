package model_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/gfn/model"
	"github.com/gogfn/gogfn/internal/modelfile"
)

// TestRefuses checks that every malformed file is refused with an error
// that wraps ErrFormat and names the problem: files damaged on disk, and
// files crafted with a valid checksum by someone who knows the format.
func TestRefuses(t *testing.T) {
	tr := trainTB(t, grid(), small, 1)
	var buf bytes.Buffer
	if err := tr.WriteModel(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	f, err := modelfile.Decode(good)
	if err != nil {
		t.Fatal(err)
	}
	craft := func(change func(f *modelfile.File)) []byte {
		c := *f
		c.Env = append([]gfn.Setting(nil), f.Env...)
		c.Hidden = append([]int(nil), f.Hidden...)
		c.Params = append([]byte(nil), f.Params...)
		change(&c)
		return c.Encode()
	}
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 1
	version := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(version[4:], 9)
	nanWeights := craft(func(c *modelfile.File) {
		// The last weight before the parameter file's checksum; the
		// checksum is recomputed, as a crafter would.
		n := len(c.Params)
		binary.LittleEndian.PutUint64(c.Params[n-12:], math.Float64bits(math.NaN()))
		binary.LittleEndian.PutUint32(c.Params[n-4:], crc(c.Params[:n-4]))
	})
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"empty", "not a model file", nil},
		{"a checkpoint", "not a model file", []byte("GFNC\x02\x00\x00\x00........")},
		{"a flipped bit", "checksum mismatch", flip},
		{"truncated", "checksum mismatch", good[:len(good)-100]},
		{"another version", "version 9", version},
		{"unknown environment", `no environment named "chess"`, craft(func(c *modelfile.File) { c.Env[0].Value = "chess" })},
		{"bad environment setting", `height is "1"`, craft(func(c *modelfile.File) { c.Env[2].Value = "1" })},
		{"no environment name", "no name", craft(func(c *modelfile.File) { c.Env = c.Env[1:] })},
		{"unknown kind", `unknown model kind "transformer"`, craft(func(c *modelfile.File) { c.Kind = "transformer" })},
		{"unknown activation", `unknown activation "Activation(17)"`, craft(func(c *modelfile.File) { c.Act = 17 })},
		{"no hidden layer", "no hidden layer", craft(func(c *modelfile.File) { c.Hidden = nil })},
		{"a huge layer", "hidden width 1000000", craft(func(c *modelfile.File) { c.Hidden[0] = 1e6 })},
		{"a wider layer than the weights hold", "the weights take", craft(func(c *modelfile.File) { c.Hidden[0] = 65536 })},
		{"a policy with λ", "a policy with λ", craft(func(c *modelfile.File) { c.Lambda = 2 })},
		{"a Q-network without λ", "λ is 0", craft(func(c *modelfile.File) { c.Kind = modelfile.KindQNet })},
		{"an infinite log Z", "log Z is +Inf", craft(func(c *modelfile.File) { c.LogZ = math.Inf(1) })},
		{"a flow head the weights lack", "the weights take", craft(func(c *modelfile.File) { c.Flow = true })},
		{"damaged weights", "checksum", craft(func(c *modelfile.File) { c.Params[len(c.Params)-50] ^= 1 })},
		{"a NaN weight", "holds NaN", nanWeights},
	} {
		_, err := model.Read(tc.data, nil)
		if !errors.Is(err, model.ErrFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrFormat naming %q", tc.name, err, tc.want)
		}
	}
	if _, err := model.Read(good, nil); err != nil {
		t.Fatalf("the unchanged file: %v", err)
	}
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"a directory": dir, "a symlink to /dev/zero": zero} {
		if _, err := model.Load(path, nil); !errors.Is(err, model.ErrFormat) || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := model.Load(filepath.Join(dir, "absent"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}
