package rotmnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Side is the width and height of an MNIST image, and Pixels its size.
const (
	Side   = 28
	Pixels = Side * Side
)

// ErrFormat reports input that is not an IDX file of the expected kind, or
// that ends early.
var ErrFormat = errors.New("rotmnist: malformed IDX file")

const (
	imageMagic = 0x00000803 // unsigned bytes, three dimensions
	labelMagic = 0x00000801 // unsigned bytes, one dimension
)

// ReadImages reads an IDX image file (gzip-compressed or not) of 28×28
// images and returns their pixels, image after image, row-major.
func ReadImages(r io.Reader) ([]uint8, error) {
	br, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	var h [4]uint32
	if err := binary.Read(br, binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	if h[0] != imageMagic || h[2] != Side || h[3] != Side {
		return nil, fmt.Errorf("%w: magic %#x, images %d×%d, want %#x and %d×%d", ErrFormat, h[0], h[2], h[3], imageMagic, Side, Side)
	}
	return readBody(br, int(h[1])*Pixels)
}

// ReadLabels reads an IDX label file (gzip-compressed or not).
func ReadLabels(r io.Reader) ([]uint8, error) {
	br, err := maybeGunzip(r)
	if err != nil {
		return nil, err
	}
	var h [2]uint32
	if err := binary.Read(br, binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	if h[0] != labelMagic {
		return nil, fmt.Errorf("%w: magic %#x, want %#x", ErrFormat, h[0], labelMagic)
	}
	return readBody(br, int(h[1]))
}

func readBody(r io.Reader, n int) ([]uint8, error) {
	if n > 1<<30 {
		return nil, fmt.Errorf("%w: implausible size %d", ErrFormat, n)
	}
	b := make([]uint8, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("%w: %d bytes expected: %v", ErrFormat, n, err)
	}
	return b, nil
}

// maybeGunzip returns a reader of r's contents, decompressed if they start
// with the gzip magic number.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	if m, err := br.Peek(2); err == nil && m[0] == 0x1f && m[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		return z, nil
	}
	return br, nil
}

// Load reads MNIST's four IDX files from dir (train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
// each possibly with a .gz suffix) and returns the training images followed
// by the test images: 70,000 in the standard distribution.
func Load(dir string) (*Set, error) {
	var all Set
	for _, part := range []string{"train", "t10k"} {
		var px, lb []uint8
		for _, f := range []struct {
			name string
			dst  *[]uint8
			read func(io.Reader) ([]uint8, error)
		}{
			{part + "-images-idx3-ubyte", &px, ReadImages},
			{part + "-labels-idx1-ubyte", &lb, ReadLabels},
		} {
			b, err := readFile(filepath.Join(dir, f.name), f.read)
			if err != nil {
				return nil, err
			}
			*f.dst = b
		}
		if len(px) != len(lb)*Pixels {
			return nil, fmt.Errorf("%w: %s: %d images but %d labels", ErrFormat, part, len(px)/Pixels, len(lb))
		}
		all.Pixels = append(all.Pixels, px...)
		for _, l := range lb {
			if l > 9 {
				return nil, fmt.Errorf("%w: %s: label %d", ErrFormat, part, l)
			}
			all.Labels = append(all.Labels, int(l))
		}
	}
	return &all, nil
}

// readFile reads path, or path.gz if path does not exist.
func readFile(path string, read func(io.Reader) ([]uint8, error)) ([]uint8, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.Open(path + ".gz")
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	return b, nil
}
