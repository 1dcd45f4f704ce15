package autograd_test

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// magnitude draws ±[lo, hi].
func magnitude(lo, hi float64) func(int, *rand.Rand) float64 {
	return func(_ int, rng *rand.Rand) float64 {
		return (lo + (hi-lo)*rng.Float64()) * float64(1-2*rng.IntN(2))
	}
}

// positive draws [lo, hi].
func positive(lo, hi float64) func(int, *rand.Rand) float64 {
	return func(_ int, rng *rand.Rand) float64 { return lo + (hi-lo)*rng.Float64() }
}

// avoid draws ±[0.1, 2] at least 0.05 away from every point.
func avoid(points ...float64) func(int, *rand.Rand) float64 {
	return func(p int, rng *rand.Rand) float64 {
		for {
			v := magnitude(0.1, 2)(p, rng)
			ok := true
			for _, q := range points {
				ok = ok && math.Abs(v-q) > 0.05
			}
			if ok {
				return v
			}
		}
	}
}

// elem is the reference for an element-wise unary op.
func elem(f func(float64) float64) func(p []*mat.Dense) *mat.Dense {
	return func(p []*mat.Dense) *mat.Dense {
		var d mat.Dense
		d.Apply(func(_, _ int, v float64) float64 { return f(v) }, p[0])
		return &d
	}
}

// elem2 is the reference for a broadcasting binary op.
func elem2(f func(x, y float64) float64) func(p []*mat.Dense) *mat.Dense {
	return func(p []*mat.Dense) *mat.Dense {
		br, bc := p[1].Dims()
		var d mat.Dense
		d.Apply(func(i, j int, v float64) float64 { return f(v, p[1].At(min(i, br-1), min(j, bc-1))) }, p[0])
		return &d
	}
}

// rowsRef applies f to each row of p[0], giving one row of the output each.
func rowsRef(outCols func(n int) int, f func(i int, row, dst []float64)) func(p []*mat.Dense) *mat.Dense {
	return func(p []*mat.Dense) *mat.Dense {
		m, n := p[0].Dims()
		d := mat.NewDense(m, outCols(n), nil)
		for i := range m {
			f(i, p[0].RawRowView(i), d.RawRowView(i))
		}
		return d
	}
}

// mask is the test mask of an [m×n] matrix: row 0 fully valid, entries masked
// elsewhere, and never a whole row.
func mask(m, n int) []bool {
	v := make([]bool, m*n)
	for i := range m {
		for j := range n {
			v[i*n+j] = i == 0 || j == i%n || (7*i+j)%3 != 0
		}
	}
	return v
}

func lse(row []float64, valid []bool) float64 {
	var s float64
	for j, v := range row {
		if valid == nil || valid[j] {
			s += math.Exp(v)
		}
	}
	return math.Log(s)
}

func pickIdx(m, n int) []int {
	idx := make([]int, m)
	for i := range idx {
		idx[i] = (5*i + 1) % n
	}
	return idx
}

func embedRef(w *mat.Dense, idx []int, k int) *mat.Dense {
	_, n := w.Dims()
	d := mat.NewDense(len(idx)/k, n, nil)
	for p, j := range idx {
		for c := range n {
			d.Set(p/k, c, d.At(p/k, c)+w.At(j, c))
		}
	}
	return d
}

func sum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}
