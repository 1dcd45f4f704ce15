package main

import (
	"math"
	"sort"
)

// The 2-D scene of the reconstruction: discs of constant density and colour
// inside the unit disc, seen by pinhole cameras on a circle around it, each
// image a row of pixels.

// disc is a disc of constant density σ emitting colour col.
type disc struct {
	x, y, r float64
	sigma   float64
	col     [3]float64
}

// scene is what the cameras see.
type scene struct {
	discs []disc
	bg    [3]float64 // colour of the rays that pass through
}

// defaultScene has an opaque blue disc, a dense red one, a thin green fog
// and a small solid yellow one, on a white background.
var defaultScene = scene{
	discs: []disc{
		{x: -0.35, y: 0.3, r: 0.3, sigma: 10, col: [3]float64{0.85, 0.15, 0.15}},
		{x: 0.38, y: 0.3, r: 0.22, sigma: 40, col: [3]float64{0.15, 0.25, 0.85}},
		{x: 0.12, y: -0.38, r: 0.36, sigma: 2.5, col: [3]float64{0.15, 0.7, 0.25}},
		{x: -0.48, y: -0.3, r: 0.13, sigma: 60, col: [3]float64{0.95, 0.8, 0.1}},
	},
	bg: [3]float64{1, 1, 1},
}

// density returns the density at (x, y): the sum over the discs.
func (s *scene) density(x, y float64) float64 {
	var d float64
	for _, c := range s.discs {
		if (x-c.x)*(x-c.x)+(y-c.y)*(y-c.y) <= c.r*c.r {
			d += c.sigma
		}
	}
	return d
}

// render returns the exact colour of the ray o + t·d, t in [near, far],
// with |d| = 1: the density is constant between the points where the ray
// enters or leaves a disc, so the rendering integral is a finite sum.
// Where discs overlap, their densities add and their colours mix in
// proportion.
func (s *scene) render(o, d [2]float64, near, far float64) [3]float64 {
	cuts := []float64{near, far}
	for _, c := range s.discs {
		if a, b, ok := chord(o, d, c); ok {
			cuts = append(cuts, min(max(a, near), far), min(max(b, near), far))
		}
	}
	sort.Float64s(cuts)
	var out [3]float64
	trans := 1.0
	for i := 0; i+1 < len(cuts); i++ {
		a, b := cuts[i], cuts[i+1]
		if b <= a {
			continue
		}
		mx, my := o[0]+0.5*(a+b)*d[0], o[1]+0.5*(a+b)*d[1]
		var sigma float64
		var emit [3]float64
		for _, c := range s.discs {
			if (mx-c.x)*(mx-c.x)+(my-c.y)*(my-c.y) <= c.r*c.r {
				sigma += c.sigma
				for ch := range emit {
					emit[ch] += c.sigma * c.col[ch]
				}
			}
		}
		if sigma == 0 {
			continue
		}
		alpha := -math.Expm1(-sigma * (b - a))
		for ch := range out {
			out[ch] += trans * alpha * emit[ch] / sigma
		}
		trans *= 1 - alpha
	}
	for ch := range out {
		out[ch] += trans * s.bg[ch]
	}
	return out
}

// chord returns where the ray o + t·d (|d| = 1) enters and leaves disc c.
func chord(o, d [2]float64, c disc) (a, b float64, ok bool) {
	px, py := o[0]-c.x, o[1]-c.y
	half := px*d[0] + py*d[1]
	disc := half*half - (px*px + py*py - c.r*c.r)
	if disc <= 0 {
		return 0, 0, false
	}
	r := math.Sqrt(disc)
	return -half - r, -half + r, true
}

// camera is a pinhole camera on the circle of radius Radius, looking at the
// origin, whose image is a row of Width pixels spanning the unit disc.
type camera struct {
	angle float64 // position on the circle, radians
}

const (
	camRadius = 2.0                // cameras on the circle of radius 2
	halfFOV   = 32 * math.Pi / 180 // the unit disc spans ±30°
	near      = camRadius - 1      // the scene lies in the unit disc
	far       = camRadius + 1
)

// rays returns the origin and unit direction of each of the camera's width
// pixels, through the pixel centres.
func (c camera) rays(width int) (o, d [][2]float64) {
	ox, oy := camRadius*math.Cos(c.angle), camRadius*math.Sin(c.angle)
	look := math.Atan2(-oy, -ox)
	for i := 0; i < width; i++ {
		phi := look + halfFOV*(-1+(2*float64(i)+1)/float64(width))
		o = append(o, [2]float64{ox, oy})
		d = append(d, [2]float64{math.Cos(phi), math.Sin(phi)})
	}
	return o, d
}

// rayData is a set of rays with their true colours.
type rayData struct {
	o, d   [][2]float64
	colour [][3]float64
}

// views renders n cameras evenly spread on the circle from angle offset
// (in units of the spacing), each width pixels wide.
func (s *scene) views(n int, offset float64, width int) rayData {
	var rd rayData
	for v := 0; v < n; v++ {
		o, d := camera{angle: 2 * math.Pi * (float64(v) + offset) / float64(n)}.rays(width)
		for i := range o {
			rd.o = append(rd.o, o[i])
			rd.d = append(rd.d, d[i])
			rd.colour = append(rd.colour, s.render(o[i], d[i], near, far))
		}
	}
	return rd
}
