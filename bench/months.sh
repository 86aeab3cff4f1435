#!/usr/bin/env bash
# bench/months.sh — two months of national deliveries through one zothuis
# serve process (issue 19; BENCHMARKS.md, change 27).
#
#   bench/months.sh DIR
#
# DIR is a bench/run.sh output folder (its pseudonymised deliveries and
# research key). Lands every delivery but the last two of each source in a
# new database under DIR/months (zbench ingest, then the KPI history),
# starts zothuis serve on it with pulls every 5 s from one inbox per
# source and the monthly cycle left to zothuis trigger, then twice: drops
# the next delivery of each source into the inboxes, waits until all have
# landed, triggers the cycle and waits for it. Prints each month's times
# and the process's resident memory (VmRSS) and peak (VmHWM), and fails
# when the daemon logged an error. A database without a cycle on record
# gets one at start (the catch-up), so the process runs three cycles.
# The daemon listens on 127.0.0.1:19617 and its administration address on
# 127.0.0.1:19618; the script fails when it cannot. Set ZOTHUIS or ZBENCH
# to the binaries (default: DIR/bin, as run.sh builds them).
set -euo pipefail
umask 077
# shellcheck source=bench/config.sh
source "$(dirname "$0")/config.sh"
dir=$(cd "${1:?usage: bench/months.sh DIR}" && pwd)
zothuis=${ZOTHUIS:-$dir/bin/zothuis}
zbench=${ZBENCH:-$dir/bin/zbench}
w=$dir/months
rm -rf "$w"
mkdir -p "$w"
sources=(jgz verzuim toegang jzplus)
for s in "${sources[@]}"; do
	files=("$dir"/pseudo/"$s"/*.csv)
	n=${#files[@]}
	"$zbench" ingest "$w/work.duckdb" "$dir/research.key" "$s" "${files[@]:0:n-2}" >/dev/null
done
"$zbench" history "$w/work.duckdb" >/dev/null
bench_config "$w" "$dir/research.key" 'listen: 127.0.0.1:19617' 'admin_listen: 127.0.0.1:19618' 'cycle:' '  schedule: "0 6 1 1 *"'
for s in "${sources[@]}"; do
	bench_inbox "$w" "$s" "@every 5s"
done
"$zothuis" serve --config "$w/zothuis.yaml" >"$w/serve.out" 2>"$w/serve.err" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
mem() { awk -v k="$1" '$1 == k ":" {printf "%.0f MiB", $2 / 1024}' "/proc/$pid/status"; }
# wait_for COUNT PATTERN: until the daemon's log holds COUNT lines with PATTERN.
wait_for() {
	until (($(grep -c "$2" "$w/serve.err" || true) >= $1)); do
		kill -0 "$pid" || { cat "$w/serve.err" >&2; exit 1; }
		sleep 1
	done
}
wait_for 1 'msg="job done" job=cycle'
for m in 1 2; do
	for s in "${sources[@]}"; do
		files=("$dir"/pseudo/"$s"/*.csv)
		n=${#files[@]}
		bench_drop "$w" "$s" "${files[n-3+m]}"
	done
	t0=$(date +%s.%N)
	wait_for $((4 * m)) "$bench_landed"
	t1=$(date +%s.%N)
	"$zothuis" trigger --config "$w/zothuis.yaml" cycle >/dev/null
	wait_for $((1 + m)) 'msg="job done" job=cycle'
	t2=$(date +%s.%N)
	awk -v m="$m" -v a="$t0" -v b="$t1" -v c="$t2" -v rss="$(mem VmRSS)" -v hwm="$(mem VmHWM)" \
		'BEGIN {printf "month %d: landed in %.1f s, cycle %.1f s; RSS %s, peak so far %s\n", m, b - a, c - b, rss, hwm}'
done
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
if grep 'level=ERROR' "$w/serve.err" >&2; then exit 1; fi
