// Package bitseq implements the non-autoregressive bit-sequence environment
// of Malkin et al. 2022 (arXiv 2201.13259) in the form the official code of
// Tiapkin et al. 2024 (arXiv 2310.12934, gflownet-rl) and Gritsaev et al.
// 2025 (arXiv 2410.15474, gflownet-tlm) uses, with its mode set, test set and
// metrics.
//
// # Environment
//
// An object is a string of n bits cut into n/k words of k bits (n = 120,
// k = 8 by default). A state has n/k slots, each empty or holding a word
// w ∈ {0,…,2^k−1}; an empty slot holds the value 2^k. s₀ is all empty. The
// forward action i·2^k + w writes word w into the empty slot i, so there are
// (n/k)·2^k actions and no exit action: a trajectory ends when every slot is
// full, after exactly n/k steps taken in any order, and the states form a DAG.
// Backward action i empties the filled slot i; the uniform backward policy is
// P_B = 1/#filled. (The official code counts positions from 1, after the BOS
// token, so its action index is (i+1)·2^k + w.)
//
// # Reward
//
// With M a set of modes,
//
//	log R(x) = −β·min_{m∈M} Hamming(x, m),  β = 2,
//
// the raw distance in bits, not divided by n. Sequences are packed into 64-bit
// words, so the distance to a mode costs ⌈n/64⌉ popcounts.
//
// # Mode set and test set
//
// Each of the |M| = 60 modes is the concatenation of n/8 words drawn
// uniformly from H = {00000000, 11111111, 11110000, 00001111, 00111100}. The
// official code draws them with numpy's legacy generator, np.random.seed(seed)
// followed by one np.random.choice(H) per word; this package reproduces that
// generator (MT19937 seeded by init_genrand, masked rejection sampling on
// 32-bit outputs, numpy's shuffle), so that a seed gives the papers' modes bit
// for bit. The TLM code always uses seed 42; the soft-RL code uses its run
// seed. Config.RunSeed selects between them, and the default is the fixed 42:
// it reproduces the TLM paper's table, and a fixed task makes the spread over
// training seeds that of the training alone.
//
// The test set of the correlation metric holds every mode m and, for
// c = 1,…,n−1, one copy of m with c distinct bits flipped: |M|·n = 7,200
// objects for n = 120. The official code reseeds numpy with the same seed and
// picks the bits with np.random.choice(n, size=c, replace=False); TestSet
// makes the same draws, in the same order.
//
// # Metrics
//
// A mode counts as found once a sample lies within Hamming distance 30 of it;
// ModeTracker keeps that cumulative count. The papers also report Spearman's
// rank correlation between log R(x) and a model's estimate of log P(x) on the
// test set (TestObjects); the training loop computes it with gfn.Spearman,
// scipy's tie rule, over estimates by gfn.LogProbEstimator.
//
// # Policy input
//
// Encode writes one one-hot block of width 2^k+1 per slot (a word or EMPTY),
// and EncodeIndices the positions of its n/k ones: the input of an MLP
// policy. Tokens writes the transformer policy's input: BOS = 2^k+1, then the
// slots (word tokens 0…2^k−1, EMPTY = 2^k).
//
// Transformer is the papers' policy network, a policy.Network: a post-norm
// Transformer encoder over the tokens with the factorised action head
// logit(i, w) = p_i + w_{i,w} (position logits from the BOS row, word
// logits from each slot's row), log F from the BOS row, and a zero-
// initialised backward head on the BOS encoding. Plug it into a policy with
// policy.Config{Network: t}, or into Soft DQN with softrl.NetworkQ{Net: t}.
// It describes itself (Describe: width, heads, feed-forward width, layers,
// dropout, LayerNorm eps), and the package registers it as
// "bitseq.transformer" (policy.RegisterNetwork), so that a model file of a
// policy or a Q-network with it is read back by gfn/model.
//
// Enum adds exact enumeration, for instances with at most MaxStates states
// such as n = 8, k = 2.
package bitseq
