package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/optim"
	"gonum.org/v1/gonum/mat"
)

// reconConfig is the setting of the 2-D reconstruction.
type reconConfig struct {
	Steps, Batch     int     // training steps, rays per step
	LR               float64 // base learning rate, decayed ×0.1 over the run
	SlowLR           float64 // factor on LR for the hierarchical RVS proposal
	Hidden, Freqs    int     // MLP width, positional encoding frequencies
	Knots, Fine      int     // proposal / Monte Carlo knots, hierarchical fine samples
	Views, TestViews int     // cameras of the training and the held-out images
	Width            int     // pixels per image
	Evals            int     // evaluations on the held-out views during a run
}

// methodSpec names a method and says how to build it and what it costs.
type methodSpec struct {
	name             string
	family           string // "quadrature", "monte carlo", "hierarchical"
	radiance, dens   int    // network evaluations per ray and training step
	build            func(cfg *reconConfig, rng *rand.Rand) method
	denseQuadrature  bool // its field can be rendered by dense quadrature
	radianceAtRender int  // radiance evaluations per ray when rendering
}

// parseMethod parses quadN, mcK, hier-rvs or hier-base.
func parseMethod(name string, cfg *reconConfig) (methodSpec, error) {
	num := func(prefix string) (int, bool) {
		n, err := strconv.Atoi(strings.TrimPrefix(name, prefix))
		return n, err == nil && n > 0 && strings.HasPrefix(name, prefix)
	}
	if n, ok := num("quad"); ok {
		return methodSpec{name: name, family: "quadrature", radiance: n, dens: n, denseQuadrature: true, radianceAtRender: n,
			build: func(cfg *reconConfig, rng *rand.Rand) method {
				return &quadMethod{f: newField(cfg.Freqs, cfg.Hidden, true, rng), n: n}
			}}, nil
	}
	if k, ok := num("mc"); ok {
		return methodSpec{name: name, family: "monte carlo", radiance: k, dens: cfg.Knots, denseQuadrature: true, radianceAtRender: k,
			build: func(cfg *reconConfig, rng *rand.Rand) method {
				return &mcMethod{f: newField(cfg.Freqs, cfg.Hidden, true, rng), m: cfg.Knots, k: k}
			}}, nil
	}
	switch name {
	case "hier-rvs", "hier-frozen":
		return methodSpec{name: name, family: "hierarchical", radiance: cfg.Fine, dens: cfg.Knots + cfg.Fine, radianceAtRender: cfg.Fine,
			build: func(cfg *reconConfig, rng *rand.Rand) method {
				return &hierRVS{coarse: newField(cfg.Freqs, cfg.Hidden, false, rng), fine: newField(cfg.Freqs, cfg.Hidden, true, rng),
					m: cfg.Knots, n: cfg.Fine, frozen: name == "hier-frozen"}
			}}, nil
	case "hier-base":
		return methodSpec{name: name, family: "hierarchical", radiance: cfg.Knots + cfg.Fine, dens: cfg.Knots + cfg.Fine, radianceAtRender: cfg.Fine,
			build: func(cfg *reconConfig, rng *rand.Rand) method {
				return &hierBase{coarse: newField(cfg.Freqs, cfg.Hidden, true, rng), fine: newField(cfg.Freqs, cfg.Hidden, true, rng), m: cfg.Knots, n: cfg.Fine}
			}}, nil
	}
	return methodSpec{}, fmt.Errorf("unknown method %q (want quadN, mcK, hier-rvs, hier-frozen or hier-base)", name)
}

// curvePoint is one evaluation during training.
type curvePoint struct {
	Step    int     `json:"step"`
	Seconds float64 `json:"seconds"` // training time so far, evaluations excluded
	PSNR    float64 `json:"psnr"`    // held-out views, the method's own renderer
}

// runResult is the outcome of training one method from one seed.
type runResult struct {
	Method    string       `json:"method"`
	Seed      int          `json:"seed"`
	PSNR      float64      `json:"psnr"`        // final, own renderer
	DensePSNR float64      `json:"dense_psnr"`  // final, 256-point quadrature of the field; NaN if not meaningful
	Seconds   float64      `json:"seconds"`     // training time
	MsPerStep float64      `json:"ms_per_step"` // median over the evaluation intervals
	FinalLoss float64      `json:"final_loss"`
	Inside    float64      `json:"inside"` // fraction of the radiance samples of held-out rays inside a disc
	Curve     []curvePoint `json:"curve"`
	views     [][3]float64 // the held-out views as rendered at the end
	grids     []*mat.Dense // density fields on a grid
	gridNames []string
	spec      methodSpec
}

// train trains one method from one seed and evaluates it on the held-out
// views cfg.Evals times. log receives a line per evaluation.
func train(cfg *reconConfig, spec methodSpec, seed int, sc *scene, trainSet, testSet *rayData, log func(string)) runResult {
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	m := spec.build(cfg, rng)
	base, slow := m.params()
	opt := &optim.Adam{Params: base, LR: cfg.LR,
		Schedule: optim.ExpDecay{Gamma: math.Pow(0.1, 1/float64(cfg.Steps))}}
	if slow != nil {
		opt.Groups = []optim.Group{{Params: slow, LR: cfg.LR * cfg.SlowLR}}
	}
	res := runResult{Method: spec.name, Seed: seed, DensePSNR: math.NaN(), spec: spec}
	var tp autograd.Tape
	idx := make([]int, cfg.Batch)
	var elapsed time.Duration
	var msPerStep []float64
	lastStep, lastElapsed := 0, time.Duration(0)
	every := max(1, cfg.Steps/cfg.Evals)
	var loss float64
	for step := 1; step <= cfg.Steps; step++ {
		start := time.Now()
		tp.Reset()
		for i := range idx {
			idx[i] = rng.IntN(len(trainSet.o))
		}
		l := m.loss(&tp, fillBatch(&tp, trainSet, idx, sc.bg), rng)
		tp.Backward(l)
		opt.Step()
		loss = l.Scalar()
		elapsed += time.Since(start)
		if step%every == 0 || step == cfg.Steps {
			psnr, _ := evaluate(m, testSet, sc.bg)
			res.Curve = append(res.Curve, curvePoint{Step: step, Seconds: elapsed.Seconds(), PSNR: psnr})
			msPerStep = append(msPerStep, 1e3*(elapsed-lastElapsed).Seconds()/float64(step-lastStep))
			lastStep, lastElapsed = step, elapsed
			log(fmt.Sprintf("%-9s seed %d  step %5d/%d  loss %.5f  held-out PSNR %5.2f dB  %6.1f s  %5.1f ms/step",
				spec.name, seed, step, cfg.Steps, loss, psnr, elapsed.Seconds(), msPerStep[len(msPerStep)-1]))
		}
	}
	res.Seconds, res.FinalLoss = elapsed.Seconds(), loss
	res.MsPerStep = median(msPerStep)
	res.PSNR, res.views = evaluate(m, testSet, sc.bg)
	res.Inside = inside(m, sc, testSet)
	fs, names := m.fields()
	if spec.denseQuadrature {
		res.DensePSNR, _ = evaluate(&quadMethod{f: fs[0], n: 256}, testSet, sc.bg)
	}
	for i, f := range fs {
		if f == nil {
			continue
		}
		res.grids = append(res.grids, densityGrid(f, 96))
		if names != nil {
			res.gridNames = append(res.gridNames, names[i])
		} else {
			res.gridNames = append(res.gridNames, "")
		}
	}
	return res
}

// evaluate renders the held-out rays with the method's deterministic
// renderer and returns the PSNR, 10·log₁₀(1/MSE) over every pixel and
// channel, and the rendered colours.
func evaluate(m method, set *rayData, bg [3]float64) (float64, [][3]float64) {
	out := make([][3]float64, len(set.o))
	var se float64
	inChunks(set, bg, func(tp *autograd.Tape, b *batch, idx []int) {
		c := m.render(tp, b)
		for i, j := range idx {
			for ch := 0; ch < 3; ch++ {
				v := c.Value.At(i, ch)
				out[j][ch] = v
				se += (v - set.colour[j][ch]) * (v - set.colour[j][ch])
			}
		}
	})
	return psnr(se / float64(3*len(set.o))), out
}

// inChunks calls f on batches of up to 256 consecutive rays of set, on a
// tape of its own; idx holds the rays' indices in set.
func inChunks(set *rayData, bg [3]float64, f func(tp *autograd.Tape, b *batch, idx []int)) {
	var tp autograd.Tape
	const chunk = 256
	idx := make([]int, 0, chunk)
	for lo := 0; lo < len(set.o); lo += chunk {
		idx = idx[:0]
		for i := lo; i < min(lo+chunk, len(set.o)); i++ {
			idx = append(idx, i)
		}
		tp.Reset()
		f(&tp, fillBatch(&tp, set, idx, bg), idx)
	}
}

// inside returns the fraction of the points at which m evaluates the
// radiance of the rays of set that lie inside a disc of the scene.
func inside(m method, sc *scene, set *rayData) float64 {
	var in, all int
	inChunks(set, sc.bg, func(tp *autograd.Tape, b *batch, idx []int) {
		z := m.samples(tp, b)
		_, n := z.Dims()
		for i, j := range idx {
			for c := 0; c < n; c++ {
				t := z.Value.At(i, c)
				if sc.density(set.o[j][0]+t*set.d[j][0], set.o[j][1]+t*set.d[j][1]) > 0 {
					in++
				}
				all++
			}
		}
	})
	return float64(in) / float64(all)
}

func psnr(mse float64) float64 { return -10 * math.Log10(mse) }

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	for i := range s { // insertion sort: a handful of values
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return 0.5 * (s[len(s)/2-1] + s[len(s)/2])
}
