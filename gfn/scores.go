package gfn

import "github.com/gogfn/gogfn/autograd"

// scores turns per-row network outputs into a batch's Scores: src[m] is the
// row of transition m's source state, tgt[m] the row of its target (used only
// for non-exit transitions and a learned P_B).
func (p *Policy) scores(dst *Scores, t *autograd.Tape, b *Batch, logits, pb, logF *autograd.Node, src, tgt []int) *Scores {
	if dst == nil {
		dst = new(Scores)
	}
	*dst = Scores{Model: p}
	m := b.M()
	p.fmask = sized(p.fmask, m*p.a)
	for j := 0; j < m; j++ {
		p.Env.Mask(p.fmask[j*p.a:j*p.a+p.a], b.Source(j))
	}
	ls := t.LogSoftmax(t.Rows(logits, src), p.fmask)
	dst.LogPF = t.Pick(ls, b.Actions[:m])
	if p.Spec.Exit {
		p.acts = sized(p.acts, m)
		for j := range p.acts {
			p.acts[j] = p.a - 1
		}
		dst.LogPFExit = t.Pick(ls, p.acts)
	}
	if logF != nil {
		dst.LogF = t.Rows(logF, src)
	}
	nb := p.Spec.NumBackward
	if p.Learned() {
		p.bmask = sized(p.bmask, m*nb)
		p.acts = sized(p.acts, m)
		p.rows = sized(p.rows, 3*m) // keep src and tgt; rows[2m:] are the gathered rows
		rows := p.rows[2*m : 3*m]
		for j := 0; j < m; j++ {
			row := p.bmask[j*nb : j*nb+nb]
			if b.Exit[j] { // P_B = 1: a single valid entry gives log 1 = 0 exactly
				clear(row)
				row[0], p.acts[j], rows[j] = true, 0, src[j]
				continue
			}
			p.rev.BackwardMask(row, b.Target(j))
			p.acts[j], rows[j] = b.Back[j], tgt[j]
		}
		dst.LogPB = t.Pick(t.LogSoftmax(t.Rows(pb, rows), p.bmask), p.acts)
		return dst
	}
	out := t.Input(m, 1)
	v := out.Value.RawMatrix().Data
	if p.rev != nil {
		p.bmask = sized(p.bmask, nb)
		p.fixed = sized(p.fixed, nb)
		for j := 0; j < m; j++ {
			if b.Exit[j] {
				continue // log P_B = 0 on the exit edge (Input is zeroed)
			}
			x := b.Target(j)
			p.rev.BackwardMask(p.bmask, x)
			p.fixedRow(p.fixed, p.bmask, x)
			v[j] = p.fixed[b.Back[j]]
		}
	}
	dst.LogPB = out
	return dst
}
