package main

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gogfn/gogfn/internal/rotmnist"
	"github.com/gogfn/gogfn/nn"
)

// plotRows are the models of the figure: the first seven rows of the table.
const plotRows = 7

// colours for the models, in the order of rows.
var colours = []color.RGBA{
	{R: 90, G: 90, B: 90, A: 255}, {R: 170, G: 170, B: 170, A: 255}, {R: 148, G: 103, B: 189, A: 255},
	{R: 31, G: 119, B: 180, A: 255}, {R: 255, G: 127, B: 14, A: 255}, {R: 44, G: 160, B: 44, A: 255},
	{R: 214, G: 39, B: 40, A: 255},
}

// plotAccuracy draws the test accuracy of each model per target domain and
// averaged, as side-by-side points with ±1 standard deviation over the
// seeds, and saves it as a PNG.
func plotAccuracy(path string, recs []record, cfg config, seeds, targets []int) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Rotated MNIST, unseen-domain accuracy (mean ± sd over %d seeds)", len(seeds))
	p.Y.Label.Text = "test accuracy (%)"
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	var names []string
	for _, t := range targets {
		names = append(names, fmt.Sprintf("%v°", rotmnist.Angles[t]))
	}
	names = append(names, "average")
	const w = 0.11 // spacing of the models within a group, in x units
	lo, hi := math.Inf(1), math.Inf(-1)
	for m, r := range rows[:plotRows] {
		var errs plotter.XYs
		var ebars plotter.YErrors
		cs := cells(recs, cfg, seeds, targets, func(rec *record) (float64, bool) { return value(rec, r.run, r.key) })
		for j, c := range cs {
			if len(c) == 0 {
				continue
			}
			mean, sd := stats(c)
			errs = append(errs, plotter.XY{X: float64(j) + (float64(m)-float64(plotRows-1)/2)*w, Y: mean})
			ebars = append(ebars, struct{ Low, High float64 }{sd, sd})
			lo, hi = min(lo, mean-sd), max(hi, mean+sd)
		}
		if len(errs) == 0 {
			continue
		}
		pts, err := plotter.NewScatter(errs)
		if err != nil {
			return err
		}
		pts.Color, pts.Shape, pts.Radius = colours[m], draw.CircleGlyph{}, vg.Points(3.5)
		p.Add(pts)
		p.Legend.Add(r.label, pts)
		eb, err := plotter.NewYErrorBars(struct {
			plotter.XYer
			plotter.YErrorer
		}{errs, ebars})
		if err != nil {
			return err
		}
		eb.Color, eb.Width = colours[m], vg.Points(1.2)
		p.Add(eb)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	p.Y.Min, p.Y.Max = math.Floor(lo)-1, math.Ceil(hi)+4
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(9*vg.Inch, 5*vg.Inch), vgimg.UseDPI(120))}
	p.Draw(draw.New(c))
	return nn.WriteFileAtomic(path, func(wr io.Writer) error { _, err := c.WriteTo(wr); return err })
}
