#!/usr/bin/env bash
# The hypergrid experiment of Gritsaev et al. 2025 (TLM) at this machine's
# budget: D=4, H=20, the standard and the hard reward, {TB, DB, SubTB, M-DQN}
# × backward policies {uniform, naive, maxent, tlm}, seeds SEEDS (default
# 1 2 3), 6,400
# iterations of 16 trajectories (102,400 trajectories) each, evaluated every
# 400 iterations. ε = 0 for every algorithm, as in the papers' code. Runs that
# are already complete are skipped, so the script can be interrupted and run
# again. Then `go run ./cmd/gfn compare` summarises the runs (see bench/TLM.md).
#
#   JOBS=2 bench/tlm/hypergrid.sh          # from the repository root
set -euo pipefail
out=${OUT:-bench/results/tlm/runs}
jobs=${JOBS:-2}
iters=${ITERS:-6400}
every=${EVERY:-400}
bin=$(mktemp -d)/gfn
go build -o "$bin" ./cmd/gfn
mkdir -p "$out"
for seed in ${SEEDS:-1 2 3}; do
  for reward in standard hard; do
    for loss in tb db subtb mdqn; do
      for pb in uniform naive maxent tlm; do
        echo "$reward $loss $pb $seed"
      done
    done
  done
done | xargs -P "$jobs" -L 1 sh -c '
  dir="'"$out"'/$0-$1-$2-s$3"
  if [ -f "$dir/metrics.jsonl" ] && grep -q "\"iter\":'"$iters"'," "$dir/metrics.jsonl"; then exit 0; fi
  rm -rf "$dir"
  nice -n 10 "'"$bin"'" train -ndim 4 -height 20 -reward "$0" -loss "$1" -pb "$2" -seed "$3" -epsilon 0 \
    -iters '"$iters"' -eval-every '"$every"' -out "$dir" -quiet > "$dir.log" 2>&1 && mv "$dir.log" "$dir/train.log" \
    && echo "done $0 $1 $2 $3" || echo "FAILED $0 $1 $2 $3 (see $dir.log)"
'
