// Package jsonl reads files of one JSON value per line, as gfn train's
// metrics.jsonl and the experiment commands' run logs.
package jsonl

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// Read decodes every non-empty line of the file at path into a T. On a line
// that does not decode it returns the values before it and an error naming
// the file and line; a missing file gives the *fs.PathError.
func Read[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var vs []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return vs, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		vs = append(vs, v)
	}
	return vs, sc.Err()
}
