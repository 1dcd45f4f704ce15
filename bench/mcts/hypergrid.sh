#!/usr/bin/env bash
# The hypergrid experiment of Morozov et al. 2024 (MENTS over GFlowNets) at
# this machine's budget: D=4, H=20, the standard reward, Soft DQN without
# search (-mcts off, the paper's no_mcts: on-policy, MSE, no replay, target
# copied every 3 iterations) and with tree search for the targets (train),
# the actions (inference) or both (all), each with 4, 8 and 16 rollouts per
# step; seeds SEEDS (default 1 2 3), ITERS iterations of 16 trajectories
# (default 6,250: 100,000 trajectories), evaluated every EVERY (default 250)
# iterations. Each run directory gets time.txt, the process's user and
# system CPU seconds and wall-clock seconds. Complete runs are skipped, so
# the script can be interrupted and run again. Then
#
#   go test ./bench -run MCTSSummary -mcts-summary $PWD/DIR # DIR/summary.md (go test runs in bench/)
#   go run ./cmd/gfn compare -seeds -metric emp_l1_mean -out DIR/emp_l1.png DIR/runs/*
#
# summarise the runs (see bench/MCTS.md).
#
#   JOBS=2 bench/mcts/hypergrid.sh          # from the repository root
set -euo pipefail
out=${OUT:-bench/results/mcts}/runs
jobs=${JOBS:-1}
iters=${ITERS:-6250}
every=${EVERY:-250}
bin=$(mktemp -d)/gfn
go build -o "$bin" ./cmd/gfn
mkdir -p "$out"
for seed in ${SEEDS:-1 2 3}; do
  echo "off 0 $seed"
  for r in 4 8 16; do
    for mode in all train inference; do
      echo "$mode $r $seed"
    done
  done
done | xargs -P "$jobs" -L 1 sh -c '
  name="$0-r$1"; [ "$0" = off ] && name=off
  dir="'"$out"'/$name-s$2"
  if [ -f "$dir/metrics.jsonl" ] && grep -q "\"iter\":'"$iters"'," "$dir/metrics.jsonl"; then exit 0; fi
  rm -rf "$dir"; mkdir -p "$dir"
  rollouts=""; [ "$0" = off ] || rollouts="-mcts-rollouts $1"
  /usr/bin/time -f "%U %S %e" -o "$dir.time" nice -n 10 "'"$bin"'" train -ndim 4 -height 20 -loss softdqn -mcts "$0" $rollouts \
    -seed "$2" -iters '"$iters"' -eval-every '"$every"' -out "$dir" -quiet > "$dir.log" 2>&1 \
    && mv "$dir.log" "$dir/train.log" && mv "$dir.time" "$dir/time.txt" && echo "done $name $2" || echo "FAILED $name $2 (see $dir.log)"
'
