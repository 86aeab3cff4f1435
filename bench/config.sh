# bench/config.sh — the zothuis configuration under which bench/run.sh
# (its month stage) and bench/months.sh run months, and how they deliver
# into its inboxes; sourced by both.

# bench_config DIR KEY [YAML...]: writes DIR/zothuis.yaml: the working
# database DIR/work.duckdb, outputs, spool and backups in DIR, research key
# KEY, no dated snapshots, then each YAML line given, then "sources:", to
# which bench_inbox adds.
bench_config() {
	local dir=$1 key=$2
	shift 2
	mkdir -p "$dir"/{out,spool,backups}
	{
		printf 'paths:\n  database: %s/work.duckdb\n  out: %s/out\n  spool: %s/spool\n  backups: %s/backups\n' "$dir" "$dir" "$dir" "$dir"
		printf 'research_key_file: %s\nsnapshot:\n  keep_months: 0\n' "$key"
		(($# == 0)) || printf '%s\n' "$@"
		printf 'sources:\n'
	} >"$dir/zothuis.yaml"
}

# bench_inbox DIR SOURCE [SCHEDULE]: adds SOURCE, pulled from the inbox
# DIR/inbox/SOURCE (made here) with a settle time of 1 s, on SCHEDULE when
# given (else the default), to DIR/zothuis.yaml.
bench_inbox() {
	local dir=$1 source=$2
	mkdir -p "$dir/inbox/$source"
	printf '  - source: %s\n' "$source" >>"$dir/zothuis.yaml"
	[[ -z ${3:-} ]] || printf '    schedule: "%s"\n' "$3" >>"$dir/zothuis.yaml"
	printf '    inbox:\n      dir: %s/inbox/%s\n      settle: 1s\n' "$dir" "$source" >>"$dir/zothuis.yaml"
}

# bench_drop DIR SOURCE FILE: puts the delivery FILE into SOURCE's inbox,
# dated a minute back, so that it has settled (bench_inbox's 1 s) when
# the next pull looks.
bench_drop() {
	cp "$3" "$1/inbox/$2/"
	touch -d '-1 minute' "$1/inbox/$2/$(basename "$3")"
}

# bench_landed is what zothuis logs for each delivery it lands, which both
# scripts count to know that a month's deliveries are in.
bench_landed='msg="delivery landed"'
