#!/usr/bin/env bash
# The bit-sequence experiments of Tiapkin et al. 2024 (soft RL: TB, DB, SubTB
# and M-DQN) and of Gritsaev et al. 2025 (TLM: TB and M-DQN with the uniform,
# naive and TLM backward policies), at this machine's budget: n = 120, k = 8,
# the papers' transformer policy and defaults (gfn train -env bitseq), seeds
# SEEDS (default 1 2 3), ITERS iterations of 16 trajectories (default 2,000: 32,000
# trajectories, a 25th of the papers' 50,000 iterations), modes and rewards
# every 100 iterations and the test-set Spearman correlation every TEST
# iterations (default: at the end only; one evaluation costs about as much
# CPU as 1,500 TB iterations). Runs resume from their checkpoints and complete
# runs are skipped, so the script can be interrupted and run again. Then `go run ./cmd/gfn compare` summarises the
# runs (see bench/BITSEQ.md).
#
#   JOBS=1 bench/bitseq/runs.sh          # from the repository root
set -euo pipefail
out=${OUT:-bench/results/bitseq/runs}
jobs=${JOBS:-1}
iters=${ITERS:-2000}
test=${TEST:-$iters}
bin=$(mktemp -d)/gfn
go build -o "$bin" ./cmd/gfn
mkdir -p "$out"
# The four runs both papers compare come first, then the rest.
for group in "tb-uniform mdqn-uniform tb-tlm mdqn-tlm" "tb-naive mdqn-naive db-uniform subtb-uniform"; do
  for seed in ${SEEDS:-1 2 3}; do
    for run in $group; do
      echo "${run%-*} ${run#*-} $seed"
    done
  done
done | xargs -P "$jobs" -L 1 sh -c '
  dir="'"$out"'/$0-$1-s$2"
  if [ -f "$dir/metrics.jsonl" ] && grep -q "\"iter\":'"$iters"'," "$dir/metrics.jsonl"; then exit 0; fi
  resume=""
  if [ -f "$dir/checkpoint" ]; then resume="-resume"; else rm -rf "$dir"; fi
  mkdir -p "$dir"
  nice -n 10 "'"$bin"'" train -env bitseq -loss "$0" -pb "$1" -seed "$2" $resume \
    -iters '"$iters"' -eval-every 100 -test-every '"$test"' -out "$dir" -quiet > "$dir.log" 2>&1 \
    && mv "$dir.log" "$dir/train.log" && echo "done $0 $1 $2" || echo "FAILED $0 $1 $2 (see $dir.log)"
'
