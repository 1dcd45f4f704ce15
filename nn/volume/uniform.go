package volume

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Uniform fills u with independent uniforms on [0, 1) drawn from rng.
func Uniform(u *mat.Dense, rng *rand.Rand) {
	r, c := u.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			u.Set(i, j, rng.Float64())
		}
	}
}

// Stratified fills each row of u [B×k] with stratified uniforms,
// u[b,i] = (i + ξ)/k with ξ uniform on [0, 1) from rng: one in each k-th of
// [0, 1], in increasing order. A nil rng takes ξ = ½, the midpoints, for a
// deterministic estimate (NeRF's choice at test time).
func Stratified(u *mat.Dense, rng *rand.Rand) {
	r, c := u.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			xi := 0.5
			if rng != nil {
				xi = rng.Float64()
			}
			u.Set(i, j, (float64(j)+xi)/float64(c))
		}
	}
}
