package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	draw2 "image/draw"
	"image/png"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// familyColour gives each family of methods its colour in the curves.
var familyColour = map[string]color.RGBA{"quadrature": red, "monte carlo": green, "hierarchical": blue}

// plotCurves draws the final held-out PSNR against radiance evaluations per
// ray (left) and the held-out PSNR against training time (right), means
// over the seeds, and saves them as a PNG.
func plotCurves(path string, cfg *reconConfig, results [][]runResult) error {
	left := plot.New()
	left.Title.Text = fmt.Sprintf("after %d steps", cfg.Steps)
	left.X.Label.Text = "radiance evaluations per ray (training)"
	left.Y.Label.Text = "held-out PSNR (dB)"
	left.X.Scale = plot.LogScale{}
	left.X.Tick.Marker = powersOfTwo{}
	left.Add(plotter.NewGrid())
	left.Legend.Top, left.Legend.Left = true, true
	families := map[string]plotter.XYs{}
	sameX := map[float64]int{}
	var order []string
	for _, rs := range results {
		spec := rs[0].spec
		var ps []float64
		for _, r := range rs {
			ps = append(ps, r.PSNR)
		}
		mean, sd := meanAndStd(ps)
		x := float64(spec.radiance)
		if _, ok := families[spec.family]; !ok {
			order = append(order, spec.family)
		}
		families[spec.family] = append(families[spec.family], plotter.XY{X: x, Y: mean})
		if sd > 0 {
			bar, err := plotter.NewYErrorBars(errPoints{{x, mean, sd}})
			if err == nil {
				bar.Color = familyColour[spec.family]
				left.Add(bar)
			}
		}
		if spec.family == "hierarchical" {
			lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: mean}}, Labels: []string{" " + spec.name}})
			if err == nil {
				// Methods at the same budget are labelled one under another.
				lab.Offset.Y = -vg.Points(11) * vg.Length(sameX[x])
				sameX[x]++
				left.Add(lab)
			}
		}
	}
	for _, fam := range order {
		xy := families[fam]
		l, s, err := plotter.NewLinePoints(xy)
		if err != nil {
			return err
		}
		l.Color, s.Color = familyColour[fam], familyColour[fam]
		if fam == "hierarchical" {
			l.Width = 0
		}
		left.Add(l, s)
		name := fam
		if fam == "monte carlo" {
			name = fmt.Sprintf("Monte Carlo (RVS, density at %d knots)", cfg.Knots)
		}
		left.Legend.Add(name, l, s)
	}

	right := plot.New()
	right.Title.Text = "during training"
	right.X.Label.Text = "training time (s)"
	right.Y.Label.Text = "held-out PSNR (dB)"
	right.Add(plotter.NewGrid())
	right.Legend.Top, right.Legend.Left = false, false
	for mi, rs := range results {
		spec := rs[0].spec
		var xy plotter.XYs
		for i := range rs[0].Curve {
			var sx, sy float64
			for _, r := range rs {
				sx += r.Curve[i].Seconds
				sy += r.Curve[i].PSNR
			}
			xy = append(xy, plotter.XY{X: sx / float64(len(rs)), Y: sy / float64(len(rs))})
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return err
		}
		l.Color = methodColours[mi%len(methodColours)]
		l.Dashes = familyDashes[spec.family]
		l.Width = vg.Points(1.6)
		right.Add(l)
		right.Legend.Add(spec.name, l)
	}
	const w, h = 13 * vg.Inch, 5.5 * vg.Inch
	return drawRow(path, w, h, "2-D reconstruction: held-out PSNR (mean over seeds)", []*plot.Plot{left, right})
}

// methodColours tell the methods apart in the training curves (the
// Tableau 10 and a few more); familyDashes tell the families apart.
var (
	methodColours = []color.RGBA{
		{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
		{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
		{0, 0, 0, 255}, {174, 199, 232, 255}, {255, 187, 120, 255},
	}
	familyDashes = map[string][]vg.Length{
		"quadrature":   {vg.Points(6), vg.Points(3)},
		"hierarchical": {vg.Points(2), vg.Points(2)},
	}
)

// errPoints is error bars at points.
type errPoints [][3]float64

func (e errPoints) Len() int                        { return len(e) }
func (e errPoints) XY(i int) (x, y float64)         { return e[i][0], e[i][1] }
func (e errPoints) YError(i int) (float64, float64) { return e[i][2], e[i][2] }

// powersOfTwo ticks a log axis at 1, 2, 4, ….
type powersOfTwo struct{}

func (powersOfTwo) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for v := 1.0; v <= hi*1.01; v *= 2 {
		if v >= lo*0.99 {
			ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprint(v)})
		}
	}
	return ts
}

func meanAndStd(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

// plotDensities draws the true density and each method's learned density
// (seed 1) on [−1, 1]², as log(1 + σ) on one colour scale.
func plotDensities(path string, sc *scene, results [][]runResult) error {
	const n = 96
	truth := mat.NewDense(n, n, nil)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			truth.Set(r, c, sc.density(-1+(2*float64(c)+1)/n, 1-(2*float64(r)+1)/n))
		}
	}
	hi := 0.0
	for _, d := range sc.discs {
		hi = max(hi, d.sigma)
	}
	cmap := moreland.ExtendedBlackBody()
	cmap.SetMin(0)
	cmap.SetMax(math.Log1p(hi))
	toImage := func(g *mat.Dense) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, 2*n, 2*n)) // 2×2 pixels a cell, against the smoothing
		for r := 0; r < 2*n; r++ {
			for c := 0; c < 2*n; c++ {
				col, err := cmap.At(math.Min(math.Log1p(math.Max(g.At(r/2, c/2), 0)), math.Log1p(hi)))
				if err != nil {
					col = color.Black
				}
				img.Set(c, r, col)
			}
		}
		return img
	}
	var tiles []imageTile
	tiles = append(tiles, imageTile{toImage(truth), "true density"})
	for _, rs := range results {
		r := rs[0]
		for i, g := range r.grids {
			name := r.Method
			if r.gridNames[i] != "" {
				name += ", " + r.gridNames[i]
			}
			tiles = append(tiles, imageTile{toImage(g), name})
		}
	}
	// The picture is saved with the colour map's palette and a ramp of greys
	// for the text: a quarter of the size of a full-colour PNG.
	pal := cmap.Palette(224).Colors()
	for i := 0; i < 32; i++ {
		pal = append(pal, color.Gray{Y: uint8(i * 255 / 31)})
	}
	return drawImages(path, fmt.Sprintf("Density fields on [−1, 1]² (seed 1), colour = log(1 + σ), σ from 0 to %g", hi), tiles, 1.9*vg.Inch, 1.9*vg.Inch, pal)
}

// plotViews draws the held-out views (one row of pixels per camera, stacked)
// as rendered by each method (seed 1), under the true ones.
func plotViews(path string, cfg *reconConfig, testSet *rayData, results [][]runResult) error {
	const rowH, colW = 24, 4 // pixels of the picture per pixel of a view
	toImage := func(cs [][3]float64) image.Image {
		img := image.NewRGBA(image.Rect(0, 0, cfg.Width*colW, cfg.TestViews*rowH))
		draw2.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 128}), image.Point{}, draw2.Src)
		for v := 0; v < cfg.TestViews; v++ {
			for i := 0; i < cfg.Width; i++ {
				c := cs[v*cfg.Width+i]
				col := color.RGBA{R: u8(c[0]), G: u8(c[1]), B: u8(c[2]), A: 255}
				for y := 0; y < rowH-4; y++ { // a grey gap between views
					for x := 0; x < colW; x++ {
						img.Set(i*colW+x, v*rowH+y, col)
					}
				}
			}
		}
		return img
	}
	tiles := []imageTile{{toImage(testSet.colour), "true views"}}
	for _, rs := range results {
		tiles = append(tiles, imageTile{toImage(rs[0].views), fmt.Sprintf("%s, %.2f dB", rs[0].Method, rs[0].PSNR)})
	}
	return drawImages(path, fmt.Sprintf("The %d held-out views, one row of %d pixels each (seed 1)", cfg.TestViews, cfg.Width), tiles, 2.4*vg.Inch, 1.5*vg.Inch, nil)
}

func u8(v float64) uint8 { return uint8(math.Round(255 * math.Min(1, math.Max(0, v)))) }

// imageTile is a picture with a title.
type imageTile struct {
	img   image.Image
	title string
}

// drawImages lays the tiles out in rows of five and saves them as a PNG,
// with the colours of pal if it is not nil.
func drawImages(path, title string, tiles []imageTile, tw, th vg.Length, pal color.Palette) error {
	const cols = 5
	rows := (len(tiles) + cols - 1) / cols
	var ps []*plot.Plot
	for _, t := range tiles {
		p := plot.New()
		p.Title.Text = t.title
		b := t.img.Bounds()
		p.Add(plotter.NewImage(t.img, 0, 0, float64(b.Dx()), float64(b.Dy())))
		p.HideAxes()
		p.X.Padding, p.Y.Padding = 0, 0
		ps = append(ps, p)
	}
	w, h := tw*cols, th*vg.Length(rows)+vg.Points(30)
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI))}
	dc := draw.New(c)
	drawTitle(dc, w, h, title)
	body := draw.Crop(dc, 0, 0, 0, -vg.Points(26))
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, p := range ps {
		grid[i/cols][i%cols] = p
	}
	tl := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(8), PadY: vg.Points(8), PadLeft: vg.Points(4), PadRight: vg.Points(4), PadBottom: vg.Points(4)}
	for r := 0; r < rows; r++ {
		for cc := 0; cc < cols; cc++ {
			if p := grid[r][cc]; p != nil {
				p.Draw(tl.At(body, cc, r))
			}
		}
	}
	if pal == nil {
		return savePNG(path, c)
	}
	img := c.Image()
	pimg := image.NewPaletted(img.Bounds(), pal)
	draw2.Draw(pimg, img.Bounds(), img, img.Bounds().Min, draw2.Src)
	var b bytes.Buffer
	if err := png.Encode(&b, pimg); err != nil {
		return err
	}
	return writeFile(path, b.Bytes())
}

// drawRow draws plots side by side under a title and saves them as a PNG.
func drawRow(path string, w, h vg.Length, title string, ps []*plot.Plot) error {
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI))}
	dc := draw.New(c)
	drawTitle(dc, w, h, title)
	body := draw.Crop(dc, 0, 0, 0, -vg.Points(26))
	tl := draw.Tiles{Rows: 1, Cols: len(ps), PadX: vg.Inch / 3, PadLeft: vg.Points(6), PadRight: vg.Points(10), PadBottom: vg.Points(6)}
	cs := plot.Align([][]*plot.Plot{ps}, tl, body)
	for i, p := range ps {
		p.Draw(cs[0][i])
	}
	return savePNG(path, c)
}

func drawTitle(dc draw.Canvas, w, h vg.Length, title string) {
	ts := plot.New().Title.TextStyle
	ts.Font.Size = vg.Points(13)
	ts.XAlign, ts.YAlign = draw.XCenter, draw.YTop
	dc.FillText(ts, vg.Point{X: w / 2, Y: h - vg.Points(4)}, title)
}

func savePNG(path string, c vgimg.PngCanvas) error {
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return err
	}
	return writeFile(path, b.Bytes())
}
