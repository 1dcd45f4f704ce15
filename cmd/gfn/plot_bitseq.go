package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// plotProgress draws, side by side, the modes found in training and the
// test-set Spearman correlation (with the uniform and, when there is one,
// the learned P_B) against the iteration, and saves them as a PNG.
func plotProgress(path string, rs []record, cfg *config) error {
	modes, rho, rhoPB := plotter.XYs{}, plotter.XYs{}, plotter.XYs{}
	total := 0
	for _, r := range rs {
		x := float64(r.Iter)
		if r.Modes != nil && r.NumModes != nil {
			modes = append(modes, plotter.XY{X: x, Y: float64(*r.Modes)})
			total = *r.NumModes
		}
		if r.Spearman != nil {
			rho = append(rho, plotter.XY{X: x, Y: *r.Spearman})
		}
		if r.SpearmanPB != nil {
			rhoPB = append(rhoPB, plotter.XY{X: x, Y: *r.SpearmanPB})
		}
	}
	blue, orange := color.RGBA{R: 31, G: 119, B: 180, A: 255}, color.RGBA{R: 255, G: 127, B: 14, A: 255}
	left := plot.New()
	left.Title.Text = fmt.Sprintf("%s on %s: modes found", lossName(cfg.Loss), cfg.envString())
	left.X.Label.Text = "iteration"
	left.Y.Label.Text = fmt.Sprintf("modes found (of %d)", total)
	left.Y.Min, left.Y.Max = 0, float64(max(total, 1))
	left.Add(plotter.NewGrid())
	if err := addLine(left, modes, "training samples", blue); err != nil {
		return err
	}
	right := plot.New()
	right.Title.Text = "test-set correlation"
	right.X.Label.Text = "iteration"
	right.Y.Label.Text = "Spearman ρ(log R(x), estimated log P(x))"
	right.Y.Min, right.Y.Max = -0.2, 1
	right.Add(plotter.NewGrid())
	right.Legend.Top, right.Legend.Left = true, true
	if err := addLine(right, rho, "uniform P_B", blue); err != nil {
		return err
	}
	if err := addLine(right, rhoPB, "learned P_B", orange); err != nil {
		return err
	}
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(11*vg.Inch, 4.5*vg.Inch), vgimg.UseDPI(plotDPI))}
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(12), PadTop: vg.Points(4), PadBottom: vg.Points(4)}
	dc := draw.New(c)
	left.Draw(tiles.At(dc, 0, 0))
	right.Draw(tiles.At(dc, 1, 0))
	return savePNG(path, c)
}
