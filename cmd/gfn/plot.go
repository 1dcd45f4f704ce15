package main

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotDPI is the resolution of the PNG files.
const plotDPI = 120

// plotL1 draws the exact L1 distance to the reward distribution against the
// iteration, on a log scale, with the papers' empirical L1 beside it when
// the records have it, and saves it as a PNG.
func plotL1(path string, rs []record, cfg *config) error {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s on a %s hypergrid (%s): distance to the target",
		lossName(cfg.Loss), gridString(cfg.NDim, cfg.Height), cfg.rewardString())
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = "L1 = Σₓ |p(x) − p*(x)|"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true

	n := float64(numStates(cfg.NDim, cfg.Height))
	var exact, emp plotter.XYs
	for _, r := range rs {
		if r.L1 > 0 {
			exact = append(exact, plotter.XY{X: float64(r.Iter), Y: float64(r.L1)})
		}
		if r.EmpL1Mean != nil && *r.EmpL1Mean > 0 && r.Iter > 0 {
			emp = append(emp, plotter.XY{X: float64(r.Iter), Y: *r.EmpL1Mean * n})
		}
	}
	if err := addLine(p, exact, "exact, sampler's distribution", color.RGBA{R: 31, G: 119, B: 180, A: 255}); err != nil {
		return err
	}
	if err := addLine(p, emp, "empirical, recent training samples", color.RGBA{R: 255, G: 127, B: 14, A: 255}); err != nil {
		return err
	}
	// Whole decades, so that a log axis has labelled ticks at both ends and
	// the legend has room above the data.
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, xy := range append(exact, emp...) {
		lo, hi = min(lo, xy.Y), max(hi, xy.Y)
	}
	if lo > hi { // no data: a log axis still needs a positive range
		lo, hi = 1e-3, 1
	}
	p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
	p.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)+0.3))
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(7*vg.Inch, 4.5*vg.Inch), vgimg.UseDPI(plotDPI))}
	p.Draw(draw.New(c))
	return savePNG(path, c)
}

func addLine(p *plot.Plot, xys plotter.XYs, name string, col color.Color) error {
	if len(xys) == 0 {
		return nil
	}
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	l.Color, s.Color = col, col
	l.Width = vg.Points(1.5)
	s.Radius = vg.Points(2)
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}

// grid2 is a 2-D hypergrid distribution as a heat map grid: column x₀,
// row x₁.
type grid2 struct {
	h int
	z []float64 // z[x₀·h + x₁]
}

func (g grid2) Dims() (c, r int)   { return g.h, g.h }
func (g grid2) Z(c, r int) float64 { return g.z[c*g.h+r] }
func (g grid2) X(c int) float64    { return float64(c) }
func (g grid2) Y(r int) float64    { return float64(r) }

// plotDistribution draws the target and the learned terminal distributions of
// a 2-D hypergrid side by side, on one colour scale, and saves them as a PNG.
func plotDistribution(path string, s session, cfg *config, e *evaluation) error {
	h := cfg.Height
	target, learned := grid2{h, make([]float64, h*h)}, grid2{h, make([]float64, h*h)}
	st := make([]int, s.StateDim())
	for i := range e.Target {
		s.StateAt(st, i)
		target.z[st[0]*h+st[1]] += e.Target[i]
		learned.z[st[0]*h+st[1]] += e.Learned[i]
	}
	hi := 0.0
	for i := range target.z {
		hi = max(hi, target.z[i], learned.z[i])
	}
	if hi == 0 || math.IsNaN(hi) || math.IsInf(hi, 0) {
		hi = 1
	}
	cmap := moreland.ExtendedBlackBody()
	cmap.SetMin(0)
	cmap.SetMax(hi)
	pal := cmap.Palette(256)

	heat := func(g grid2, title string) *plot.Plot {
		p := plot.New()
		p.Title.Text = title
		p.X.Label.Text = "x₀"
		p.Y.Label.Text = "x₁"
		hm := plotter.NewHeatMap(g, pal)
		hm.Min, hm.Max = 0, hi
		p.Add(hm)
		p.X.Tick.Marker = intTicks{}
		p.Y.Tick.Marker = intTicks{}
		p.X.Padding, p.Y.Padding = 0, 0
		return p
	}
	l1 := 0.0
	for i := range target.z {
		l1 += math.Abs(target.z[i] - learned.z[i])
	}
	left := heat(target, "target p*(x) = R(x) / Z")
	right := heat(learned, fmt.Sprintf("learned sampler p(x), L1 = %.3f", l1))

	bar := plot.New()
	cb := &plotter.ColorBar{ColorMap: cmap, Vertical: true}
	bar.Add(cb)
	bar.HideX()
	bar.Y.Padding = 0
	bar.Y.Label.Text = "probability"
	bar.Title.Text = " "

	const w, ht = 10.5 * vg.Inch, 4.6 * vg.Inch
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, ht), vgimg.UseDPI(plotDPI))}
	dc := draw.New(c)
	dc.SetColor(color.White)
	title := plot.New().Title.TextStyle
	title.Font.Size = vg.Points(13)
	title.XAlign = draw.XCenter
	title.YAlign = draw.YTop
	caption := fmt.Sprintf("%s on a %s hypergrid (%s)", lossName(cfg.Loss),
		gridString(cfg.NDim, cfg.Height), cfg.rewardString())
	dc.FillText(title, vg.Point{X: w / 2, Y: ht - vg.Points(4)}, caption)
	body := draw.Crop(dc, 0, 0, 0, -vg.Points(22))
	barW := 1.1 * vg.Inch
	maps := draw.Crop(body, 0, -barW, 0, 0)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 3, PadLeft: vg.Points(6), PadBottom: vg.Points(6)}
	cs := plot.Align([][]*plot.Plot{{left, right}}, tiles, maps)
	left.Draw(cs[0][0])
	right.Draw(cs[0][1])
	barCanvas := draw.Crop(body, w-barW+vg.Points(18), -vg.Points(12), vg.Points(34), 0)
	bar.Draw(barCanvas)
	return savePNG(path, c)
}

// intTicks puts ticks on integer cells, at most about ten of them.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	lo, hi = math.Ceil(lo), math.Floor(hi)
	step := math.Max(1, math.Ceil((hi-lo+1)/10))
	var ts []plot.Tick
	for v := lo; v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}

func savePNG(path string, c vgimg.PngCanvas) error {
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return err
	}
	return writeFileAtomic(path, b.Bytes())
}
