package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/gogfn/gogfn/nn/volume"
)

// The study of the paper's Fig. 2: the standard deviation of four estimators
// of one ray's colour C = ∫ c dF against the number k of samples, on three
// densities along t ∈ [0, 1].

// estimator names one of the four estimators of the study.
type estimator int

const (
	tMC    estimator = iota // t uniform on [t_n, t_f]: (t_f − t_n)/k·Σ p(tᵢ)c(tᵢ)
	tStrat                  // the same with t stratified
	yMC                     // t = F⁻¹(u·y_f), u uniform: y_f/k·Σ c(tᵢ)
	yStrat                  // the same with u stratified
	numEstimators
)

// String returns the estimator's label in tables and plots.
func (e estimator) String() string {
	return [...]string{"t uniform", "t stratified", "y uniform (RVS)", "y stratified (RVS)"}[e]
}

// studyDensity is a 1-D density of the study: values v at 256 cells, the
// density being softplus(64·v) with v = −1 (density ≈ 10⁻²⁸) elsewhere.
type studyDensity struct {
	name string
	set  func(v []float64)
}

// studyDensities are the paper's three: a semi-transparent fog, two thin
// slabs of glass in front of a wall, and a wall.
var studyDensities = []studyDensity{
	{"Foggy", func(v []float64) { fill(v[32:234], 0.1) }},
	{"Glass and Wall", func(v []float64) { fill(v[192:196], 4); fill(v[38:40], 0.2); fill(v[44:46], 0.2) }},
	{"Wall", func(v []float64) { fill(v[128:132], 4) }},
}

func fill(v []float64, x float64) {
	for i := range v {
		v[i] = x
	}
}

// studyRay returns the density d of the study on m knots evenly spaced on
// [0, 1] (the cells are 256 whatever m, as in the paper).
func studyRay(d studyDensity, p volume.Interp, m int) *volume.Ray {
	v := make([]float64, 256)
	fill(v, -1)
	d.set(v)
	t, s := make([]float64, m), make([]float64, m)
	for j := range t {
		t[j] = float64(j) / float64(m-1)
		x := 64 * v[min(255, j*256/m)]
		s[j] = max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) // softplus
	}
	r := new(volume.Ray)
	r.Set(p, t, s)
	return r
}

// radiance is the study's random radiance c(t) = Σⱼ αⱼ cos(wⱼt + bⱼ) with
// αⱼ ~ N(0, 1/n), wⱼ ~ 2π·N(0, 1) and bⱼ ~ 2π·U(0, 1).
type radiance struct{ alpha, w, b []float64 }

func newRadiance(n int, rng *rand.Rand) radiance {
	r := radiance{make([]float64, n), make([]float64, n), make([]float64, n)}
	for j := 0; j < n; j++ {
		r.alpha[j] = rng.NormFloat64() / math.Sqrt(float64(n))
		r.w[j] = 2 * math.Pi * rng.NormFloat64()
		r.b[j] = 2 * math.Pi * rng.Float64()
	}
	return r
}

func (c radiance) at(t float64) float64 {
	var sum float64
	for j, a := range c.alpha {
		sum += a * math.Cos(c.w[j]*t+c.b[j])
	}
	return sum
}

// estimate returns one draw of estimator e with k samples.
func estimate(e estimator, r *volume.Ray, c radiance, k int, rng *rand.Rand) float64 {
	tn, tf := r.T[0], r.T[len(r.T)-1]
	var sum float64
	for i := 0; i < k; i++ {
		xi := rng.Float64()
		if e == tStrat || e == yStrat {
			xi = (float64(i) + xi) / float64(k)
		}
		if e == tMC || e == tStrat {
			t := tn + xi*(tf-tn)
			sum += r.PDF(t) * c.at(t)
		} else {
			sum += c.at(r.Sample(xi))
		}
	}
	if e == tMC || e == tStrat {
		return (tf - tn) * sum / float64(k)
	}
	return r.Opacity(tf) * sum / float64(k)
}

// exactColour returns ∫ c dF over the knots' span by composite Simpson's
// rule on every bin, where the density p = σ̂·T is smooth.
func exactColour(r *volume.Ray, c radiance) float64 {
	const n = 64 // subintervals per bin, even
	var sum float64
	for j := 0; j+1 < len(r.T); j++ {
		a, b := r.T[j], r.T[j+1]
		if b == a {
			continue
		}
		h := (b - a) / n
		// The density is evaluated just inside the bin, so that a
		// piecewise constant σ̂ takes this bin's value at its ends.
		f := func(t float64) float64 {
			t = min(max(t, a+1e-12*(b-a)), b-1e-12*(b-a))
			return r.PDF(t) * c.at(t)
		}
		s := f(a) + f(b)
		for i := 1; i < n; i++ {
			s += float64(2+2*(i%2)) * f(a+float64(i)*h)
		}
		sum += s * h / 3
	}
	return sum
}

// studyResult is the study of one density.
type studyResult struct {
	name  string
	ray   *volume.Ray
	exact float64
	ks    []int
	mean  [numEstimators][]float64 // mean[e][i]: mean estimate with ks[i] samples
	std   [numEstimators][]float64 // standard deviation over the repeats
}

// runStudy estimates, for each density, each estimator and each k in ks, the
// mean and standard deviation of the estimate over repeats draws. The
// radiance is drawn once from seed; every (density, estimator, k) cell has
// its own stream, so the result does not depend on the order of the work.
func runStudy(p volume.Interp, knots int, ks []int, repeats int, seed uint64, progress func(done, total int)) ([]studyResult, radiance) {
	c := newRadiance(4, rand.New(rand.NewPCG(seed, 0)))
	var out []studyResult
	total, done := len(studyDensities)*int(numEstimators)*len(ks), 0
	for di, d := range studyDensities {
		res := studyResult{name: d.name, ray: studyRay(d, p, knots), ks: ks}
		res.exact = exactColour(res.ray, c)
		for e := estimator(0); e < numEstimators; e++ {
			res.mean[e], res.std[e] = make([]float64, len(ks)), make([]float64, len(ks))
			for i, k := range ks {
				rng := rand.New(rand.NewPCG(seed, uint64(1+(di*int(numEstimators)+int(e))*100000+k)))
				var sum, sum2 float64
				for rep := 0; rep < repeats; rep++ {
					v := estimate(e, res.ray, c, k, rng)
					sum += v
					sum2 += v * v
				}
				mean := sum / float64(repeats)
				res.mean[e][i] = mean
				res.std[e][i] = math.Sqrt(max(0, (sum2-float64(repeats)*mean*mean)/float64(repeats-1)))
				if done++; progress != nil {
					progress(done, total)
				}
			}
		}
		out = append(out, res)
	}
	return out, c
}

// studyTable writes the standard deviations at a few k as a markdown table,
// with the ratio of t-sampling to y-sampling.
func studyTable(rs []studyResult, show []int) string {
	s := "| density | k | t uniform | t stratified | y uniform (RVS) | y stratified (RVS) | t unif. / y unif. | t strat. / y strat. |\n"
	s += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
	for _, r := range rs {
		for i, k := range r.ks {
			if !contains(show, k) {
				continue
			}
			s += fmt.Sprintf("| %s | %d", r.name, k)
			for e := estimator(0); e < numEstimators; e++ {
				s += fmt.Sprintf(" | %.3g", r.std[e][i])
			}
			s += fmt.Sprintf(" | %.3g | %.3g |\n", r.std[tMC][i]/r.std[yMC][i], r.std[tStrat][i]/r.std[yStrat][i])
		}
	}
	return s
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// orderings are the comparisons of the paper's Fig. 2: the first estimator
// should spread less than the second.
var orderings = [][2]estimator{{yMC, tMC}, {yStrat, tStrat}, {yStrat, yMC}, {tStrat, tMC}}

// orderingTable runs the study for n radiances (seeds seed … seed+n−1) and
// tabulates, for each density, k and ordering, in how many of them the
// ordering holds and the smallest ratio of the two spreads.
func orderingTable(p volume.Interp, knots int, ks []int, repeats int, seed uint64, n int, progress func(done, total int)) string {
	type cell struct {
		held  int
		worst float64
	}
	cells := map[[3]int]*cell{}
	for s := 0; s < n; s++ {
		rs, _ := runStudy(p, knots, ks, repeats, seed+uint64(s), nil)
		for di, r := range rs {
			for i := range ks {
				for oi, o := range orderings {
					key := [3]int{di, i, oi}
					c := cells[key]
					if c == nil {
						c = &cell{worst: math.Inf(1)}
						cells[key] = c
					}
					ratio := r.std[o[1]][i] / r.std[o[0]][i]
					if ratio > 1 {
						c.held++
					}
					c.worst = min(c.worst, ratio)
				}
			}
		}
		if progress != nil {
			progress(s+1, n)
		}
	}
	t := "| density | k |"
	for _, o := range orderings {
		t += fmt.Sprintf(" %v < %v |", o[0], o[1])
	}
	t += "\n| --- | ---: |" + strings.Repeat(" --- |", len(orderings)) + "\n"
	for di, d := range studyDensities {
		for i, k := range ks {
			t += fmt.Sprintf("| %s | %d |", d.name, k)
			for oi := range orderings {
				c := cells[[3]int{di, i, oi}]
				t += fmt.Sprintf(" %d/%d (worst %.2f×) |", c.held, n, c.worst)
			}
			t += "\n"
		}
	}
	return t
}
