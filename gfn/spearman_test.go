package gfn

import (
	"math"
	"testing"
)

func TestSpearman(t *testing.T) {
	for _, c := range []struct {
		x, y []float64
		want float64
	}{
		// Monotone and anti-monotone: ±1, whatever the spacing.
		{[]float64{1, 2, 3, 10}, []float64{-5, 0, 7, 8}, 1},
		{[]float64{1, 2, 3, 10}, []float64{8, 7, 0, -5}, -1},
		// No ties: ρ = 1 − 6Σd²/(n(n²−1)); d = (−1, 1, −1, 1, 0), Σd² = 4,
		// so ρ = 1 − 24/120 = 0.8.
		{[]float64{1, 2, 3, 4, 5}, []float64{2, 1, 4, 3, 5}, 0.8},
		// Ties: y ranks (1, 4, 2.5, 2.5); deviations from 2.5 are
		// (−1.5, −0.5, 0.5, 1.5) and (−1.5, 1.5, 0, 0): Σ = 2.25 − 0.75 = 1.5,
		// Σx² = 5, Σy² = 4.5, ρ = 1.5/√22.5 = 1/√10.
		{[]float64{1, 2, 3, 4}, []float64{1, 3, 2, 2}, 1 / math.Sqrt(10)},
		// Ties in both: x ranks (1.5, 1.5, 3), y ranks (1, 2.5, 2.5);
		// deviations (−0.5, −0.5, 1) and (−1, 0.5, 0.5): Σ = 0.5 − 0.25 + 0.5
		// = 0.75, Σx² = 1.5, Σy² = 1.5, ρ = 0.5.
		{[]float64{7, 7, 9}, []float64{-1, 4, 4}, 0.5},
	} {
		if got := Spearman(c.x, c.y); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Spearman(%v, %v) = %v, want %v", c.x, c.y, got, c.want)
		}
		if got := Spearman(c.y, c.x); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Spearman is not symmetric: %v", got)
		}
	}
	for _, c := range [][2][]float64{
		{{1, 1, 1}, {1, 2, 3}},
		{{1, 2, 3}, {4, 4, 4}},
		{{1, math.NaN(), 3}, {1, 2, 3}},
	} {
		if got := Spearman(c[0], c[1]); !math.IsNaN(got) {
			t.Errorf("Spearman(%v, %v) = %v, want NaN", c[0], c[1], got)
		}
	}
	for _, c := range [][2][]float64{{{1}, {1}}, {{1, 2}, {1, 2, 3}}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Spearman(%v, %v) did not panic", c[0], c[1])
				}
			}()
			Spearman(c[0], c[1])
		}()
	}
}
