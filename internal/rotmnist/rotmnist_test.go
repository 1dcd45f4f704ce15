package rotmnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// idx returns an IDX file with the given header words and body.
func idx(body []uint8, header ...uint32) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, header)
	b.Write(body)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

// synthetic returns n seeded random images and labels.
func synthetic(n int, seed uint64) *Set {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := &Set{Pixels: make([]uint8, n*Pixels), Labels: make([]int, n)}
	for i := range s.Pixels {
		s.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = rng.IntN(10)
	}
	return s
}

func TestReadIDX(t *testing.T) {
	s := synthetic(3, 1)
	lb := []uint8{3, 1, 4}
	imgs := idx(s.Pixels, imageMagic, 3, Side, Side)
	labels := idx(lb, labelMagic, 3)
	for name, f := range map[string]func([]byte) []byte{"raw": func(b []byte) []byte { return b }, "gzip": gz} {
		px, err := ReadImages(bytes.NewReader(f(imgs)))
		if err != nil || !bytes.Equal(px, s.Pixels) {
			t.Errorf("%s images: error %v, equal %t", name, err, bytes.Equal(px, s.Pixels))
		}
		l, err := ReadLabels(bytes.NewReader(f(labels)))
		if err != nil || !bytes.Equal(l, lb) {
			t.Errorf("%s labels: %v, error %v", name, l, err)
		}
	}
	for name, b := range map[string][]byte{
		"truncated images": imgs[:len(imgs)-1],
		"labels as images": labels,
		"wrong size":       idx(s.Pixels, imageMagic, 3, 27, 28),
		"empty":            nil,
	} {
		if _, err := ReadImages(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v, want ErrFormat", name, err)
		}
	}
	if _, err := ReadLabels(bytes.NewReader(imgs)); !errors.Is(err, ErrFormat) {
		t.Errorf("images as labels: error %v, want ErrFormat", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	tr, te := synthetic(4, 2), synthetic(2, 3)
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	u8 := func(l []int) []uint8 {
		out := make([]uint8, len(l))
		for i, v := range l {
			out[i] = uint8(v)
		}
		return out
	}
	write("train-images-idx3-ubyte.gz", gz(idx(tr.Pixels, imageMagic, 4, Side, Side)))
	write("train-labels-idx1-ubyte", idx(u8(tr.Labels), labelMagic, 4))
	write("t10k-images-idx3-ubyte", idx(te.Pixels, imageMagic, 2, Side, Side))
	if _, err := Load(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error %v", err)
	}
	write("t10k-labels-idx1-ubyte.gz", gz(idx(u8(te.Labels), labelMagic, 2)))
	all, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := Concat(*tr, *te); !bytes.Equal(all.Pixels, want.Pixels) || !slices.Equal(all.Labels, want.Labels) {
		t.Error("Load does not give the training images followed by the test images")
	}
}

func TestRotate(t *testing.T) {
	src := synthetic(1, 4).Pixels
	dst := make([]uint8, Pixels)
	for _, deg := range []float64{0, 360, -720} {
		Rotate(dst, src, deg)
		if !bytes.Equal(dst, src) {
			t.Errorf("rotation by %v° changed the image", deg)
		}
	}
	// A quarter turn counter-clockwise moves pixel (x, y) to (y, 27 − x),
	// exactly after rounding.
	Rotate(dst, src, 90)
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			if got, want := dst[(Side-1-x)*Side+y], src[y*Side+x]; got != want {
				t.Fatalf("90°: pixel (%d, %d) = %d, want %d from (%d, %d)", y, Side-1-x, got, want, x, y)
			}
		}
	}
	// Half a pixel's shift, by a tiny angle, interpolates between neighbours;
	// a 45° turn sends the corners outside the image (black).
	var one [Pixels]uint8
	for i := range one {
		one[i] = 200
	}
	Rotate(dst, one[:], 45)
	if dst[0] != 0 || dst[Side*Side/2+Side/2] != 200 {
		t.Errorf("45° of a flat image: corner %d, centre %d; want 0 and 200", dst[0], dst[Side*Side/2+Side/2])
	}
}

func TestDomains(t *testing.T) {
	all := synthetic(61, 5)
	ds := Domains(all, Angles, rand.New(rand.NewPCG(7, 7)))
	again := Domains(all, Angles, rand.New(rand.NewPCG(7, 7)))
	var labels []int
	for d, s := range ds {
		if want := 10 + btoi(d == 0); s.Len() != want || len(s.Pixels) != want*Pixels {
			t.Errorf("domain %d has %d images, want %d", d, s.Len(), want)
		}
		if !bytes.Equal(s.Pixels, again[d].Pixels) || !slices.Equal(s.Labels, again[d].Labels) {
			t.Errorf("domain %d differs with the same seed", d)
		}
		labels = append(labels, s.Labels...)
	}
	slices.Sort(labels)
	want := slices.Clone(all.Labels)
	slices.Sort(want)
	if !slices.Equal(labels, want) {
		t.Error("the domains do not hold every image once")
	}
	// Domain 0 is unrotated: each of its images is one of the originals.
	for i := range ds[0].Labels {
		found := false
		for j := range all.Labels {
			found = found || bytes.Equal(ds[0].Image(i), all.Image(j)) && ds[0].Labels[i] == all.Labels[j]
		}
		if !found {
			t.Fatalf("domain 0 image %d is not an original image", i)
		}
	}
	in, out := Split(&ds[1], 0.2, rand.New(rand.NewPCG(1, 1)))
	if in.Len() != 8 || out.Len() != 2 {
		t.Errorf("Split 0.2 of 10: %d in, %d out; want 8 and 2", in.Len(), out.Len())
	}
	x, l := make([]float64, 2*Pixels), make([]int, 2)
	out.Batch(x, l, []int{1, 0})
	if x[5] != float64(out.Image(1)[5])/255 || l[0] != out.Labels[1] {
		t.Error("Batch does not scale pixels to [0, 1] in index order")
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
