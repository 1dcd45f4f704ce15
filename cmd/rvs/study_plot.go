package main

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotDPI is the resolution of the PNG files.
const plotDPI = 110

var (
	red   = color.RGBA{R: 178, G: 34, B: 34, A: 255}
	green = color.RGBA{R: 46, G: 139, B: 87, A: 255}
	blue  = color.RGBA{R: 70, G: 130, B: 180, A: 255}
	sand  = color.RGBA{R: 244, G: 164, B: 96, A: 255}
)

// plotStudy draws the paper's Fig. 2: for each density, its opacity and the
// radiance above, and the standard deviation of the four estimators against
// k below (log-log), and saves it as a PNG.
func plotStudy(path, title string, rs []studyResult, c radiance) error {
	var tops, bottoms []*plot.Plot
	for i, r := range rs {
		top := plot.New()
		top.Title.Text = r.name
		top.X.Min, top.X.Max = 0, 1
		top.Y.Min, top.Y.Max = 0, 1.05
		var op, rad plotter.XYs
		lo, hi := math.Inf(1), math.Inf(-1)
		for j := 0; j <= 500; j++ {
			t := float64(j) / 500
			lo, hi = min(lo, c.at(t)), max(hi, c.at(t))
		}
		for j := 0; j <= 500; j++ {
			t := float64(j) / 500
			op = append(op, plotter.XY{X: t, Y: r.ray.Opacity(t)})
			rad = append(rad, plotter.XY{X: t, Y: (c.at(t) - lo) / (hi - lo)})
		}
		addLine(top, op, "opacity F(t)", blue, false)
		addLine(top, rad, "radiance c(t), rescaled", sand, true)
		top.X.Label.Text = "t"
		if i == 0 {
			top.Legend.Top, top.Legend.Left = true, true
		} else {
			top.Legend = plot.NewLegend()
		}
		tops = append(tops, top)

		bot := plot.New()
		bot.X.Scale, bot.Y.Scale = plot.LogScale{}, plot.LogScale{}
		bot.X.Tick.Marker, bot.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
		bot.X.Label.Text = "samples per ray k"
		if i == 0 {
			bot.Y.Label.Text = "std of the estimate"
		}
		bot.Add(plotter.NewGrid())
		for e := estimator(0); e < numEstimators; e++ {
			var xy plotter.XYs
			for j, k := range r.ks {
				if s := r.std[e][j]; s > 0 {
					xy = append(xy, plotter.XY{X: float64(k), Y: s})
				}
			}
			col := red
			if e == yMC || e == yStrat {
				col = green
			}
			addLine(bot, xy, e.String(), col, e == tMC || e == yMC)
		}
		if i == len(rs)-1 {
			bot.Legend.Left = true // the wall's data leave the lower left empty
		} else {
			bot.Legend = plot.NewLegend()
		}
		bottoms = append(bottoms, bot)
	}
	const w, h = 14 * vg.Inch, 7 * vg.Inch
	cv := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI))}
	dc := draw.New(cv)
	drawTitle(dc, w, h, title)
	body := draw.Crop(dc, 0, 0, 0, -vg.Points(24))
	split := body.Min.Y + 0.7*(body.Max.Y-body.Min.Y)
	topArea := draw.Crop(body, 0, 0, split-body.Min.Y, 0)
	botArea := draw.Crop(body, 0, 0, 0, split-body.Max.Y)
	tiles := draw.Tiles{Rows: 1, Cols: len(rs), PadX: vg.Inch / 4, PadLeft: vg.Points(6), PadRight: vg.Points(6), PadBottom: vg.Points(6)}
	for _, row := range []struct {
		ps   []*plot.Plot
		area draw.Canvas
	}{{tops, topArea}, {bottoms, botArea}} {
		cs := plot.Align([][]*plot.Plot{row.ps}, tiles, row.area)
		for i, p := range row.ps {
			p.Draw(cs[0][i])
		}
	}
	return savePNG(path, cv)
}

// addLine adds a line, dashed if asked, with a legend entry.
func addLine(p *plot.Plot, xy plotter.XYs, name string, col color.Color, dashed bool) {
	if len(xy) == 0 {
		return
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return // only for NaN or Inf, which the callers filter
	}
	l.Color = col
	l.Width = vg.Points(1.6)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.Add(l)
	p.Legend.Add(name, l)
}
