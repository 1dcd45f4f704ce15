package policy

import (
	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/internal/scratch"
)

// scores turns per-row network outputs into a batch's Scores: src[m] is the
// row of transition m's source state, tgt[m] the row of its target (read only
// for non-exit transitions and a learned P_B).
func (p *Policy) scores(dst *gfn.Scores, t *autograd.Tape, b *gfn.Batch, logits, pb, logF *autograd.Node, src, tgt []int) *gfn.Scores {
	if dst == nil {
		dst = new(gfn.Scores)
	}
	*dst = gfn.Scores{Model: p, Env: p.Env}
	m := b.M()
	// The log-softmax runs on the network's rows in place, each masked by
	// the state of the transition that reads it (a row no transition reads,
	// a terminal state of Score, is all valid), and only the picked
	// log-probabilities are gathered into the batch's order: the same
	// values and gradients as gathering the rows first, without copying
	// them.
	rows, _ := logits.Dims()
	p.fmask = scratch.Resize(p.fmask, rows*p.a)
	p.acts = scratch.Resize(p.acts, rows)
	for r := range p.acts {
		p.acts[r] = -1
	}
	for j := 0; j < m; j++ {
		r := src[j]
		if p.acts[r] >= 0 {
			panic("policy: two transitions read the same row of the network's outputs")
		}
		p.Env.Mask(p.fmask[r*p.a:r*p.a+p.a], b.Source(j))
		p.acts[r] = b.Actions[j]
	}
	for r, a := range p.acts {
		if a < 0 {
			row := p.fmask[r*p.a : r*p.a+p.a]
			for i := range row {
				row[i] = true
			}
			p.acts[r] = 0
		}
	}
	if p.Spec.Exit {
		ls := t.LogSoftmax(logits, p.fmask)
		dst.LogPF = t.Rows(t.Pick(ls, p.acts), src[:m])
		for r := range p.acts {
			p.acts[r] = p.a - 1
		}
		dst.LogPFExit = t.Rows(t.Pick(ls, p.acts), src[:m])
	} else { // one log-probability per row: no [rows×A] log-softmax kept
		dst.LogPF = t.Rows(t.LogSoftmaxPick(logits, p.fmask, p.acts), src[:m])
	}
	if logF != nil {
		dst.LogF = t.Rows(logF, src)
	}
	if !p.ownScores() {
		dst.LogPB = p.scorer.Batch(t, b)
		return dst
	}
	nb := p.Spec.NumBackward
	p.bmask = scratch.Resize(p.bmask, m*nb)
	p.acts = scratch.Resize(p.acts, m)
	p.rows = scratch.Resize(p.rows, m)
	for j := 0; j < m; j++ {
		row := p.bmask[j*nb : j*nb+nb]
		if b.Exit[j] { // P_B = 1: a single valid entry gives log 1 = 0 exactly
			clear(row)
			row[0], p.acts[j], p.rows[j] = true, 0, src[j]
			continue
		}
		p.rev.BackwardMask(row, b.Target(j))
		p.acts[j], p.rows[j] = b.Back[j], tgt[j]
	}
	dst.LogPB = t.LogSoftmaxPick(t.Rows(pb, p.rows), p.bmask, p.acts)
	return dst
}

// Score records on t the scores of every transition of b, in b's order, with
// one batched forward pass over its M+N states, and returns them in dst (a new
// Scores when dst is nil). It is how a stored batch (replay) is scored.
//
// It panics if b is empty.
func (p *Policy) Score(dst *gfn.Scores, t *autograd.Tape, b *gfn.Batch) *gfn.Scores {
	m := b.M()
	if b.N < 1 || m < 1 {
		panic("policy: Score of an empty batch")
	}
	logits, pb, logF := p.forward(t, b.States, m+b.N)
	p.st = scratch.Resize(p.st, 2*m)
	src, tgt := p.st[:m], p.st[m:]
	for j := 0; j < m; j++ {
		src[j] = j + b.Traj[j]
		tgt[j] = src[j] + 1
	}
	return p.scores(dst, t, b, logits, pb, logF, src, tgt)
}
