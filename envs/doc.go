// Package envs collects GFlowNet environments that implement gfn.Env, one
// sub-package each, and the shared property checker envtest.
//
// # Environments
//
//   - hypergrid: the D-dimensional grid {0,…,H−1}^D of Bengio et al. 2021
//     (arXiv 2106.04399) in the torchgfn 1.0 form used by Malkin et al. 2022,
//     Tiapkin et al. 2024 and Morozov et al. 2024. A state is a point x; action i
//     increments x_i, the last action exits, and every cell is terminal.
//     With aᵢ = |xᵢ/(H−1) − 0.5|, the reward is
//     R(x) = R0 + R1·Πᵢ 1[aᵢ > 0.25] + R2·Πᵢ 1[0.3 < aᵢ < 0.4]; the
//     "standard" setting is (1e-3, 0.5, 2) and the "hard" one (1e-4, 1, 3).
//     The input is K-hot (one one-hot vector of width H per coordinate), so
//     policies replace their first product by a gather. |X| = H^D and log Z is
//     8.6433 (standard) and 9.2858 (hard) at D = 4, H = 20.
//   - bitseq: the non-autoregressive bit sequences of Malkin et al. 2022 as
//     the TLM (Gritsaev et al. 2025) and soft-RL (Tiapkin et al. 2024) code
//     builds them: n bits in n/k words, actions (empty slot, word), no exit,
//     every trajectory n/k steps; log R(x) = −β·min_m Hamming(x, m), β = 2,
//     over 60 modes drawn from five 8-bit words with numpy's legacy generator,
//     reproduced bit for bit (seed 42 by default, or the run seed). It comes
//     with the 7,200-sequence correlation test set, a modes-found tracker
//     (distance ≤ 30), Spearman's ρ, and Enum for tiny instances
//     (n = 8, k = 2).
//
// # Checking an environment
//
// envtest.Check(t, env) runs the properties every environment must have:
// forward and backward steps undo each other, masks are never empty before the
// trajectory ends, trajectories end within Spec.MaxLen, rewards are finite,
// enumeration indices round-trip and are topological, and k-hot indices agree
// with Encode. Run it on every new environment.
package envs
