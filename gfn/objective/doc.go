// Package objective holds the GFlowNet training losses, one file each. Every
// objective turns a batch of trajectories and a model's Scores (log P_F,
// log P_B and, as it declares in Needs, log F or the exit probabilities) into
// a scalar loss on the autograd tape, as the mean of regressed residuals
// (a Regression, the square by default):
//
//   - TB, trajectory balance (Malkin et al. 2022, arXiv 2201.13259): per
//     trajectory, log Z + Σ log P_F − log R(x) − Σ log P_B, with a learned
//     log Z.
//   - DB, detailed balance (Bengio et al. 2023, arXiv 2111.09266): per
//     transition s → s′, log F(s) + log P_F(s′|s) − log F(s′) − log P_B(s|s′),
//     with log F(x) = log R(x) at the end.
//   - ModifiedDB (Deleu et al. 2022, arXiv 2202.13903): DB without a flow
//     head where every state can exit, F(s) = R(s)/P_F(s_f|s).
//   - SubTB(λ) (Madan et al. 2023, arXiv 2209.12782): the residuals of every
//     sub-trajectory, weighted by λ^length (torchgfn's geometric_within,
//     λ = 0.9 by default).
//   - FM, flow matching (Bengio et al. 2021, arXiv 2106.04399): inflow
//     against flow at every visited state, the parents scored by the model.
//   - ZVar, the log-partition variance (Zhang et al. 2023, arXiv
//     2302.05446): TB with log Z replaced by the batch mean of its estimates.
//
// Each is ≥ 0, zero at the exact flows of a tiny environment, gradient-checked
// and tested to train to R/Z. TB, DB, ModifiedDB and SubTB are
// gfn.Splittable, so that an iteration can be split among goroutines. An
// objective keeps index buffers between calls: one must not compute two
// losses at once.
package objective
