// Package train is the training loop shared by every GFlowNet algorithm.
//
// An Algorithm (onpolicy.Algorithm, softrl.DQN, or one of yours) knows how to
// run one iteration; a Trainer owns everything the algorithms share, so that
// each gets it once and the same way:
//
//   - the random source (a PCG seeded by Config.Seed: the algorithm draws its
//     initial weights first and then every random number from it), so a run
//     with the same seed gives the same numbers;
//   - the iteration and trajectory counters;
//   - the empirical window of the last training samples (Enumerable
//     environments) and evaluation (Evaluate: exact and empirical distances to
//     R/Z, modes found, log Z);
//   - checkpoints (Save, Load): one versioned, checksummed format for every
//     algorithm, written atomically, holding the settings that a trainer must
//     match to load it (refused with an error that names the first
//     difference), the counters, the random state, the window and the
//     algorithm's state, so that a resumed run ends bit-identical to an
//     uninterrupted one;
//   - sampling from the trained model (Sample).
//
// The contract, in Go:
//
//	type Algorithm interface {
//		Init(env gfn.Env, rng *rand.Rand) error
//		Step(it int, dst *gfn.Batch, rng *rand.Rand) (StepInfo, error)
//		Model() gfn.Evaluator // the trained forward policy
//		Actor() gfn.Actor     // sampling from it, without exploration
//	}
//
// with Checkpointer (Settings, MarshalBinary, UnmarshalBinary) and
// LogPartitioner (LogZ) as optional capabilities.
package train
