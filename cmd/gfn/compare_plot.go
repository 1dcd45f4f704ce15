package main

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// comparePalette is the colour of each loss, in the usual tab10 order.
var comparePalette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// compareDashes tell apart the seeds of one loss.
var compareDashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)},
	{vg.Points(8), vg.Points(3), vg.Points(2), vg.Points(3)}}

// plotCompare draws the runs' curves, on a log-scale y axis when logY (the
// distances) and a linear one otherwise, one colour per run group (the
// label without its seed) and one dash pattern per seed within a group,
// with the legend to the right of the plot.
func plotCompare(path string, runs []*compareRun, title, ylabel, xlabel string, logY bool) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
	}
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true

	groups := map[string]int{}
	inGroup := map[string]int{}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range runs {
		g := groupKey(c)
		gi, ok := groups[g]
		if !ok {
			gi = len(groups)
			groups[g] = gi
		}
		di := inGroup[g]
		inGroup[g]++
		var xys plotter.XYs
		for i, y := range c.ys {
			if (y > 0 || !logY) && !math.IsNaN(y) { // a log axis cannot show 0
				xys = append(xys, plotter.XY{X: c.xs[i], Y: y})
				lo, hi = min(lo, y), max(hi, y)
			}
		}
		if len(xys) == 0 {
			continue
		}
		l, s, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		col := comparePalette[gi%len(comparePalette)]
		l.Color, s.Color = col, col
		l.Width = vg.Points(1.5)
		l.Dashes = compareDashes[di%len(compareDashes)]
		s.Radius = vg.Points(1.8)
		p.Add(l, s)
		leg.Add(c.label, l, s)
	}
	if lo > hi {
		lo, hi = 1e-3, 1
	}
	if logY {
		p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
		p.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)))
		if p.Y.Max <= p.Y.Min {
			p.Y.Max = p.Y.Min * 10
		}
	}

	legW := 0.4 * vg.Inch
	for _, c := range runs {
		legW = max(legW, leg.TextStyle.Width(c.label)+leg.ThumbnailWidth+vg.Points(24))
	}
	w, h := 7.5*vg.Inch+legW, 5*vg.Inch
	canv := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plotDPI))}
	dc := draw.New(canv)
	p.Draw(draw.Crop(dc, 0, -legW, 0, 0))
	// Level with the top of the plot area, below the title.
	leg.Draw(draw.Crop(dc, w-legW+vg.Points(8), 0, 0, -p.Title.TextStyle.Height(title)-vg.Points(40)))
	return savePNG(path, canv)
}

// decadeTicks are plot.LogTicks with the decades labelled 0.001, 0.01, ...,
// 1000 or 1e-05, without the rounding noise of computed powers of ten.
type decadeTicks struct{}

func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.LogTicks{Prec: -1}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		k := int(math.Round(math.Log10(ts[i].Value)))
		switch {
		case k >= 0 && k <= 4:
			ts[i].Label = strconv.FormatFloat(math.Pow10(k), 'f', 0, 64)
		case k < 0 && k >= -4:
			ts[i].Label = strconv.FormatFloat(math.Pow10(k), 'f', -k, 64)
		default:
			ts[i].Label = fmt.Sprintf("1e%d", k)
		}
	}
	return ts
}

// groupKey is a run's label without its seed.
func groupKey(c *compareRun) string {
	l := c.label
	if i := strings.LastIndex(l, ", seed "); i >= 0 {
		return l[:i]
	}
	return l
}
