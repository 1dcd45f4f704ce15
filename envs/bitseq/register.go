package bitseq

import (
	"fmt"
	"strconv"

	"github.com/gogfn/gogfn/gfn"
)

var _ gfn.Formatter = (*Env)(nil)

// The package registers its environment under the name "bitseq" and its
// transformer network under "bitseq.transformer" when it is imported, so
// that a model file of either can be read (see gfn.RegisterEnv and
// policy.RegisterNetwork).
func init() {
	gfn.RegisterEnv("bitseq", FromSettings)
	registerTransformer()
}

// FromSettings builds the environment that Describe described: the keys name
// (= "bitseq"), n, k, modes, beta, mode_seed and threshold, each exactly
// once. It returns an error naming the first setting that is missing,
// repeated, unknown or out of range. The mode set comes from mode_seed: 42 is
// the TLM code's fixed seed, any other is a run seed.
func FromSettings(settings []gfn.Setting) (gfn.Env, error) {
	keys := []string{"name", "n", "k", "modes", "beta", "mode_seed", "threshold"}
	vals, err := gfn.SettingValues(settings, "bitseq", keys...)
	if err != nil {
		return nil, fmt.Errorf("bitseq: %w", err)
	}
	var c Config
	var errs [6]error
	c.N, errs[0] = strconv.Atoi(vals[1])
	c.K, errs[1] = strconv.Atoi(vals[2])
	c.NumModes, errs[2] = strconv.Atoi(vals[3])
	c.Beta, errs[3] = strconv.ParseFloat(vals[4], 64)
	seed, err := strconv.ParseUint(vals[5], 10, 32)
	errs[4] = err
	c.Threshold, errs[5] = strconv.Atoi(vals[6])
	if err := notNumbers(keys[1:], vals[1:], errs[:]); err != nil {
		return nil, err
	}
	if c.N < 8 || c.N > 1<<12 || c.NumModes < 1 || c.NumModes > 1<<16 || c.Threshold < 0 {
		return nil, fmt.Errorf("bitseq: n %d, %d modes, threshold %d out of range", c.N, c.NumModes, c.Threshold)
	}
	if c.Threshold == 0 {
		c.Threshold = -1 // an exact match: 0 in Config means n/4
	}
	if seed != TLMSeed {
		c.RunSeed, c.Seed = true, uint32(seed)
	}
	return New(c)
}

// notNumbers returns an error naming the first key whose value did not
// parse (errs[i] not nil).
func notNumbers(keys, vals []string, errs []error) error {
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("bitseq: setting %q is %q, not a number", keys[i], vals[i])
		}
	}
	return nil
}

// FormatState returns the bit string of s ('.' for an empty word), the
// readable form of a sequence (gfn.Formatter).
func (e *Env) FormatState(s gfn.State) any { return e.Bits(s) }
