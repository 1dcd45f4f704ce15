package autograd_test

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// attnCase is one configuration of Attention in the op table.
type attnCase struct {
	name        string
	seqs, l, h  int
	dh          int
	valid       func(b, j int) bool // nil: no mask
	p           float64             // dropout
	fullyMasked bool                // some sequence has no valid key
}

var attnCases = []attnCase{
	{name: "1x1", seqs: 1, l: 1, h: 1, dh: 1},
	{name: "B2L3H2", seqs: 2, l: 3, h: 2, dh: 2},
	{name: "B3L4H3dh1", seqs: 3, l: 4, h: 3, dh: 1},
	{name: "B2L5H1dh3/masked", seqs: 2, l: 5, h: 1, dh: 3,
		valid: func(b, j int) bool { return (j+b)%3 != 1 }},
	{name: "B3L4H2/all-masked-sequence", seqs: 3, l: 4, h: 2, dh: 2, fullyMasked: true,
		valid: func(b, j int) bool { return b != 1 && j != 2 }},
	{name: "B2L4H2/dropout", seqs: 2, l: 4, h: 2, dh: 2, p: 0.3},
	{name: "B2L4H2/masked/dropout", seqs: 2, l: 4, h: 2, dh: 2, p: 0.5,
		valid: func(b, j int) bool { return j != b }},
}

func (c attnCase) mask() []bool {
	if c.valid == nil {
		return nil
	}
	v := make([]bool, c.seqs*c.l)
	for b := range c.seqs {
		for j := range c.l {
			v[b*c.l+j] = c.valid(b, j)
		}
	}
	return v
}

// transformerCases are the op-table rows of the Transformer operations:
// LayerNorm, AddNorm, Affine, EmbedPositions, Dropout, FeedForward,
// SelfAttention and Attention.
func transformerCases() []opCase {
	cs := []opCase{
		{name: "LayerNorm", shapes: [][]dims{{{3, 5}, {1, 5}, {1, 5}}, {{6, 2}, {1, 2}, {1, 2}}, {{1, 7}, {1, 7}, {1, 7}}},
			f:   func(tp *tape, p []*node) *node { return tp.LayerNorm(p[0], p[1], p[2], 1e-5) },
			ref: layerNormRef},
		{name: "LayerNorm/width-1", shapes: [][]dims{{{4, 1}, {1, 1}, {1, 1}}},
			f:   func(tp *tape, p []*node) *node { return tp.LayerNorm(p[0], p[1], p[2], 1e-5) },
			ref: layerNormRef},
		{name: "LayerNorm/composed", shapes: [][]dims{{{4, 3}, {1, 3}, {1, 3}}},
			f: func(tp *tape, p []*node) *node {
				return tp.LayerNorm(tp.Tanh(p[0]), p[1], tp.Scale(2, p[2]), 0.1)
			}},
		{name: "AddNorm", shapes: [][]dims{{{3, 5}, {3, 5}, {1, 5}, {1, 5}}, {{1, 2}, {1, 2}, {1, 2}, {1, 2}}},
			f: func(tp *tape, p []*node) *node { return tp.AddNorm(p[0], p[1], p[2], p[3], 1e-5, 0, nil) },
			ref: func(p []*mat.Dense) *mat.Dense {
				var z mat.Dense
				z.Add(p[0], p[1])
				return layerNormRef([]*mat.Dense{&z, p[2], p[3]})
			}},
		{name: "AddNorm/dropout", shapes: [][]dims{{{4, 6}, {4, 6}, {1, 6}, {1, 6}}},
			f: func(tp *tape, p []*node) *node {
				return tp.AddNorm(p[0], p[1], p[2], p[3], 1e-5, 0.4, rand.New(rand.NewPCG(1, 8)))
			}},
		{name: "Affine", shapes: [][]dims{{{3, 4}, {4, 5}, {1, 5}}, {{1, 1}, {1, 1}, {1, 1}}, {{6, 2}, {2, 1}, {1, 1}}},
			f: func(tp *tape, p []*node) *node { return tp.Affine(p[0], p[1], p[2]) },
			ref: func(p []*mat.Dense) *mat.Dense {
				var d mat.Dense
				d.Mul(p[0], p[1])
				return elem2(func(x, y float64) float64 { return x + y })([]*mat.Dense{&d, p[2]})
			}},
		{name: "EmbedPositions", shapes: [][]dims{{{4, 3}, {2, 3}}, {{1, 2}, {3, 2}}, {{3, 1}, {1, 1}}},
			f: func(tp *tape, p []*node) *node {
				v, _ := p[0].Dims()
				l, _ := p[1].Dims()
				idx := make([]int, 2*l)
				for i := range idx {
					idx[i] = (3*i + 1) % v // tokens repeat
				}
				return tp.EmbedPositions(p[0], p[1], idx)
			},
			ref: func(p []*mat.Dense) *mat.Dense {
				v, n := p[0].Dims()
				l, _ := p[1].Dims()
				d := mat.NewDense(2*l, n, nil)
				for i := range 2 * l {
					for j := range n {
						d.Set(i, j, p[0].At((3*i+1)%v, j)+p[1].At(i%l, j))
					}
				}
				return d
			}},
		{name: "Dropout/p=0.3", shapes: one,
			f: func(tp *tape, p []*node) *node { return tp.Dropout(p[0], 0.3, rand.New(rand.NewPCG(3, 4))) }},
		{name: "Dropout/p=0", shapes: one,
			f: func(tp *tape, p []*node) *node { return tp.Dropout(p[0], 0, nil) }, ref: elem(func(v float64) float64 { return v })},
		{name: "Dropout/p=1", shapes: one,
			f: func(tp *tape, p []*node) *node {
				return tp.Add(p[0], tp.Dropout(p[0], 1, rand.New(rand.NewPCG(3, 4))))
			}, ref: elem(func(v float64) float64 { return v })},
	}
	for _, c := range []struct {
		name  string
		shape []dims // x, w1 (w2 is [f×m])
		m     int
		p     float64
	}{{"1x1", []dims{{1, 1}, {1, 1}}, 1, 0}, {"5x3-4-2", []dims{{5, 3}, {3, 4}}, 2, 0}, {"6x4-7-3/dropout", []dims{{6, 4}, {4, 7}}, 3, 0.3}} {
		x, w1, m := c.shape[0], c.shape[1], c.m
		cs = append(cs, opCase{name: "FeedForward/" + c.name,
			shapes: [][]dims{{x, w1, {1, w1[1]}, {w1[1], m}, {1, m}}},
			f: func(tp *tape, p []*node) *node {
				var rng *rand.Rand
				if c.p > 0 {
					rng = rand.New(rand.NewPCG(4, 5))
				}
				return tp.FeedForward(p[0], p[1], p[2], p[3], p[4], c.p, rng)
			}})
	}
	for _, c := range attnCases {
		d := c.h * c.dh
		cs = append(cs, opCase{name: "SelfAttention/" + c.name,
			shapes: [][]dims{{{c.seqs * c.l, 3}, {3, 3 * d}, {1, 3 * d}, {d, 2}, {1, 2}}},
			f: func(tp *tape, p []*node) *node {
				var rng *rand.Rand
				if c.p > 0 {
					rng = rand.New(rand.NewPCG(5, 6))
				}
				return tp.SelfAttention(p[0], p[1], p[2], p[3], p[4], c.l, c.h, c.mask(), c.p, rng)
			}})
	}
	for _, c := range attnCases {
		d := c.h * c.dh
		oc := opCase{name: "Attention/" + c.name, shapes: [][]dims{{{c.seqs * c.l, 3 * d}}},
			f: func(tp *tape, p []*node) *node {
				var rng *rand.Rand
				if c.p > 0 {
					rng = rand.New(rand.NewPCG(5, 6))
				}
				return tp.Attention(p[0], c.l, c.h, c.mask(), c.p, rng)
			}}
		if c.p == 0 {
			oc.ref = func(p []*mat.Dense) *mat.Dense { return attentionRef(p[0], c.l, c.h, c.mask()) }
		}
		cs = append(cs, oc)
	}
	return cs
}

func layerNormRef(p []*mat.Dense) *mat.Dense {
	return rowsRef(func(n int) int { return n }, func(_ int, row, dst []float64) {
		n := float64(len(row))
		mu := sum(row) / n
		var v float64
		for _, x := range row {
			v += (x - mu) * (x - mu) / n
		}
		for j, x := range row {
			dst[j] = (x-mu)/math.Sqrt(v+1e-5)*p[1].At(0, j) + p[2].At(0, j)
		}
	})(p)
}

// attentionRef computes Attention without dropout by the definition, one
// query, head and key at a time.
func attentionRef(qkv *mat.Dense, l, h int, valid []bool) *mat.Dense {
	n, c3 := qkv.Dims()
	d := c3 / 3
	dh := d / h
	out := mat.NewDense(n, d, nil)
	for b := 0; b < n/l; b++ {
		for hd := range h {
			for i := range l {
				w := make([]float64, l)
				var z float64
				for j := range l {
					if valid != nil && !valid[b*l+j] {
						continue
					}
					var s float64
					for c := range dh {
						s += qkv.At(b*l+i, hd*dh+c) * qkv.At(b*l+j, d+hd*dh+c)
					}
					w[j] = math.Exp(s / math.Sqrt(float64(dh)))
					z += w[j]
				}
				for c := range dh {
					var o float64
					for j := range l {
						if w[j] != 0 {
							o += w[j] / z * qkv.At(b*l+j, 2*d+hd*dh+c)
						}
					}
					out.Set(b*l+i, hd*dh+c, o)
				}
			}
		}
	}
	return out
}
