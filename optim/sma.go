package optim

import (
	"encoding"
	"math"

	"github.com/gogfn/gogfn/autograd"
)

var (
	_ Averager                   = (*SMA)(nil)
	_ encoding.BinaryMarshaler   = (*SMA)(nil)
	_ encoding.BinaryUnmarshaler = (*SMA)(nil)
)

// SMA is the simple moving average of Arpit et al. ("Ensemble of Averages:
// Improving Model Selection and Boosting Performance in Domain
// Generalization", NeurIPS 2022, arXiv 2110.10832), as the official WAKD code
// runs it ("EoA"): the uniform running average of the iterates from update
// t₀ = Start on, scored on validation data every Every updates, of which the
// best-scoring snapshot is kept.
//
// At update t₀ the average is θ_{t₀}; it is scored at once and becomes the
// first snapshot. After every later update t with t mod Every = 0 (counted
// from the first Update, not from t₀) the running average is scored, and it
// replaces the snapshot when its score is strictly higher. CopyTo and Swap
// give the snapshot. A NaN score counts as −Inf.
//
// Memory is two copies of the parameters (three after the first Swap),
// allocated on the first Update; later Updates allocate nothing (apart from
// what Score does).
type SMA struct {
	Params []*autograd.Node
	Start  int // t₀, the first update whose iterate is averaged; 0 means 1
	Every  int // updates between scorings; 0 means 100
	// Score returns the validation score of the live Params, higher being
	// better (an accuracy, or a negated loss). SMA swaps the running average
	// into Params before the call and swaps it out after, bit-exactly. It is
	// required.
	Score func() float64

	avg       Average
	held      // the snapshot
	bestScore float64
	bestAt    int // update of the snapshot; 0 before t₀
	bestN     int // iterates in the snapshot
}

// Update folds the parameters' current values into the running average and,
// at t₀ and every Every updates after it, scores the average.
//
// It panics if Score is nil, Every is negative, the snapshot is swapped in,
// or the parameters' number or shapes have changed since the first Update.
func (s *SMA) Update() {
	every := s.Every
	if every == 0 {
		every = 100
	}
	if every < 1 || s.Score == nil {
		panic("optim: SMA with a negative Every or without a Score function")
	}
	checkNotSwapped("SMA", s.swapped)
	s.avg.Params, s.avg.Start = s.Params, s.Start
	ensureBufs(&s.bufs, s.Params, s.avg.t)
	s.avg.Update()
	t, k := s.avg.t, s.avg.k
	if k == 0 || k > 1 && t%every != 0 {
		return
	}
	s.avg.Swap()
	score := s.Score()
	s.avg.Swap()
	if math.IsNaN(score) {
		score = math.Inf(-1)
	}
	if k == 1 || score > s.bestScore {
		for i := range s.bufs {
			copy(s.bufs[i], s.avg.bufs[i])
		}
		s.bestScore, s.bestAt, s.bestN = score, t, k
	}
}

// Count returns the number of iterates in the snapshot.
func (s *SMA) Count() int { return s.bestN }

// Best returns the snapshot's score and the update at which it was taken
// (its running average covers updates t₀ to at); 0, 0 before t₀.
func (s *SMA) Best() (score float64, at int) { return s.bestScore, s.bestAt }

// Running returns the running average from t₀, updated at every Update
// whether or not it scores best: the WAKD model when t₀ is the same. Read it
// with CopyTo or Swap; updating it directly would skip SMA's scoring.
func (s *SMA) Running() *Average { return &s.avg }

// Steps returns the number of Updates.
func (s *SMA) Steps() int { return s.avg.t }

// CopyTo writes the snapshot into the values of dst.
//
// It panics if Count is 0, len(dst) ≠ len(Params) or a shape differs.
func (s *SMA) CopyTo(dst []*autograd.Node) { s.copyTo("SMA", s.bestN, dst, s.Params) }

// Swap exchanges the snapshot with the values of Params.
//
// It panics if Count is 0.
func (s *SMA) Swap() { s.swap("SMA", s.bestN, s.Params) }

// MarshalBinary returns the state (the running average, the snapshot, its
// score and position) in the versioned, checksummed format of the
// optimizers' state. It returns an error while the snapshot is swapped in.
func (s *SMA) MarshalBinary() ([]byte, error) {
	meta := []float64{float64(s.avg.k), s.bestScore, float64(s.bestAt), float64(s.bestN)}
	return s.marshal("SMA1", s.avg.t, meta, s.avg.bufs)
}

// UnmarshalBinary restores state written by MarshalBinary, checked against
// Params. On error (wrapping ErrState) the SMA is unchanged.
func (s *SMA) UnmarshalBinary(data []byte) error {
	t, meta, bufs, err := decode("SMA1", data, 4, s.Params, 2)
	if err != nil {
		return err
	}
	var c [3]int
	for i, v := range []float64{meta[0], meta[2], meta[3]} {
		if c[i], err = count(v, t); err != nil {
			return err
		}
	}
	p := len(s.Params)
	best, avg := bufs, bufs
	if t > 0 {
		best, avg = bufs[:p], bufs[p:]
	}
	s.avg = Average{Params: s.Params, Start: s.Start, t: t, k: c[0], held: held{bufs: avg}}
	s.held, s.bestScore, s.bestAt, s.bestN = held{bufs: best}, meta[1], c[1], c[2]
	return nil
}
