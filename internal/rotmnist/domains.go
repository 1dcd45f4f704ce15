package rotmnist

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Angles are the rotations of DomainBed's six Rotated MNIST domains, in
// degrees.
var Angles = []float64{0, 15, 30, 45, 60, 75}

// Set is a set of 28×28 grayscale images with their digit labels.
type Set struct {
	Pixels []uint8 // [N×784], image after image, row-major, 0 = black
	Labels []int   // [N], in [0, 10)
}

// Len returns the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns image i's pixels, sharing s's storage.
func (s *Set) Image(i int) []uint8 { return s.Pixels[i*Pixels : (i+1)*Pixels] }

// Batch writes images idx of s into the rows of x [len(idx)×784], scaled to
// [0, 1], and their labels into labels.
//
// It panics if x or labels is shorter than the batch or an index is out of
// range.
func (s *Set) Batch(x []float64, labels []int, idx []int) {
	if len(x) < len(idx)*Pixels || len(labels) < len(idx) {
		panic(fmt.Sprintf("rotmnist: Batch of %d images into %d values and %d labels", len(idx), len(x), len(labels)))
	}
	for r, i := range idx {
		row := x[r*Pixels : (r+1)*Pixels]
		for j, p := range s.Image(i) {
			row[j] = float64(p) / 255
		}
		labels[r] = s.Labels[i]
	}
}

// Subset returns the images idx of s, copied.
func (s *Set) Subset(idx []int) Set {
	out := Set{Pixels: make([]uint8, 0, len(idx)*Pixels), Labels: make([]int, 0, len(idx))}
	for _, i := range idx {
		out.Pixels = append(out.Pixels, s.Image(i)...)
		out.Labels = append(out.Labels, s.Labels[i])
	}
	return out
}

// Concat returns the images of every set, in order, copied.
func Concat(sets ...Set) Set {
	var out Set
	for _, s := range sets {
		out.Pixels = append(out.Pixels, s.Pixels...)
		out.Labels = append(out.Labels, s.Labels...)
	}
	return out
}

// Domains deals the images of all into len(angles) domains as DomainBed
// does: it shuffles them with rng and gives image i of the shuffled order to
// domain i mod len(angles), whose images are then rotated by its angle.
// The same rng state gives the same domains.
func Domains(all *Set, angles []float64, rng *rand.Rand) []Set {
	perm := rng.Perm(all.Len())
	out := make([]Set, len(angles))
	for d, a := range angles {
		var idx []int
		for i := d; i < len(perm); i += len(angles) {
			idx = append(idx, perm[i])
		}
		out[d] = all.Subset(idx)
		for i := range out[d].Labels {
			img := out[d].Image(i)
			src := append([]uint8(nil), img...)
			Rotate(img, src, a)
		}
	}
	return out
}

// Split holds out a fraction of s as DomainBed's split_dataset does: it
// permutes the images with rng and returns the first ⌊frac·N⌋ of the
// permutation as out and the rest as in.
//
// It panics if frac is outside [0, 1].
func Split(s *Set, frac float64, rng *rand.Rand) (in, out Set) {
	if !(frac >= 0 && frac <= 1) {
		panic(fmt.Sprintf("rotmnist: Split with fraction %v", frac))
	}
	perm := rng.Perm(s.Len())
	n := int(frac * float64(s.Len()))
	return s.Subset(perm[n:]), s.Subset(perm[:n])
}

// Rotate writes into dst the 28×28 image src rotated counter-clockwise by
// deg degrees about its centre, as PIL's Image.rotate with bilinear
// resampling does: output pixel (x, y) samples src at the point that the
// inverse rotation sends it to, by bilinear interpolation between the four
// nearest pixels; points outside the image are black. Values are rounded to
// the nearest integer.
//
// It panics if dst or src does not have 784 pixels, or if they overlap
// (dst and src must be different images).
func Rotate(dst, src []uint8, deg float64) {
	if len(dst) != Pixels || len(src) != Pixels {
		panic(fmt.Sprintf("rotmnist: Rotate of %d pixels into %d", len(src), len(dst)))
	}
	if &dst[0] == &src[0] {
		panic("rotmnist: Rotate in place")
	}
	sin, cos := math.Sincos(deg * math.Pi / 180)
	const c = (Side - 1) / 2.0 // the centre, in pixel indices
	for y := 0; y < Side; y++ {
		for x := 0; x < Side; x++ {
			dx, dy := float64(x)-c, float64(y)-c
			// y points down, so a counter-clockwise turn on screen maps
			// source (u, v) to (x, y); invert it.
			u := cos*dx - sin*dy + c
			v := sin*dx + cos*dy + c
			dst[y*Side+x] = uint8(math.Round(bilinear(src, u, v)))
		}
	}
}

// bilinear interpolates src at (u, v) in pixel indices: 0 outside the image,
// with the neighbours of edge points clamped to the edge.
func bilinear(src []uint8, u, v float64) float64 {
	if u < -0.5 || u >= Side-0.5 || v < -0.5 || v >= Side-0.5 {
		return 0
	}
	x0, y0 := math.Floor(u), math.Floor(v)
	fx, fy := u-x0, v-y0
	at := func(x, y float64) float64 {
		xi := min(max(int(x), 0), Side-1)
		yi := min(max(int(y), 0), Side-1)
		return float64(src[yi*Side+xi])
	}
	top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
	bot := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
	return top*(1-fy) + bot*fy
}
