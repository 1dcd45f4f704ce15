package bitseq

// mtN is the number of 32-bit words in the state of MT19937.
const mtN = 624

// mt19937 reproduces the part of numpy's legacy generator
// (np.random.seed, np.random.RandomState) that the official code uses to
// build the mode set and the test set: MT19937 (Matsumoto and Nishimura
// 1998) seeded from an integer, numpy's masked rejection sampling of bounded
// integers, and its Fisher–Yates shuffle. Numpy promises that the legacy
// stream never changes, so equal seeds give equal draws on every numpy
// version.
type mt19937 struct {
	key [mtN]uint32
	pos int
}

// seed is np.random.seed(s) for an integer s ∈ [0, 2³²): the reference
// init_genrand, which numpy's legacy seeding uses for integer seeds (arrays
// go through init_by_array instead; the official code never passes one).
func (r *mt19937) seed(s uint32) {
	r.key[0] = s
	for i := 1; i < mtN; i++ {
		p := r.key[i-1]
		r.key[i] = 1812433253*(p^(p>>30)) + uint32(i)
	}
	r.pos = mtN
}

// generate refills the state with the next 624 words (the twist).
func (r *mt19937) generate() {
	const (
		m     = 397
		upper = 0x80000000
		lower = 0x7fffffff
		a     = 0x9908b0df
	)
	k := &r.key
	for i := 0; i < mtN; i++ {
		y := k[i]&upper | k[(i+1)%mtN]&lower
		v := k[(i+m)%mtN] ^ y>>1
		if y&1 != 0 {
			v ^= a
		}
		k[i] = v
	}
	r.pos = 0
}

// uint32 returns the next tempered output (genrand_int32, numpy's
// next_uint32).
func (r *mt19937) uint32() uint32 {
	if r.pos == mtN {
		r.generate()
	}
	y := r.key[r.pos]
	r.pos++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// interval returns a uniform integer in [0, max] by numpy's masked rejection
// sampling: draw 32 bits, keep the bits of the smallest mask 2^j − 1 ≥ max,
// and draw again while the result exceeds max. It consumes no output when max
// is 0. This is numpy's random_interval (used by shuffle), and also what
// legacy randint(0, max+1) does for an int64 result (the masked path of
// random_bounded_uint64_fill on 32-bit draws), hence choice(a) with a
// population of max+1.
func (r *mt19937) interval(max uint32) uint32 {
	if max == 0 {
		return 0
	}
	mask := max
	mask |= mask >> 1
	mask |= mask >> 2
	mask |= mask >> 4
	mask |= mask >> 8
	mask |= mask >> 16
	for {
		if v := r.uint32() & mask; v <= max {
			return v
		}
	}
}

// choice returns np.random.choice(n) for a population of n < 2³²: legacy
// randint(0, n).
func (r *mt19937) choice(n int) int { return int(r.interval(uint32(n - 1))) }

// permutation writes np.random.permutation(len(dst)) into dst: the identity,
// shuffled by numpy's legacy shuffle (for i = len−1 down to 1, swap element i
// with element interval(i)).
func (r *mt19937) permutation(dst []int) {
	for i := range dst {
		dst[i] = i
	}
	for i := len(dst) - 1; i > 0; i-- {
		j := r.interval(uint32(i))
		dst[i], dst[j] = dst[j], dst[i]
	}
}
