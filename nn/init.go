package nn

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Init fills a weight matrix [fanIn×fanOut] with initial values drawn from rng.
type Init func(w *mat.Dense, rng *rand.Rand)

// HeUniform draws from U(−√(6/fanIn), √(6/fanIn)) (He et al. 2015), suited to ReLU.
func HeUniform(w *mat.Dense, rng *rand.Rand) {
	in, _ := w.Dims()
	fill(w, math.Sqrt(6/float64(in)), rng)
}

// GlorotUniform draws from U(−√(6/(fanIn+fanOut)), √(6/(fanIn+fanOut)))
// (Glorot and Bengio 2010), suited to tanh and sigmoid.
func GlorotUniform(w *mat.Dense, rng *rand.Rand) {
	in, out := w.Dims()
	fill(w, math.Sqrt(6/float64(in+out)), rng)
}

// Zeros sets every weight to zero: an output layer that starts uniform.
func Zeros(w *mat.Dense, _ *rand.Rand) { w.Zero() }

func fill(w *mat.Dense, a float64, rng *rand.Rand) {
	r, c := w.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			w.Set(i, j, a*(2*rng.Float64()-1))
		}
	}
}

// HeNormal draws from N(0, 2/fanIn) (He et al. 2015), suited to ReLU.
func HeNormal(w *mat.Dense, rng *rand.Rand) {
	in, _ := w.Dims()
	fillNormal(w, math.Sqrt(2/float64(in)), rng)
}

// GlorotNormal draws from N(0, 2/(fanIn+fanOut)) (Glorot and Bengio 2010),
// suited to tanh and sigmoid.
func GlorotNormal(w *mat.Dense, rng *rand.Rand) {
	in, out := w.Dims()
	fillNormal(w, math.Sqrt(2/float64(in+out)), rng)
}

func fillNormal(w *mat.Dense, std float64, rng *rand.Rand) {
	r, c := w.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			w.Set(i, j, std*rng.NormFloat64())
		}
	}
}

// TorchUniform draws from U(−1/√fanIn, 1/√fanIn), the default initialisation
// of PyTorch's nn.Linear weights (kaiming_uniform_ with a = √5). PyTorch draws
// the bias from the same range; InitTorch does both.
func TorchUniform(w *mat.Dense, rng *rand.Rand) {
	in, _ := w.Dims()
	fill(w, 1/math.Sqrt(float64(in)), rng)
}

// InitTorch redraws the weights and biases of each layer as PyTorch's
// nn.Linear does by default: both from U(−1/√fanIn, 1/√fanIn). Reference
// implementations of published results are usually PyTorch code, and their
// training curves depend on this scale (GFlowNet policies, for one, train
// markedly better from it than from He initialisation).
func InitTorch(rng *rand.Rand, layers ...*Linear) {
	for _, l := range layers {
		TorchUniform(l.W.Value, rng)
		in, _ := l.W.Dims()
		fill(l.B.Value, 1/math.Sqrt(float64(in)), rng)
	}
}
