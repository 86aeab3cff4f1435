#!/usr/bin/env bash
# bench/run.sh — the zothuis benchmark at national scale (issue 7).
#
#   bench/run.sh [-y YOUTHS] [-r RUNS] [-o DIR] [-s]
#
# Generates a synthetic set of YOUTHS youths with every source at national
# proportions (zothuis synth --national: about ten source rows per youth),
# then times every stage of the cycle RUNS times, each stage in its own
# process under /usr/bin/time -v (wall time and peak resident memory):
#
#   pseudonymize  zothuis pseudonymize, every raw file of a source, one process
#   hmac          anchor: raw HMAC-SHA256 over as many 9-digit inputs (one core)
#   ingest_SRC    Ingester.IngestFile over every delivery of a source, in
#                 cycle order, into a fresh database per run (zbench ingest:
#                 zothuis ingest without its closing KPI refresh)
#   duckcsv_SRC   anchor: DuckDB CREATE TABLE AS SELECT * FROM read_csv of
#                 the same files, same driver and settings, fresh database
#   history       the KPI history refresh (metrics.Refresh)
#   kpi_month     zothuis kpi --month (one report month)
#   dashboard     zothuis dashboard, when this zothuis has it
#   snapshot      the research snapshot (snapshot.Publish)
#   publish       zothuis publish (KPI history + snapshot), for reference
#   increment_*   a monthly increment: the latest delivery of each source
#                 landing on the history computed before it (wall time of
#                 four zbench ingest processes), then the history brought
#                 up to date (kpi.Refresh, only the months they can change)
#   month         the same month as operations run it, in one process: zothuis
#                 run on the history computed before it, pulling the latest
#                 delivery of each source from an inbox, then the cycle
#                 (KPIs, dashboard, research snapshot, metrics), when this
#                 zothuis has the run command
#
# and prints medians, ratios to the anchors and peak memory as a Markdown
# table (also written to DIR/results.md; raw timings in DIR/results.tsv;
# -s prints that table again from DIR/results.tsv without running).
# Data goes to DIR (default _scratch/bench/YOUTHS, which git ignores); the
# raw exports are kept and reused by the next run of the same size (delete
# DIR/raw to regenerate). Set ZOTHUIS or ZBENCH to use prebuilt binaries.
set -euo pipefail

youths=100000
runs=3
out=""
summary_only=0
while getopts "y:r:o:sh" opt; do
	case $opt in
	s) summary_only=1 ;;
	y) youths=$OPTARG ;;
	r) runs=$OPTARG ;;
	o) out=$OPTARG ;;
	*) sed -n '2,30p' "$0"; exit 2 ;;
	esac
done
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${out:-$repo/_scratch/bench/$youths}
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)
umask 077 # raw exports hold (synthetic) BSNs

# shellcheck source=bench/config.sh
source "$repo/bench/config.sh"
zothuis=${ZOTHUIS:-$out/bin/zothuis}
zbench=${ZBENCH:-$out/bin/zbench}
if [[ -z ${ZOTHUIS:-} && $summary_only == 0 ]]; then (cd "$repo" && go build -o "$zothuis" ./cmd/zothuis); fi
if [[ -z ${ZBENCH:-} && $summary_only == 0 ]]; then (cd "$repo" && go build -o "$zbench" ./bench/zbench); fi

sources=(jgz verzuim toegang jzplus) # cycle order: signals before placements
month=$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m)
commands=$("$zothuis" help 2>&1)
has_dashboard=0
[[ $commands == *" dashboard "* ]] && has_dashboard=1
has_run=0
[[ $commands == *" run "* ]] && has_run=1
tsv=$out/results.tsv
[[ $summary_only == 1 ]] || : >"$tsv"

# timed STAGE RUN ROWS CMD...: runs CMD under /usr/bin/time -v and appends
# "stage run rows seconds maxrss_kb" to results.tsv. The time is the stage's
# own "seconds" when it prints one (zbench: excludes process start and
# database open), else the wall-clock time of the process.
timed() {
	local stage=$1 run=$2 rows=$3
	shift 3
	local tv=$out/time.txt log=$out/stage.log
	/usr/bin/time -v -o "$tv" "$@" >"$log" 2>&1 || { cat "$log" "$tv" >&2; exit 1; }
	local wall rss secs cpu
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$tv")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
	cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s+=$2} END {print s}' "$tv")
	secs=$(awk '$1=="stage" {print $6}' "$log" | tail -1)
	# A stage's warnings (a second try with more memory) belong beside
	# its figures.
	grep -h 'level=WARN' "$log" >&2 || true
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stage" "$run" "$rows" "${secs:-$wall}" "$rss" "$wall" "$cpu" >>"$tsv"
	printf '  %-20s run %s  %8.2f s  %8.2f s CPU  %6d MiB\n' "$stage" "$run" "${secs:-$wall}" "$cpu" $((rss / 1024)) >&2
}

# Data: raw exports, made once per size.
if [[ ! -f $out/raw/.done && $summary_only == 0 ]]; then
	rm -rf "$out/raw"
	echo "synth: $youths youths, national proportions" >&2
	timed synth 1 0 "$zothuis" synth --out "$out/raw" --youths "$youths" --national
	touch "$out/raw/.done"
fi
for k in source research; do
	[[ -f $out/$k.key ]] || head -c 48 /dev/urandom | base64 -w0 >"$out/$k.key"
done
declare -A rows
total=0
for s in "${sources[@]}"; do
	n=0
	for f in "$out"/raw/"$s"/*.csv; do n=$((n + $(wc -l <"$f") - 1)); done
	rows[$s]=$n
	total=$((total + n))
done
echo "data: $total raw rows (jgz ${rows[jgz]}, verzuim ${rows[verzuim]}, toegang ${rows[toegang]}, jzplus ${rows[jzplus]})" >&2

# pseudonymize_all SRC: every raw file of a source through one zothuis
# pseudonymize (the IN... DIR form), as a source with a file per month or
# quarter runs it.
pseudonymize_all() {
	local s=$1
	mkdir -p "$out/pseudo/$s"
	"$zothuis" pseudonymize --source "$s" --key-file "$out/source.key" "$out"/raw/"$s"/*.csv "$out/pseudo/$s" 2>/dev/null
}
export -f pseudonymize_all
export out zothuis zbench inc

[[ $summary_only == 1 ]] && runs=0
for r in $(seq 1 "$runs"); do
	echo "run $r of $runs" >&2
	timed hmac "$r" "$total" "$zbench" hmac "$total"
	for s in "${sources[@]}"; do
		timed "pseudonymize_$s" "$r" "${rows[$s]}" bash -c "pseudonymize_all $s"
	done
	db=$out/work.duckdb
	rm -f "$db" "$db.wal" "$out"/anchor.duckdb*
	for s in "${sources[@]}"; do
		files=("$out"/pseudo/"$s"/*.csv)
		rm -f "$out"/anchor.duckdb*
		timed "duckcsv_$s" "$r" "${rows[$s]}" "$zbench" duckcsv "$out/anchor.duckdb" "${files[@]}"
		timed "ingest_$s" "$r" "${rows[$s]}" "$zbench" ingest "$db" "$out/research.key" "$s" "${files[@]}"
	done
	rm -f "$out"/anchor.duckdb*
	timed history "$r" 0 "$zbench" history "$db"
	timed kpi_month "$r" 0 "$zothuis" kpi --db "$db" --month "$month" --raw --format json
	if [[ $has_dashboard == 1 ]]; then
		rm -rf "$out/dashboard"
		timed dashboard "$r" 0 "$zothuis" dashboard --db "$db" --month "$month" --out "$out/dashboard"
	fi
	rm -rf "$out/snap" "$out/pub"
	timed snapshot "$r" 0 "$zbench" snapshot "$db" "$out/snap"
	timed publish "$r" 0 "$zothuis" publish --db "$db" --out "$out/pub" --keep-months 0
	# A monthly increment: the history computed before the latest
	# delivery of each source, then those land and it is brought up to
	# date (only the months they can change are computed again).
	inc=$out/increment.duckdb
	rm -f "$inc" "$inc.wal"
	if [[ $("$zbench" 2>&1 || true) == *increment* ]]; then
		last=()
		for s in "${sources[@]}"; do
			files=("$out"/pseudo/"$s"/*.csv)
			n=${#files[@]}
			"$zbench" ingest "$inc" "$out/research.key" "$s" "${files[@]:0:n-1}" >/dev/null
			last+=("$s" "${files[n-1]}")
		done
		"$zbench" history "$inc" >/dev/null
		# The month stage starts from this state too: a copy of it as
		# the working database of a configuration whose inboxes hold
		# the latest deliveries (older than the inbox's settle time).
		mdir=$out/month
		rm -rf "$mdir"
		if [[ $has_run == 1 ]]; then
			bench_config "$mdir" "$out/research.key"
			cp "$inc" "$mdir/work.duckdb"
			for ((i = 0; i < ${#last[@]}; i += 2)); do
				bench_inbox "$mdir" "${last[i]}"
				bench_drop "$mdir" "${last[i]}" "${last[i+1]}"
			done
		fi
		irows=0
		for ((i = 0; i < ${#last[@]}; i += 2)); do irows=$((irows + $(wc -l <"${last[i+1]}") - 1)); done
		timed increment_ingest "$r" "$irows" bash -c 'set -e; for ((i = 1; i < $#; i += 2)); do j=$((i + 1)); "$zbench" ingest "$inc" "$out/research.key" "${!i}" "${!j}" >/dev/null; done' _ "${last[@]}"
		timed increment_history "$r" 0 "$zbench" increment "$inc"
		rm -f "$inc" "$inc.wal"
		if [[ $has_run == 1 ]]; then
			timed month "$r" 0 "$zothuis" run --config "$mdir/zothuis.yaml"
			# A month that landed nothing would time a cycle alone.
			landed=$(grep -c "$bench_landed" "$out/stage.log" || true)
			if ((landed != ${#last[@]} / 2)); then
				echo "month: $landed of $((${#last[@]} / 2)) deliveries landed" >&2
				cat "$out/stage.log" >&2
				exit 1
			fi
			rm -rf "$mdir"
		fi
	fi
done

# Summary: medians over the runs, ratios to the anchors, peak memory.
{
	echo "### $youths youths, $total source rows, $(awk -F'\t' '$2 > n {n = $2} END {print n + 0}' "$tsv") runs ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo))"
	echo
	if [[ $has_dashboard == 0 ]]; then
		echo "(dashboard: this zothuis has no dashboard command yet; stage skipped)"
		echo
	fi
	awk -F'\t' -v total="$total" '
	function median(stage) { return med(stage, 0) }
	function cmedian(stage) { return med(stage, 1) }
	function med(stage, c,   n, i, j, t, a) {
		n = cnt[stage]
		for (i = 1; i <= n; i++) a[i] = c ? cpu[stage, i] : secs[stage, i]
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		cnt[$1]++; secs[$1, cnt[$1]] = $4; cpu[$1, cnt[$1]] = $7; rows[$1] = $3
		if ($5 > rss[$1]) rss[$1] = $5
		if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 }
	}
	END {
		print "| stage | rows | median s | rows/s | anchor | ratio | CPU s | CPU ratio | peak RSS MiB |"
		print "|---|---:|---:|---:|---|---:|---:|---:|---:|"
		cycle = 0; maxrss = 0
		for (i = 1; i <= k; i++) {
			s = order[i]
			if (s ~ /^duckcsv_/ || s == "hmac" || s == "synth") continue
			m = median(s); anchor = ""; ratio = ""; cratio = ""
			if (s ~ /^ingest_/) {
				a = "duckcsv_" substr(s, 8); anchor = sprintf("read_csv %.2f s", median(a))
				ratio = sprintf("%.2f", m / median(a))
				cratio = sprintf("%.2f", cmedian(s) / cmedian(a))
			}
			if (s ~ /^pseudonymize_/) {
				hr = rows["hmac"] / median("hmac"); anchor = sprintf("HMAC %.0f/s", hr)
				ratio = sprintf("%.2f", (rows[s] / m) / hr)
			}
			rate = (rows[s] > 0 ? sprintf("%.0f", rows[s] / m) : "")
			printf "| %s | %s | %.2f | %s | %s | %s | %.2f | %s | %.0f |\n", s, (rows[s] > 0 ? rows[s] : ""), m, rate, anchor, ratio, cmedian(s), cratio, rss[s] / 1024
			if (s ~ /^ingest_/ || s == "history" || s == "dashboard" || s == "snapshot") { cycle += m; if (rss[s] > maxrss) maxrss = rss[s] }
		}
		ps = 0
		for (i = 1; i <= k; i++) if (order[i] ~ /^pseudonymize_/) { ps += median(order[i]) }
		ing = 0; anc = 0
		for (i = 1; i <= k; i++) if (order[i] ~ /^ingest_/) { ing += median(order[i]); anc += median("duckcsv_" substr(order[i], 8)) }
		print ""
		printf "- pseudonymize, all sources: %.0f rows/s = %.2f of raw HMAC-SHA256 (%.0f/s, one core)\n", total / ps, (total / ps) / (rows["hmac"] / median("hmac")), rows["hmac"] / median("hmac")
		printf "- ingest, all sources: %.1f s = %.2f x DuckDB read_csv of the same files (%.1f s)\n", ing, ing / anc, anc
		printf "- cycle (ingest of all sources + KPI history + dashboard + snapshot): %.1f s; peak RSS of its stages %.0f MiB\n", cycle, maxrss / 1024
		if ("month" in seen) printf "- a month in one process (zothuis run: the latest delivery of each source pulled and landed on the history, then KPIs, dashboard, research snapshot, metrics): %.1f s; peak RSS %.0f MiB\n", median("month"), rss["month"] / 1024
	}' "$tsv"
} | tee "$out/results.md"
