package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress reports long work on stderr: on a terminal, one line rewritten in
// place at most five times a second; elsewhere (a pipe, a log file), a line
// only when log is called.
type progress struct {
	w     io.Writer
	tty   bool
	last  time.Time
	width int
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	tty := false
	if ok {
		fi, err := f.Stat()
		tty = err == nil && fi.Mode()&os.ModeCharDevice != 0
	}
	return &progress{w: w, tty: tty}
}

// status redraws the terminal line (nothing elsewhere).
func (p *progress) status(format string, args ...any) {
	if !p.tty || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw(fmt.Sprintf(format, args...))
}

// log prints a line that stays, on a terminal and elsewhere.
func (p *progress) log(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if p.tty {
		p.draw(line)
		fmt.Fprintln(p.w)
		p.width = 0
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) draw(line string) {
	pad := ""
	if len(line) < p.width {
		pad = strings.Repeat(" ", p.width-len(line))
	}
	fmt.Fprint(p.w, "\r"+line+pad)
	p.width = len(line)
}
