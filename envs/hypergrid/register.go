package hypergrid

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/gogfn/gogfn/gfn"
)

var _ gfn.Formatter = (*Env)(nil)

// The package registers its environment under the name "hypergrid" when it
// is imported, as image/png registers its decoder: a model file names its
// environment, and a program that imports this package (gfn/model does, for
// its built-in environments) rebuilds it from the file alone.
func init() { gfn.RegisterEnv("hypergrid", FromSettings) }

// Bounds on the settings FromSettings accepts, so that a file cannot ask
// for an environment too large to build.
const (
	maxDim   = 1 << 10 // D
	maxInput = 1 << 20 // D·H, the width of the network input
)

// FromSettings builds the hypergrid that Describe described: the keys
// name (= "hypergrid"), ndim, height, r0, r1 and r2, each exactly once. It
// returns an error naming the first setting that is missing, repeated,
// unknown or out of range (D in [1, 1024], H ≥ 2, D·H ≤ 2²⁰, H^D within an
// int, R0 > 0 and R1, R2 ≥ 0 finite).
func FromSettings(settings []gfn.Setting) (gfn.Env, error) {
	keys := []string{"name", "ndim", "height", "r0", "r1", "r2"}
	vals, err := gfn.SettingValues(settings, "hypergrid", keys...)
	if err != nil {
		return nil, fmt.Errorf("hypergrid: %w", err)
	}
	d, errD := strconv.Atoi(vals[1])
	h, errH := strconv.Atoi(vals[2])
	switch {
	case errD != nil || d < 1 || d > maxDim:
		return nil, fmt.Errorf("hypergrid: ndim is %q, want an integer in [1, %d]", vals[1], maxDim)
	case errH != nil || h < 2 || h > maxInput/d:
		return nil, fmt.Errorf("hypergrid: height is %q, want an integer in [2, %d] for ndim %d", vals[2], maxInput/d, d)
	}
	n := 1
	for range d {
		if n > math.MaxInt/h {
			return nil, fmt.Errorf("hypergrid: height^ndim = %d^%d overflows an int", h, d)
		}
		n *= h
	}
	var r [3]float64
	for i := range r {
		v, err := strconv.ParseFloat(vals[3+i], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || (i == 0 && v == 0) {
			return nil, fmt.Errorf("hypergrid: %s is %q, want a finite number %s", keys[3+i], vals[3+i], map[bool]string{true: "> 0", false: "≥ 0"}[i == 0])
		}
		r[i] = v
	}
	return New(d, h, Reward{R0: r[0], R1: r[1], R2: r[2]}), nil
}

// FormatState returns the coordinates of s, a new slice: the hypergrid's
// readable form is its point.
func (e *Env) FormatState(s gfn.State) any { return slices.Clone([]int(s[:e.D])) }
