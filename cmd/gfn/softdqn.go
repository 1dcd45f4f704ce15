package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/gogfn/gogfn/autograd"
	"github.com/gogfn/gogfn/envs/hypergrid"
	"github.com/gogfn/gogfn/gfn"
	"github.com/gogfn/gogfn/nn"
)

// munchausenAlpha is α of -loss mdqn (Tiapkin et al. 2024, ALGORITHMS.md 3.3).
const munchausenAlpha = 0.15

// softDQNSession is a session of gfn.SoftDQN (-loss softdqn and mdqn).
//
// gfn.SoftDQN has no checkpoint of its own. This session saves the online and
// target Q-networks and the counters (softdqnMagic below), which is enough to
// evaluate and sample from a trained model but not to resume training
// identically (the replay buffer, optimizer moments and random state are not
// saved), so gfn train refuses -resume for these losses.
type softDQNSession struct {
	dqn   *gfn.SoftDQN
	q, tg *gfn.QNet
	env   *hypergrid.Env
	batch int
	iter  int
}

// softdqnMagic starts a CLI Soft DQN checkpoint; the last byte is the version.
var softdqnMagic = []byte("gfn-cli-softdqn\x01")

func newSoftDQNSession(cfg *config, env *hypergrid.Env) (*softDQNSession, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed))
	q := gfn.NewQNet(env, cfg.Hidden, rng)
	tg := gfn.NewQNet(env, cfg.Hidden, rng)
	alpha := 0.0
	if cfg.Loss == "mdqn" {
		alpha = munchausenAlpha
	}
	d := &gfn.SoftDQN{
		Env: env, Q: q, Target: tg, Rng: rng,
		Alpha:        alpha,
		Epsilon:      cfg.Epsilon,
		Trajectories: cfg.Batch,
		LR:           cfg.LR,
	}
	q.Lambda, tg.Lambda = d.Lambda(), d.Lambda()
	return &softDQNSession{dqn: d, q: q, tg: tg, env: env, batch: cfg.Batch}, nil
}

// Step runs one iteration; before learning starts its loss is 0.
func (s *softDQNSession) Step() (float64, error) {
	st, err := s.dqn.Step()
	if err != nil {
		return math.NaN(), err
	}
	s.iter++
	if !st.Learned {
		return 0, nil
	}
	return st.Loss, nil
}

func (s *softDQNSession) Iter() int                { return s.iter }
func (s *softDQNSession) Trajectories() int        { return s.iter * s.batch }
func (s *softDQNSession) StateDim() int            { return s.env.D }
func (s *softDQNSession) StateAt(dst []int, i int) { s.env.StateAt(dst, i) }

func (s *softDQNSession) Evaluate() (evaluation, error) {
	target, logZ := gfn.TargetDistribution(s.env)
	learned := gfn.ExactDistribution(s.env, s.q)
	d := gfn.Compare(learned, target)
	e := evaluation{
		L1: d.L1, L1Mean: d.L1Mean, KL: d.KL, JSD: d.JSD,
		LogZ: s.logF0(), TrueLogZ: logZ,
		EmpL1Mean: math.NaN(), EmpKL: math.NaN(), Modes: -1,
		Target: target, Learned: learned,
	}
	if emp := s.dqn.Samples(); emp != nil && emp.Total() > 0 {
		d := emp.Distances(target)
		e.EmpL1Mean, e.EmpKL = d.L1Mean, d.KL
		e.Modes, e.NumModes = emp.ModesFound(target)
	}
	return e, nil
}

// logF0 returns log F(s₀) = λ·log Σₐ exp(Q(s₀, a)/λ), the model's log Z.
func (s *softDQNSession) logF0() float64 {
	s0 := make([]int, s.env.D)
	s.env.Start(s0)
	var t autograd.Tape
	_, logF := s.q.Evaluate(&t, s0, 1)
	return logF.Value.At(0, 0)
}

// Sample rolls out n trajectories of softmax(Q/λ), the trained policy, one
// at a time (gfn sample is not a hot path).
func (s *softDQNSession) Sample(dst []int, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed))
	spec := s.env.Spec()
	mask := make([]bool, spec.NumActions)
	cur, next := make([]int, spec.StateDim), make([]int, spec.StateDim)
	q := make([]float64, spec.NumActions)
	var t autograd.Tape
	for i := range n {
		s.env.Start(cur)
		for range spec.MaxLen {
			t.Reset()
			copy(q, s.q.Q(&t, cur, 1).Value.RawRowView(0))
			s.env.Mask(mask, cur)
			a := gfn.SampleSoft(rng, q, mask, s.q.Lambda, 0)
			if a == spec.NumActions-1 {
				break
			}
			s.env.Step(next, cur, a)
			cur, next = next, cur
		}
		copy(dst[i*spec.StateDim:], cur)
	}
	return nil
}

func (s *softDQNSession) Save(path string) error {
	return nn.WriteFileAtomic(path, func(w io.Writer) error {
		var hdr [16]byte
		binary.LittleEndian.PutUint64(hdr[:8], uint64(s.iter))
		binary.LittleEndian.PutUint64(hdr[8:], uint64(s.batch))
		if _, err := w.Write(append(append([]byte{}, softdqnMagic...), hdr[:]...)); err != nil {
			return err
		}
		if err := nn.WriteParams(w, s.q.Params()); err != nil {
			return err
		}
		return nn.WriteParams(w, s.tg.Params())
	})
}

// Load restores the networks and counters saved by Save. The parameter files
// carry checksums and shapes; on any error the session is unchanged.
func (s *softDQNSession) Load(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n := len(softdqnMagic)
	if len(b) < n+16 || !bytes.Equal(b[:n], softdqnMagic) {
		return errors.New("not a gfn softdqn/mdqn checkpoint")
	}
	iter := int(binary.LittleEndian.Uint64(b[n:]))
	batch := int(binary.LittleEndian.Uint64(b[n+8:]))
	if batch != s.batch || iter < 0 || iter > 1<<40 {
		return fmt.Errorf("checkpoint of %d trajectories per iteration, the config says %d", batch, s.batch)
	}
	// Read into clones so that a bad second network leaves the first intact.
	q, tg := s.q.Net.Clone(), s.tg.Net.Clone()
	r := bufio.NewReader(bytes.NewReader(b[n+16:]))
	if err := nn.ReadParams(r, q.Params()); err != nil {
		return err
	}
	if err := nn.ReadParams(r, tg.Params()); err != nil {
		return err
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return errors.New("trailing bytes after the networks")
	}
	nn.CopyParams(s.q.Net, q)
	nn.CopyParams(s.tg.Net, tg)
	s.iter = iter
	return nil
}
