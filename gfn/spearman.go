package gfn

import (
	"math"
	"slices"
)

// Spearman returns Spearman's rank correlation ρ of x and y: the Pearson
// correlation of their ranks, where values that tie share the mean of the
// ranks they span (scipy.stats.spearmanr's default, which the papers use).
// It returns NaN when x or y is constant or holds a NaN.
//
// It panics if len(x) ≠ len(y) or len(x) < 2.
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) || len(x) < 2 {
		panic("gfn: Spearman needs two samples of the same length ≥ 2")
	}
	rx := make([]float64, len(x))
	ry := make([]float64, len(y))
	idx := make([]int, len(x))
	if !ranks(rx, x, idx) || !ranks(ry, y, idx) {
		return math.NaN()
	}
	// The ranks have mean (n+1)/2 in both samples.
	mean := float64(len(x)+1) / 2
	var sxy, sxx, syy float64
	for i, a := range rx {
		a -= mean
		b := ry[i] - mean
		sxy += a * b
		sxx += a * a
		syy += b * b
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// ranks writes into dst the ranks 1…n of x, ties given their mean rank,
// using idx (length n) as scratch. It returns false if x holds a NaN.
func ranks(dst, x []float64, idx []int) bool {
	for i, v := range x {
		if math.IsNaN(v) {
			return false
		}
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		// Positions i…j−1 tie: ranks i+1…j, mean (i+1+j)/2.
		r := float64(i+1+j) / 2
		for _, p := range idx[i:j] {
			dst[p] = r
		}
		i = j
	}
	return true
}
