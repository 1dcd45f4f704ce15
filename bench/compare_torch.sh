#!/usr/bin/env bash
# compare_torch.sh times whole training runs of the gfn command on the three
# hypergrid settings that the toolkit is compared with PyTorch on, and prints
# for each the training seconds and iterations/s (time in training steps,
# evaluation and checkpoints excluded), the whole process's wall-clock and
# CPU seconds, and the best over the seeds:
#
#   tb       TB, D=2 H=8, 16 trajectories, MLP 256×256, on-policy (ε = 0), 2,000 iterations
#   softdqn  Soft DQN, D=2 H=20, replay batch 256, learning from iteration 17, 1,500 iterations
#   mdqn     Munchausen DQN (α = 0.15), the same
#
# Usage, from anywhere in the repository:
#
#   bench/compare_torch.sh                 # seeds 1 and 2
#   SEEDS="1 2 3" ROWS="tb" bench/compare_torch.sh
#
# Optionally, a PyTorch implementation of the same runs is timed beside it,
# interleaved (one Go run, then one run per thread count, per seed), when
# PEER is a command that accepts the flags --ndim --height --loss --iters
# --eval-every --bench-rollouts --threads --seed and prints a last JSON line
# with train_seconds; for example
#
#   PEER="env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 /path/to/torch_hypergrid.py" \
#       bench/compare_torch.sh
#
# PEER_THREADS (default "1 2") are its thread counts; its best run is kept.
# The ratio is the PyTorch training seconds over the Go ones. The 1-minute
# load average is printed before each row: on a shared machine the numbers
# mean little unless it is well below the number of cores.
set -euo pipefail

cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-"1 2"}
ROWS=${ROWS:-"tb softdqn mdqn"}
PEER=${PEER:-}
PEER_THREADS=${PEER_THREADS:-"1 2"}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "building gfn..." >&2
go build -o "$tmp/gfn" ./cmd/gfn

# flags ROW prints the gfn train flags and the PyTorch flags of a row,
# separated by '|'.
flags() {
	case $1 in
	tb) echo "-loss tb -ndim 2 -height 8 -iters 2000 -epsilon 0|--loss tb --ndim 2 --height 8 --iters 2000" ;;
	softdqn) echo "-loss softdqn -ndim 2 -height 20 -iters 1500|--loss softdqn --ndim 2 --height 20 --iters 1500" ;;
	mdqn) echo "-loss mdqn -ndim 2 -height 20 -iters 1500|--loss mdqn --ndim 2 --height 20 --iters 1500" ;;
	*)
		echo "unknown row $1" >&2
		exit 2
		;;
	esac
}

# timed runs a command with its output in $tmp/out and sets wall and cpu to
# its wall-clock and user+system CPU seconds.
TIMEFORMAT='%R %U %S'
timed() {
	local u s
	{ time "$@" >"$tmp/out" 2>"$tmp/err"; } 2>"$tmp/time" || {
		cat "$tmp/err" >&2
		exit 1
	}
	read -r wall u s <"$tmp/time"
	cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')
}

printf '%-8s %-5s %-7s %10s %8s %10s %10s\n' row seed who train_s it/s wall_s cpu_s
for row in $ROWS; do
	IFS='|' read -r goflags peerflags <<<"$(flags "$row")"
	iters=$(sed 's/.*-iters \([0-9]*\).*/\1/' <<<"$goflags")
	echo "# $row, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	best_go="" best_peer=""
	for seed in $SEEDS; do
		# shellcheck disable=SC2086
		timed "$tmp/gfn" train $goflags -seed "$seed" -eval-every 0 -checkpoint-every 0 -quiet -out "$tmp/$row-$seed"
		ips=$(sed -n 's/.* \([0-9.]*\) iterations\/s\..*/\1/p' "$tmp/out")
		train=$(awk -v n="$iters" -v r="$ips" 'BEGIN{printf "%.3f", n/r}')
		printf '%-8s %-5s %-7s %10s %8s %10.2f %10.2f\n' "$row" "$seed" go "$train" "$ips" "$wall" "$cpu"
		best_go=$(awk -v a="$best_go" -v b="$train" 'BEGIN{print (a=="" || b<a) ? b : a}')
		[ -z "$PEER" ] && continue
		for th in $PEER_THREADS; do
			# shellcheck disable=SC2086
			timed $PEER $peerflags --eval-every "$iters" --bench-rollouts 0 --threads "$th" --seed "$seed"
			ptrain=$(tail -1 "$tmp/out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["train_seconds"])')
			printf '%-8s %-5s %-7s %10s %8.1f %10.2f %10.2f\n' "$row" "$seed" "torch/$th" "$ptrain" \
				"$(awk -v n="$iters" -v s="$ptrain" 'BEGIN{print n/s}')" "$wall" "$cpu"
			best_peer=$(awk -v a="$best_peer" -v b="$ptrain" 'BEGIN{print (a=="" || b<a) ? b : a}')
		done
	done
	line="# $row best: go $best_go s ($(awk -v n="$iters" -v s="$best_go" 'BEGIN{printf "%.0f", n/s}') it/s)"
	if [ -n "$best_peer" ]; then
		line="$line, torch $best_peer s, ratio $(awk -v a="$best_peer" -v b="$best_go" 'BEGIN{printf "%.2f", a/b}')x"
	fi
	echo "$line; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
done
