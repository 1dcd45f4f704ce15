package main

import (
	"math/rand/v2"
	"slices"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/nn"
	"github.com/gogfn/gogfn/nn/volume"
	"gonum.org/v1/gonum/mat"
)

// field is a density network and, unless it is a density-only proposal, a
// radiance network, each a small MLP on the positional encoding of 2-D
// points: density softplus(MLP(γ(x))) ≥ 0, colour sigmoid(MLP(γ(x))) ∈ (0, 1)³.
type field struct {
	freqs int     // positional encoding frequencies L
	dens  *nn.MLP // [2(2L+1) → hidden → hidden → 1]
	rad   *nn.MLP // [2(2L+1) → hidden → hidden → 3], nil for density only
}

func newField(freqs, hidden int, colour bool, rng *rand.Rand) *field {
	in := 2 * (2*freqs + 1)
	f := &field{freqs: freqs, dens: nn.NewMLP([]int{in, hidden, hidden, 1}, nn.ReLU, rng)}
	if colour {
		f.rad = nn.NewMLP([]int{in, hidden, hidden, 3}, nn.ReLU, rng)
	}
	return f
}

func (f *field) params() []*autograd.Node {
	ps := f.dens.Params()
	if f.rad != nil {
		ps = append(ps, f.rad.Params()...)
	}
	return ps
}

// at returns the encoded points at depths z [B×k] along the batch's rays
// [B·k × 2(2L+1)].
func (f *field) at(tp *autograd.Tape, b *batch, z *autograd.Node) *autograd.Node {
	return volume.PosEnc(tp, volume.Points(tp, z, b.o, b.d), f.freqs)
}

func (f *field) density(tp *autograd.Tape, enc *autograd.Node) *autograd.Node {
	return tp.Softplus(f.dens.Forward(tp, enc))
}

func (f *field) colour(tp *autograd.Tape, enc *autograd.Node) *autograd.Node {
	return tp.Sigmoid(f.rad.Forward(tp, enc))
}

// batch is a batch of rays on a tape: origins and directions [B×2], target
// colours [B×3] and the background [1×3].
type batch struct {
	o, d, target, bg *autograd.Node
}

// method is a way of rendering rays from learned fields and training them.
type method interface {
	// params returns the parameters trained at the base learning rate and
	// those trained at a tenth of it.
	params() (base, slow []*autograd.Node)
	// loss returns the training loss of a batch, with random samples.
	loss(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node
	// render returns the colours of a batch [B×3], deterministically.
	render(tp *autograd.Tape, b *batch) *autograd.Node
	// fields returns the fields to draw, labelled by the names (nil for
	// one unlabelled field).
	fields() ([]*field, []string)
	// samples returns the depths [B×n] at which render evaluates the
	// radiance.
	samples(tp *autograd.Tape, b *batch) *autograd.Node
}

// knots returns n stratified depths per ray on [near, far] [B×n],
// (j + ξ)/n of the way, with ξ uniform (or ½ for a nil rng).
func knots(tp *autograd.Tape, rays, n int, rng *rand.Rand) *autograd.Node {
	t := tp.Input(rays, n)
	volume.Stratified(t.Value, rng)
	v := t.Value.RawMatrix().Data
	for i := range v {
		v[i] = near + (far-near)*v[i]
	}
	return t
}

func mse(tp *autograd.Tape, c, target *autograd.Node) *autograd.Node {
	return tp.Mean(tp.SquaredError(c, target))
}

// quadMethod renders by NeRF's quadrature at n stratified points per ray,
// with density and radiance evaluated at all of them: method (a).
type quadMethod struct {
	f *field
	n int
}

func (m *quadMethod) samples(tp *autograd.Tape, b *batch) *autograd.Node {
	rays, _ := b.o.Dims()
	return knots(tp, rays, m.n, nil)
}

func (m *quadMethod) colour(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node {
	rays, _ := b.o.Dims()
	t := knots(tp, rays, m.n, rng)
	enc := m.f.at(tp, b, t)
	return volume.Quadrature(tp, t, m.f.density(tp, enc), m.f.colour(tp, enc), far, b.bg)
}

func (m *quadMethod) loss(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node {
	return mse(tp, m.colour(tp, b, rng), b.target)
}
func (m *quadMethod) render(tp *autograd.Tape, b *batch) *autograd.Node { return m.colour(tp, b, nil) }
func (m *quadMethod) params() (base, slow []*autograd.Node)             { return m.f.params(), nil }
func (m *quadMethod) fields() ([]*field, []string)                      { return []*field{m.f}, nil }

// mcMethod is the paper's Monte Carlo rendering, method (b): the density at
// m stratified knots per ray, piecewise linear between them, k stratified
// reparameterized samples, and the radiance at the samples only.
type mcMethod struct {
	f    *field
	m, k int
}

func (m *mcMethod) draw(tp *autograd.Tape, b *batch, rng *rand.Rand) (t, s, z *autograd.Node) {
	rays, _ := b.o.Dims()
	t = knots(tp, rays, m.m, rng)
	s = m.f.density(tp, m.f.at(tp, b, t))
	u := tp.Input(rays, m.k)
	volume.Stratified(u.Value, rng)
	return t, s, volume.Sample(tp, volume.Linear, t, s, u)
}

func (m *mcMethod) colour(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node {
	t, s, z := m.draw(tp, b, rng)
	return volume.Estimate(tp, volume.Linear, t, s, m.f.colour(tp, m.f.at(tp, b, z)), b.bg)
}

func (m *mcMethod) samples(tp *autograd.Tape, b *batch) *autograd.Node {
	_, _, z := m.draw(tp, b, nil)
	return z
}

func (m *mcMethod) loss(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node {
	return mse(tp, m.colour(tp, b, rng), b.target)
}
func (m *mcMethod) render(tp *autograd.Tape, b *batch) *autograd.Node { return m.colour(tp, b, nil) }
func (m *mcMethod) params() (base, slow []*autograd.Node)             { return m.f.params(), nil }
func (m *mcMethod) fields() ([]*field, []string)                      { return []*field{m.f}, nil }

// hierRVS is the paper's end-to-end hierarchical sampling, method (c): a
// density-only proposal at m stratified knots, n stratified samples drawn
// from it by RVS, the fine field only at the samples, rendered by
// quadrature, and the fine image loss alone, which trains the proposal
// through the sample positions. The proposal learns at a tenth of the rate,
// as in the paper.
type hierRVS struct {
	coarse, fine *field
	m, n         int
	frozen       bool // the proposal keeps its initial weights: a control
}

func (h *hierRVS) samples(tp *autograd.Tape, b *batch) *autograd.Node { return h.draw(tp, b, nil) }

func (h *hierRVS) draw(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node {
	rays, _ := b.o.Dims()
	t := knots(tp, rays, h.m, rng)
	s := h.coarse.density(tp, h.coarse.at(tp, b, t))
	u := tp.Input(rays, h.n)
	volume.Stratified(u.Value, rng)
	return volume.Sample(tp, volume.Linear, t, s, u)
}

func (h *hierRVS) colour(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node {
	z := h.draw(tp, b, rng)
	enc := h.fine.at(tp, b, z)
	return volume.Quadrature(tp, z, h.fine.density(tp, enc), h.fine.colour(tp, enc), far, b.bg)
}

func (h *hierRVS) loss(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node {
	return mse(tp, h.colour(tp, b, rng), b.target)
}
func (h *hierRVS) render(tp *autograd.Tape, b *batch) *autograd.Node { return h.colour(tp, b, nil) }
func (h *hierRVS) params() (base, slow []*autograd.Node) {
	if h.frozen {
		return h.fine.params(), nil
	}
	return h.fine.params(), h.coarse.params()
}
func (h *hierRVS) fields() ([]*field, []string) {
	return []*field{h.coarse, h.fine}, []string{"proposal", "fine"}
}

// hierBase is NeRF's hierarchical sampling, the baseline of (c): a coarse
// field with colour at m stratified knots, rendered by quadrature and given
// its own image loss; n importance samples drawn from its quadrature weights
// with no gradient (NeRF's sample_pdf, weights + 10⁻⁵); the fine field at
// the sorted samples only, as the paper's code runs both methods.
type hierBase struct {
	coarse, fine *field
	m, n         int
	w, u, edges  []float64 // per-ray scratch: weights, uniforms, bin edges
}

func (h *hierBase) colours(tp *autograd.Tape, b *batch, rng *rand.Rand) (coarse, fine *autograd.Node) {
	rays, _ := b.o.Dims()
	t := knots(tp, rays, h.m, rng)
	enc := h.coarse.at(tp, b, t)
	sigma := h.coarse.density(tp, enc)
	coarse = volume.Quadrature(tp, t, sigma, h.coarse.colour(tp, enc), far, b.bg)
	z := h.importance(tp, t, sigma, rng)
	enc = h.fine.at(tp, b, z)
	fine = volume.Quadrature(tp, z, h.fine.density(tp, enc), h.fine.colour(tp, enc), far, b.bg)
	return coarse, fine
}

func (h *hierBase) samples(tp *autograd.Tape, b *batch) *autograd.Node {
	rays, _ := b.o.Dims()
	t := knots(tp, rays, h.m, nil)
	return h.importance(tp, t, h.coarse.density(tp, h.coarse.at(tp, b, t)), nil)
}

// importance draws n samples per ray from the coarse quadrature weights,
// as constants [B×n].
func (h *hierBase) importance(tp *autograd.Tape, t, sigma *autograd.Node, rng *rand.Rand) *autograd.Node {
	rays, _ := t.Dims()
	z := tp.Input(rays, h.n)
	if len(h.w) != h.m+1 {
		h.w, h.u, h.edges = make([]float64, h.m+1), make([]float64, h.n), make([]float64, h.m-1)
	}
	edges := h.edges
	tv, sv, zv := t.Value.RawMatrix().Data, sigma.Value.RawMatrix().Data, z.Value.RawMatrix().Data
	for r := 0; r < rays; r++ {
		volume.QuadratureWeights(h.w, tv[r*h.m:(r+1)*h.m], sv[r*h.m:(r+1)*h.m], far)
		for j := range edges {
			edges[j] = 0.5 * (tv[r*h.m+j] + tv[r*h.m+j+1])
		}
		inner := h.w[1 : h.m-1] // the bins between midpoints, as NeRF
		for j := range inner {
			inner[j] += 1e-5
		}
		for i := range h.u {
			if rng != nil {
				h.u[i] = rng.Float64()
			} else {
				h.u[i] = (float64(i) + 0.5) / float64(h.n)
			}
		}
		out := zv[r*h.n : (r+1)*h.n]
		volume.SampleHistogram(out, edges, inner, h.u)
		slices.Sort(out)
	}
	return z
}

func (h *hierBase) loss(tp *autograd.Tape, b *batch, rng *rand.Rand) *autograd.Node {
	coarse, fine := h.colours(tp, b, rng)
	return tp.Add(mse(tp, coarse, b.target), mse(tp, fine, b.target))
}
func (h *hierBase) render(tp *autograd.Tape, b *batch) *autograd.Node {
	_, fine := h.colours(tp, b, nil)
	return fine
}
func (h *hierBase) params() (base, slow []*autograd.Node) {
	return append(h.fine.params(), h.coarse.params()...), nil
}
func (h *hierBase) fields() ([]*field, []string) {
	return []*field{h.coarse, h.fine}, []string{"coarse", "fine"}
}

// fillBatch copies rays idx of rd into a batch on tp.
func fillBatch(tp *autograd.Tape, rd *rayData, idx []int, bg [3]float64) *batch {
	n := len(idx)
	b := &batch{o: tp.Input(n, 2), d: tp.Input(n, 2), target: tp.Input(n, 3), bg: tp.Input(1, 3)}
	for i, j := range idx {
		copy(b.o.Value.RawRowView(i), rd.o[j][:])
		copy(b.d.Value.RawRowView(i), rd.d[j][:])
		copy(b.target.Value.RawRowView(i), rd.colour[j][:])
	}
	copy(b.bg.Value.RawRowView(0), bg[:])
	return b
}

// densityGrid evaluates the density of f on an n×n grid over [−1, 1]²,
// row 0 at y = 1.
func densityGrid(f *field, n int) *mat.Dense {
	var tp autograd.Tape
	pts := tp.Input(n*n, 2)
	for r := 0; r < n; r++ {
		for c := 0; c < n; c++ {
			pts.Value.Set(r*n+c, 0, -1+(2*float64(c)+1)/float64(n))
			pts.Value.Set(r*n+c, 1, 1-(2*float64(r)+1)/float64(n))
		}
	}
	d := f.density(&tp, volume.PosEnc(&tp, pts, f.freqs))
	return mat.NewDense(n, n, append([]float64(nil), d.Value.RawMatrix().Data...))
}
