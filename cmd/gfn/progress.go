package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// progress reports training on stderr: on a terminal, one line rewritten in
// place a few times a second; elsewhere (a pipe, a file, CI logs), one line
// per evaluation.
type progress struct {
	w     io.Writer
	tty   bool
	quiet bool
	total int
	last  time.Time // last redraw of the terminal line
	eval  string    // metrics of the latest evaluation, formatted
	width int       // length of the line on screen
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	return &progress{w: w, tty: isTerminal(w), total: total, quiet: quiet}
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// step is called after every iteration with the current speed and loss; on a
// terminal it redraws the line at most every 200 ms.
func (p *progress) step(iter, traj int, itPerSec, loss float64) {
	if p.quiet || !p.tty || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw(p.status(iter, traj, itPerSec, loss))
}

// evaluated is called after every evaluation.
func (p *progress) evaluated(r *record) {
	p.eval = formatEval(r)
	if p.quiet {
		return
	}
	loss := math.NaN()
	if r.Loss != nil {
		loss = *r.Loss
	}
	line := p.status(r.Iter, r.Trajectories, float64(r.ItersPerSec), loss)
	if p.tty {
		p.draw(line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// done ends the terminal line.
func (p *progress) done() {
	if p.tty && p.width > 0 && !p.quiet {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}

func (p *progress) status(iter, traj int, itPerSec, loss float64) string {
	n := len(fmt.Sprint(p.total))
	l := "-"
	if !math.IsNaN(loss) {
		l = fmt.Sprintf("%.4g", loss)
	}
	s := fmt.Sprintf("iter %*d/%d  %4.0f it/s  %d traj  loss %s", n, iter, p.total, itPerSec, traj, l)
	if p.eval != "" {
		s += "  " + p.eval
	}
	return s
}

func (p *progress) draw(line string) {
	pad := ""
	if len(line) < p.width {
		pad = strings.Repeat(" ", p.width-len(line))
	}
	fmt.Fprint(p.w, "\r"+line+pad)
	p.width = len(line)
}

// formatEval formats the metrics of an evaluation for the progress line.
func formatEval(r *record) string {
	var s string
	if !math.IsNaN(float64(r.L1)) {
		s = fmt.Sprintf("L1 %.4f  KL %.4f", r.L1, r.KL)
	}
	if r.Modes != nil && r.NumModes != nil && math.IsNaN(float64(r.L1)) {
		s += fmt.Sprintf("modes %d/%d", *r.Modes, *r.NumModes)
	}
	if r.MeanLogR != nil && r.TopLogR != nil {
		s += fmt.Sprintf("  logR %.2f top %.2f", *r.MeanLogR, *r.TopLogR)
	}
	if r.Spearman != nil {
		s += fmt.Sprintf("  ρ %.3f", *r.Spearman)
	}
	if r.LogZ != nil {
		if math.IsNaN(float64(r.TrueLogZ)) {
			s += fmt.Sprintf("  logZ %.3f", *r.LogZ)
		} else {
			s += fmt.Sprintf("  logZ %.3f/%.3f", *r.LogZ, r.TrueLogZ)
		}
	}
	if r.EmpL1Mean != nil {
		s += fmt.Sprintf("  emp-L1 %.2e", *r.EmpL1Mean)
	}
	if r.AvgL1 != nil {
		s += fmt.Sprintf("  averaged L1 %.4f", *r.AvgL1)
	}
	if r.BackwardLoss != nil && r.BackwardGap != nil {
		s += fmt.Sprintf("  P_B loss %.3g gap %.3f", *r.BackwardLoss, *r.BackwardGap)
	}
	return s
}

// summary is the closing sentences of a run.
func summary(cfg *config, r *record, iters int, elapsed time.Duration, itPerSec float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Trained %s on %s: %d iterations, %d trajectories, %.1f s, %.0f iterations/s.\n",
		lossName(cfg.Loss), cfg.envString(), iters, r.Trajectories, elapsed.Seconds(), itPerSec)
	if cfg.Env == "bitseq" {
		if r.Modes != nil && r.NumModes != nil {
			fmt.Fprintf(&b, "Its training samples found %d of the %d modes", *r.Modes, *r.NumModes)
		}
		if r.MeanLogR != nil && r.TopLogR != nil {
			fmt.Fprintf(&b, "; the recent ones have mean log-reward %.2f (the best 100: %.2f)", *r.MeanLogR, *r.TopLogR)
		}
		if r.Spearman != nil {
			fmt.Fprintf(&b, "; Spearman ρ(log R, log P) on the test set %.3f", *r.Spearman)
		}
		b.WriteString(".\n")
		return b.String()
	}
	who := "The sampler's"
	if r.AvgL1 != nil {
		who = "The last iterate's"
	}
	fmt.Fprintf(&b, "%s exact distribution is L1 = %.4f from the target (KL %.4f): %s",
		who, r.L1, r.KL, closeness(float64(r.L1)))
	if r.LogZ != nil {
		fmt.Fprintf(&b, "; its learned log Z = %.4f against the true %.4f (off by %.4f)", *r.LogZ,
			r.TrueLogZ, math.Abs(*r.LogZ-float64(r.TrueLogZ)))
	}
	b.WriteString(".\n")
	if r.AvgL1 != nil {
		fmt.Fprintf(&b, "The averaged model (-average %s), which the run samples and saves, is at L1 = %.4f: %s.\n",
			cfg.Average, *r.AvgL1, closeness(*r.AvgL1))
	}
	return b.String()
}

// article returns the indefinite article of a number written in digits.
func article(digits string) string {
	for _, p := range []string{"8", "11", "18"} {
		if strings.HasPrefix(digits, p) && (p != "11" && p != "18" || len(digits) == 2 || !isDigit(digits[2])) {
			return "an"
		}
	}
	return "a"
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// closeness puts an exact L1 distance (total variation ×2) into words.
func closeness(l1 float64) string {
	switch {
	case l1 < 0.05:
		return "very close"
	case l1 < 0.2:
		return "close"
	case l1 < 0.5:
		return "roughly right"
	default:
		return "still far: train longer"
	}
}

// gridString writes D=2, H=8 as "8×8".
func gridString(d, h int) string {
	if d == 1 {
		return fmt.Sprintf("%d-cell", h)
	}
	if d > 3 {
		return fmt.Sprintf("%d^%d", h, d)
	}
	return strings.TrimSuffix(strings.Repeat(fmt.Sprint(h)+"×", d), "×")
}

// lossName returns the usual written name of a loss.
func lossName(loss string) string {
	if a, ok := lookup(loss); ok {
		return a.prose
	}
	return loss
}
