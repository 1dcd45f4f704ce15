package jsonl_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gogfn/gogfn/internal/jsonl"
)

func TestRead(t *testing.T) {
	type rec struct{ A int }
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("{\"A\":1}\n\n{\"A\":2}\n"), 0o644)
	vs, err := jsonl.Read[rec](good)
	if err != nil || len(vs) != 2 || vs[1].A != 2 {
		t.Errorf("got %v, %v", vs, err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("{\"A\":1}\n{\"A\":\n"), 0o644)
	vs, err = jsonl.Read[rec](bad)
	if err == nil || !strings.Contains(err.Error(), "bad:2") || len(vs) != 1 {
		t.Errorf("truncated line: %v, %v", vs, err)
	}
	if _, err := jsonl.Read[rec](filepath.Join(dir, "none")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
