#!/usr/bin/env bash
# GFlowNet weight averaging on the hypergrid: TB and DB on D=2, H=8 and
# D=4, H=8, seeds 1-5, 2,000 iterations evaluated every 100, each run keeping
# an averaged model beside the last iterate (-average ema with decay 0.99,
# and -average uniform from iteration 200, a tenth of the run). Averaging does
# not change training, so each run measures both the last iterate (l1) and
# the averaged model (avg_l1) at every evaluation. Complete runs are skipped.
# Then `go run ./bench/average/summarize DIR` prints the table of
# bench/AVERAGE.md.
#
#   JOBS=1 bench/average/hypergrid.sh          # from the repository root
set -euo pipefail
out=${OUT:-bench/results/average/runs}
jobs=${JOBS:-1}
bin=$(mktemp -d)/gfn
go build -o "$bin" ./cmd/gfn
mkdir -p "$out"
for seed in 1 2 3 4 5; do
  for grid in 2x8 4x8; do
    for loss in tb db; do
      for avg in ema uniform; do
        echo "$grid $loss $avg $seed"
      done
    done
  done
done | xargs -P "$jobs" -L 1 sh -c '
  dir="'"$out"'/$0-$1-$2-s$3"
  if [ -f "$dir/metrics.jsonl" ] && grep -q "\"iter\":2000," "$dir/metrics.jsonl"; then exit 0; fi
  rm -rf "$dir"
  nice -n 10 "'"$bin"'" train -ndim "${0%x*}" -height "${0#*x}" -loss "$1" -average "$2" -seed "$3" \
    -iters 2000 -eval-every 100 -out "$dir" -quiet > "$dir.log" 2>&1 && mv "$dir.log" "$dir/train.log" \
    && echo "done $0 $1 $2 $3" || echo "FAILED $0 $1 $2 $3 (see $dir.log)"
'
