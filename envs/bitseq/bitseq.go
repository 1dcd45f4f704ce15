package bitseq

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/gogfn/gogfn/gfn"
)

// TLMSeed is the numpy seed with which the TLM code builds its mode set and
// test set, whatever the run seed.
const TLMSeed = 42

// MaxK is the largest word width New accepts.
const MaxK = 16

// maxPacked is the number of 64-bit words a packed sequence may take before
// LogReward needs a heap buffer: n ≤ 512 bits reward without allocating.
const maxPacked = 8

// ErrConfig reports a Config that New cannot build. The message names the
// field.
var ErrConfig = errors.New("bitseq: bad config")

// Config describes a bit-sequence environment. The zero value is the papers'
// setting: n = 120, k = 8, 60 modes, β = 2, modes from numpy seed 42.
type Config struct {
	// N is the length n of a sequence in bits. It must be a multiple of 8
	// (modes are built from 8-bit words) and of K. Zero means 120.
	N int
	// K is the width k of a word in bits, 1 ≤ k ≤ MaxK; a sequence has n/k
	// slots and there are (n/k)·2^k actions. Zero means 8 (the TLM code's
	// default; the soft-RL code defaults to 4 and its README uses 8).
	K int
	// NumModes is |M|, the number of modes. Zero means 60.
	NumModes int
	// Beta is the reward exponent β in log R(x) = −β·min_m Hamming(x, m),
	// positive. Zero means 2.
	Beta float64
	// RunSeed selects the soft-RL code's seeding, in which the mode set and
	// the test set come from numpy seed Seed, so that they change with the
	// run. When false (the default) they come from TLMSeed = 42, as in the
	// TLM code.
	RunSeed bool
	// Seed is the numpy seed used when RunSeed is true (the soft-RL code's
	// run seed defaults to 0). It is ignored otherwise.
	Seed uint32
	// Threshold is the Hamming distance within which a sample finds a mode
	// (NewModeTracker). Zero means n/4, the papers' 30 for n = 120; a
	// negative value means 0, exact matches only.
	Threshold int
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.N == 0 {
		c.N = 120
	}
	if c.K == 0 {
		c.K = 8
	}
	if c.NumModes == 0 {
		c.NumModes = 60
	}
	if c.Beta == 0 {
		c.Beta = 2
	}
	switch {
	case c.Threshold == 0:
		c.Threshold = c.N / 4
	case c.Threshold < 0:
		c.Threshold = 0
	}
	return c
}

// validate reports the first field of c (defaults applied) that New cannot
// use.
func (c Config) validate() error {
	switch {
	case c.N < 0:
		return fmt.Errorf("%w: N = %d is negative", ErrConfig, c.N)
	case c.K < 1 || c.K > MaxK:
		return fmt.Errorf("%w: K = %d is outside [1, %d]", ErrConfig, c.K, MaxK)
	case c.N%8 != 0:
		return fmt.Errorf("%w: N = %d is not a multiple of 8, the width of the words modes are made of", ErrConfig, c.N)
	case c.N%c.K != 0:
		return fmt.Errorf("%w: K = %d does not divide N = %d", ErrConfig, c.K, c.N)
	case c.NumModes < 1:
		return fmt.Errorf("%w: NumModes = %d is not positive", ErrConfig, c.NumModes)
	case !(c.Beta > 0) || math.IsInf(c.Beta, 1):
		return fmt.Errorf("%w: Beta = %v is not positive and finite", ErrConfig, c.Beta)
	}
	return nil
}

// Env is the non-autoregressive bit-sequence environment. Slot i of a state
// holds a word 0 ≤ w < 2^k or Empty() = 2^k. An Env is never modified after
// New, so its methods may be called from several goroutines at once.
type Env struct {
	cfg    Config
	n, k   int // bits, bits per word
	slots  int // n/k
	words  int // 2^k
	packed int // 64-bit words of a packed sequence, ⌈n/64⌉
	seed   uint32

	modes     []uint64 // [NumModes × packed] the modes, packed as pack does
	modeSlots []int    // [NumModes × slots] the modes as states
	trues     []bool   // [2^k] all true, copied by Mask
	falses    []bool   // [2^k] all false
	testOnce  sync.Once
	test      *TestSet // built by TestObjects
}

var (
	_ gfn.Env             = (*Env)(nil)
	_ gfn.Reversible      = (*Env)(nil)
	_ gfn.OneHotEncoder   = (*Env)(nil)
	_ gfn.Describer       = (*Env)(nil)
	_ gfn.StateChecker    = (*Env)(nil)
	_ gfn.ModeFinder      = (*Env)(nil)
	_ gfn.TestSetter      = (*Env)(nil)
	_ gfn.ForwardActioner = (*Env)(nil)
	_ gfn.ModeTracker     = (*ModeTracker)(nil)
)

// New returns the environment of cfg, with its mode set built as the
// official code builds it (see the package documentation). It returns an
// error wrapping ErrConfig, naming the field, when cfg is invalid.
func New(cfg Config) (*Env, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	e := &Env{
		cfg:    cfg,
		n:      cfg.N,
		k:      cfg.K,
		slots:  cfg.N / cfg.K,
		words:  1 << cfg.K,
		packed: (cfg.N + 63) / 64,
		seed:   TLMSeed,
	}
	if cfg.RunSeed {
		e.seed = cfg.Seed
	}
	e.trues = make([]bool, e.words)
	for i := range e.trues {
		e.trues[i] = true
	}
	e.falses = make([]bool, e.words)
	e.buildModes()
	return e, nil
}

// Config returns the configuration of e, defaults filled in.
func (e *Env) Config() Config { return e.cfg }

// NumSlots returns n/k, the number of words of a sequence.
func (e *Env) NumSlots() int { return e.slots }

// Empty returns 2^k, the value of an empty slot (and the EMPTY token).
func (e *Env) Empty() int { return e.words }

// BOS returns 2^k + 1, the token that starts the input of the transformer
// policy. There are 2^k + 2 tokens in all.
func (e *Env) BOS() int { return e.words + 1 }

// Spec returns the sizes: StateDim n/k, (n/k)·2^k forward actions and no exit
// action, n/k backward actions, an input of n/k one-hot blocks of width
// 2^k + 1, and MaxLen n/k (every trajectory has exactly n/k steps).
func (e *Env) Spec() gfn.Spec {
	return gfn.Spec{
		StateDim:    e.slots,
		NumActions:  e.slots * e.words,
		NumBackward: e.slots,
		InputDim:    e.slots * (e.words + 1),
		MaxLen:      e.slots,
		OneHot:      e.slots,
	}
}

// Start writes s₀, every slot empty.
func (e *Env) Start(dst gfn.State) {
	dst = dst[:e.slots]
	for i := range dst {
		dst[i] = e.words
	}
}

// Mask marks the actions i·2^k + w of every empty slot i as valid.
func (e *Env) Mask(dst []bool, s gfn.State) {
	dst = dst[:e.slots*e.words]
	for i, v := range s[:e.slots] {
		src := e.falses
		if v == e.words {
			src = e.trues
		}
		copy(dst[i*e.words:(i+1)*e.words], src)
	}
}

// Step writes word a mod 2^k into slot ⌊a/2^k⌋.
func (e *Env) Step(dst, s gfn.State, a int) {
	copy(dst[:e.slots], s[:e.slots])
	dst[a>>e.k] = a & (e.words - 1)
}

// Action returns the forward action that writes word w into slot i.
func (e *Env) Action(i, w int) int { return i<<e.k | w }

// LogReward returns log R(x) = −β·d(x), d(x) the Hamming distance from x to
// the nearest mode. It allocates nothing when n ≤ 512.
func (e *Env) LogReward(x gfn.State) float64 {
	d := e.Distance(x)
	if d == 0 {
		return 0 // not −0
	}
	return -e.cfg.Beta * float64(d)
}

// Encode writes the input of s: for every slot i, a one-hot block of width
// 2^k + 1 with its one at i·(2^k+1) + s[i] (the word, or 2^k when empty).
func (e *Env) Encode(dst []float64, s gfn.State) {
	clear(dst[:e.slots*(e.words+1)])
	for i, v := range s[:e.slots] {
		dst[i*(e.words+1)+v] = 1
	}
}

// EncodeIndices writes i·(2^k+1) + s[i] for every slot i.
func (e *Env) EncodeIndices(dst []int, s gfn.State) {
	dst = dst[:e.slots]
	for i, v := range s[:e.slots] {
		dst[i] = i*(e.words+1) + v
	}
}

// Tokens writes the n/k + 1 tokens of the transformer policy's input: BOS,
// then the slots of s (words 0…2^k−1, EMPTY = 2^k).
//
// It panics if len(dst) < n/k + 1.
func (e *Env) Tokens(dst []int, s gfn.State) {
	_ = dst[e.slots]
	dst[0] = e.words + 1
	copy(dst[1:e.slots+1], s[:e.slots])
}

// BackwardMask marks the filled slots: backward action b empties slot b. The
// uniform backward policy is P_B = 1/#filled.
func (e *Env) BackwardMask(dst []bool, s gfn.State) {
	for i, v := range s[:e.slots] {
		dst[i] = v != e.words
	}
}

// BackwardStep empties slot b.
func (e *Env) BackwardStep(dst, s gfn.State, b int) {
	copy(dst[:e.slots], s[:e.slots])
	dst[b] = e.words
}

// BackwardAction returns ⌊a/2^k⌋, the slot that a fills.
func (e *Env) BackwardAction(_ gfn.State, a int) int { return a >> e.k }

// Describe returns the environment's settings: its name, n, k, the number of
// modes, β and the numpy seed of the mode set, from which it can be rebuilt.
func (e *Env) Describe() []gfn.Setting {
	c := e.cfg
	seed := uint32(TLMSeed)
	if c.RunSeed {
		seed = c.Seed
	}
	return []gfn.Setting{
		{Key: "name", Value: "bitseq"},
		{Key: "n", Value: strconv.Itoa(c.N)},
		{Key: "k", Value: strconv.Itoa(c.K)},
		{Key: "modes", Value: strconv.Itoa(c.NumModes)},
		{Key: "beta", Value: strconv.FormatFloat(c.Beta, 'g', -1, 64)},
		{Key: "mode_seed", Value: strconv.FormatUint(uint64(seed), 10)},
		{Key: "threshold", Value: strconv.Itoa(c.Threshold)},
	}
}

// CheckState returns an error unless s has n/k slots, each a word in
// [0, 2^k) or Empty.
func (e *Env) CheckState(s gfn.State) error {
	if len(s) != e.slots {
		return fmt.Errorf("bitseq: a state of %d slots, want %d", len(s), e.slots)
	}
	for i, v := range s {
		if v < 0 || v > e.words {
			return fmt.Errorf("bitseq: slot %d holds %d, outside [0, %d]", i, v, e.words)
		}
	}
	return nil
}
