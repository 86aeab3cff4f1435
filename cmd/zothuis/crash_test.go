package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/pseudonymize"
	"github.com/zothuis/zothuis/snapshot"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/sql/sqltest"
)

// crashTrials returns how many SIGKILL trials the ingest and the publish
// crash tests run: 30 and 20 by default (50 in all), more when
// ZOTHUIS_CRASH_TRIALS asks for more in all (split the same way).
func crashTrials(t *testing.T) (ingestTrials, publishTrials int) {
	t.Helper()
	total := 50
	if s := os.Getenv("ZOTHUIS_CRASH_TRIALS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 {
			t.Fatalf("ZOTHUIS_CRASH_TRIALS=%q: want a number of trials, at least 2", s)
		}
		total = n
	}
	ingestTrials = total * 3 / 5
	return ingestTrials, total - ingestTrials
}

// crashRand is the source of the kill moments; ZOTHUIS_CRASH_SEED
// repeats a run that failed.
func crashRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("ZOTHUIS_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("ZOTHUIS_CRASH_SEED=%q: %v", s, err)
		}
	}
	t.Logf("kill moments from ZOTHUIS_CRASH_SEED=%d", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// killedRun runs the zothuis binary with args and sends it SIGKILL after
// delay unless it has finished by then. It reports whether the kill cut
// the process off; a process that ends any other way than success or the
// kill fails the test.
func killedRun(t *testing.T, delay time.Duration, args ...string) (killed bool, took time.Duration) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
	err := cmd.Wait()
	took = time.Since(start)
	timer.Stop()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return false, took
	case errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL:
		return true, took
	}
	t.Fatalf("zothuis %s: %v\n%s", args[0], err, out.String())
	return false, took
}

// copyDBFile copies a closed database file (and nothing beside it).
func copyDBFile(t *testing.T, from, to string) {
	t.Helper()
	os.Remove(to + ".wal")
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// relation is the fingerprint of one table or view: its row count and,
// for a table, a hash over every row's columns but its timestamps (which
// tell when, not what).
type relation struct {
	Rows int64
	Hash string
}

// fingerprint returns the fingerprint of every table and view of db's
// main schema, from the values as text. It fails the test when any of them cannot be read.
func fingerprint(t *testing.T, db *sql.DB) map[string]relation {
	return fingerprintLeaving(t, db, nil)
}

// fingerprintLeaving is fingerprint without the columns leave names per
// table.
func fingerprintLeaving(t *testing.T, db *sql.DB, leave map[string][]string) map[string]relation {
	t.Helper()
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT c.table_name, t.table_type, c.column_name, c.data_type LIKE 'TIMESTAMP%'
		FROM information_schema.columns c JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
		WHERE c.table_catalog = current_database() AND c.table_schema = 'main'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct {
		name, kind string
		cols       []string
	}
	var rels []rel
	for rows.Next() {
		var name, kind, col string
		var when bool
		if err := rows.Scan(&name, &kind, &col, &when); err != nil {
			t.Fatal(err)
		}
		if len(rels) == 0 || rels[len(rels)-1].name != name {
			rels = append(rels, rel{name: name, kind: kind})
		}
		if !when && !slices.Contains(leave[name], col) {
			// As text: the snapshot holds coded columns as ENUMs, whose
			// hash differs from that of the same text.
			rels[len(rels)-1].cols = append(rels[len(rels)-1].cols, "CAST("+quoteSQLIdent(col)+" AS VARCHAR)")
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	fp := map[string]relation{}
	for _, r := range rels {
		q := fmt.Sprintf(`SELECT count(*), '' FROM %s`, quoteSQLIdent(r.name))
		if r.kind == "BASE TABLE" && len(r.cols) > 0 {
			q = fmt.Sprintf(`SELECT count(*), coalesce(CAST(sum(hash(%s)::HUGEINT) AS VARCHAR), '') FROM %s`, strings.Join(r.cols, ", "), quoteSQLIdent(r.name))
		}
		var f relation
		if err := db.QueryRowContext(ctx, q).Scan(&f.Rows, &f.Hash); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		fp[r.name] = f
	}
	return fp
}

// viewNames returns the views of the database at path.
func viewNames(t *testing.T, path string) []string {
	t.Helper()
	db, err := zsql.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names []string
	for _, r := range sqltest.Rows(t, db, `SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal`) {
		names = append(names, r[0])
	}
	if len(names) < 5 {
		t.Fatalf("views of %s: %v", path, names)
	}
	return names
}

func quoteSQLIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// workingFingerprint opens a working database as the pipeline does (which
// fails when a crash left it unusable) and returns its fingerprint.
func workingFingerprint(t *testing.T, path string) map[string]relation {
	t.Helper()
	db, err := zsql.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("the working database does not open after the kill: %v", err)
	}
	defer db.Close()
	return fingerprint(t, db)
}

// researchFingerprint is the fingerprint of the working database at path
// as the research snapshot shows it: without the operations records
// (job runs, refusals, the research key's fingerprint) and the columns
// that it leaves out.
func researchFingerprint(t *testing.T, path string) map[string]relation {
	t.Helper()
	db, err := zsql.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("the working database does not open after the kill: %v", err)
	}
	defer db.Close()
	fp := fingerprintLeaving(t, db, snapshot.LeftOutColumns())
	for _, n := range zsql.OperationsTables() {
		if _, ok := fp[n]; !ok {
			t.Fatalf("the working database has no %s", n)
		}
		delete(fp, n)
	}
	return fp
}

// snapshotFingerprint opens a published file read-only, as a researcher
// does, and returns its fingerprint.
func snapshotFingerprint(t *testing.T, path string) map[string]relation {
	t.Helper()
	db, err := zsql.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatalf("published file does not open read-only: %v", err)
	}
	defer db.Close()
	fp := fingerprint(t, db)
	for _, n := range snapshot.InfoTables() {
		if _, ok := fp[n]; !ok {
			t.Fatalf("published file %s has no %s", path, n)
		}
		delete(fp, n)
	}
	return fp
}

// subset returns the fingerprints of the named relations.
func subset(fp map[string]relation, names []string) map[string]relation {
	out := map[string]relation{}
	for _, n := range names {
		out[n] = fp[n]
	}
	return out
}

// bigDelivery writes one jgz delivery of the demo's jgz deliveries
// concatenated copies times over, each copy with other pseudonyms, so that
// ingesting it takes a while. It returns the path and its sha256.
func bigDelivery(t *testing.T, demo, dir string, copies int) (string, string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(demo, "deliveries", "jgz", "*.csv"))
	if len(files) == 0 {
		t.Fatal("the demo left no jgz deliveries")
	}
	path := filepath.Join(dir, "jgz_big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	n := 0
	for k := range copies {
		for i, in := range files {
			b, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			r := csv.NewReader(strings.NewReader(string(b)))
			r.FieldsPerRecord = -1
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			pi := slices.Index(recs[0], "pseudonym")
			if k == 0 && i == 0 {
				w.Write(recs[0])
			}
			for _, rec := range recs[1:] {
				if k > 0 && pi < len(rec) && rec[pi] != "" {
					s := sha256.Sum256([]byte(rec[pi] + strconv.Itoa(k)))
					rec[pi] = hex.EncodeToString(s[:16])
				}
				w.Write(rec)
				n++
			}
		}
	}
	w.Flush()
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	sum := sha256.Sum256(b)
	t.Logf("big delivery: %d rows", n)
	return path, hex.EncodeToString(sum[:])
}

// TestCrashIngest kills "zothuis ingest" of a large delivery with SIGKILL
// at moments spread over its whole run (opening, landing, the KPI refresh
// after the commit) and checks every time that the working database opens
// and holds all of the delivery, exactly as an uninterrupted run lands it,
// or nothing of it.
func TestCrashIngest(t *testing.T) {
	t.Parallel()
	trials, _ := crashTrials(t)
	demo := demoDir(t)
	rng := crashRand(t)
	tmp := t.TempDir()
	keyFile := filepath.Join(demo, "keys", "research.key")
	base := filepath.Join(tmp, "base.duckdb")
	copyDBFile(t, filepath.Join(demo, "work", "zothuis.duckdb"), base)
	big, sum := bigDelivery(t, demo, tmp, 4)
	before := workingFingerprint(t, base)
	dataTables := []string{"jgz", "verzuim", "toegang", "jzplus", "quarantine", "deliveries"}
	// What the KPI refresh after the commit rewrites: its tables (the
	// history and what it was computed from). The views follow the data.
	views := viewNames(t, base)
	var derived, derivedViews []string
	for name := range before {
		switch {
		case slices.Contains(dataTables, name) || name == "schema_migrations":
		case slices.Contains(views, name):
			derivedViews = append(derivedViews, name)
		default:
			derived = append(derived, name)
		}
	}
	slices.Sort(derived)
	slices.Sort(derivedViews)

	// inspect opens the working database once, as the pipeline does, and
	// returns its fingerprint and the big delivery's row, if any.
	inspect := func(path string) (fp map[string]relation, found bool, accepted, quarantined int64) {
		t.Helper()
		db, err := zsql.Open(context.Background(), path)
		if err != nil {
			t.Fatalf("the working database does not open after the kill: %v", err)
		}
		defer db.Close()
		err = db.QueryRow(`SELECT rows_accepted, rows_quarantined FROM deliveries WHERE source = 'jgz' AND sha256 = ?`, sum).Scan(&accepted, &quarantined)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatal(err)
		}
		return fingerprint(t, db), err == nil, accepted, quarantined
	}

	// The reference: the same ingest, uninterrupted.
	work := filepath.Join(tmp, "work.duckdb")
	args := []string{"ingest", "--db", work, "--research-key-file", keyFile, "--source", "jgz", big}
	copyDBFile(t, base, work)
	if killed, _ := killedRun(t, time.Hour, args...); killed {
		t.Fatal("the reference run was killed")
	}
	copyDBFile(t, base, work)
	_, typical := killedRun(t, time.Hour, args...)
	after, _, refAccepted, refQuarantined := inspect(work)
	if cmp.Equal(subset(before, dataTables), subset(after, dataTables)) {
		t.Fatal("the reference ingest changed no table")
	}
	t.Logf("reference ingest: %d rows accepted, %d quarantined, %v", refAccepted, refQuarantined, typical.Round(time.Millisecond))

	var killed, present, absent int
	var inspectTime time.Duration
	for i := 0; ; i++ {
		delay, more := coverDelay(i, trials, typical, rng, present, absent)
		if !more {
			break
		}
		copyDBFile(t, base, work)
		k, _ := killedRun(t, delay, args...)
		if k {
			killed++
		}
		ts := time.Now()
		got, found, acc, quar := inspect(work)
		inspectTime += time.Since(ts)
		switch data := subset(got, dataTables); {
		case cmp.Equal(data, subset(before, dataTables)):
			absent++
			if found {
				t.Errorf("trial %d (kill at %v): the delivery is recorded but none of its rows landed", i, delay)
			}
			if diff := cmp.Diff(subset(before, derived), subset(got, derived)); diff != "" {
				t.Errorf("trial %d (kill at %v): the delivery did not land, yet the KPI tables changed:\n%s", i, delay, diff)
			}
			if diff := cmp.Diff(subset(before, derivedViews), subset(got, derivedViews)); diff != "" {
				t.Errorf("trial %d (kill at %v): the delivery did not land, yet the views changed:\n%s", i, delay, diff)
			}
		case cmp.Equal(data, subset(after, dataTables)):
			present++
			if !found || acc != refAccepted || quar != refQuarantined {
				t.Errorf("trial %d (kill at %v): delivery row %v: %d accepted, %d quarantined; want %d and %d", i, delay, found, acc, quar, refAccepted, refQuarantined)
			}
			// Killed between the commit and the KPI refresh: the history
			// (with its record of what it reflects, so that the next
			// refresh picks the delivery up) is the old one until the next
			// refresh, never a mix; the views show the new data.
			if d := subset(got, derived); !cmp.Equal(d, subset(before, derived)) && !cmp.Equal(d, subset(after, derived)) {
				t.Errorf("trial %d (kill at %v): the KPI tables are neither before nor after the refresh:\n%s", i, delay, cmp.Diff(subset(after, derived), d))
			}
			if diff := cmp.Diff(subset(after, derivedViews), subset(got, derivedViews)); diff != "" {
				t.Errorf("trial %d (kill at %v): the views do not show the landed delivery:\n%s", i, delay, diff)
			}
		default:
			t.Errorf("trial %d (kill at %v, killed %v): the delivery landed in part (-all of it +found):\n%s", i, delay, k, cmp.Diff(subset(after, dataTables), data))
		}
		if t.Failed() {
			break
		}
	}
	trials = absent + present // every trial ends with the delivery absent or present
	t.Logf("%d trials: %d killed mid-run; delivery afterwards absent %d times, present %d times; checks took %v", trials, killed, absent, present, inspectTime)
	if killed < trials/4 || absent == 0 || present == 0 {
		t.Errorf("the kills did not cover the run: %d of %d killed, %d absent, %d present", killed, trials, absent, present)
	}
	// The database a kill left behind takes the file whole afterwards.
	if _, err := os.Stat(work); err == nil {
		killedRun(t, time.Hour, args...)
		if diff := cmp.Diff(subset(after, dataTables), subset(workingFingerprint(t, work), dataTables)); diff != "" {
			t.Errorf("ingest after the last kill (-reference +got):\n%s", diff)
		}
	}
}

// TestCrashPublish kills "zothuis publish" (KPI refresh, snapshot written
// aside and renamed into place, dated copy, Parquet export) with SIGKILL
// at moments spread over its run, while the working database changes
// between publishes. Every time, the working database opens, and the
// published snapshot and its dated copy open read-only and are whole: the
// previous publish or the new one, table for table equal to the working
// database that was published.
func TestCrashPublish(t *testing.T) {
	t.Parallel()
	_, trials := crashTrials(t)
	demo := demoDir(t)
	rng := crashRand(t)
	tmp := t.TempDir()
	work := filepath.Join(tmp, "work", "zothuis.duckdb")
	os.MkdirAll(filepath.Dir(work), 0o750)
	copyDBFile(t, filepath.Join(demo, "work", "zothuis.duckdb"), work)
	out := filepath.Join(tmp, "out")
	research := filepath.Join(out, "research")
	snap := filepath.Join(research, snapshot.FileName)
	args := []string{"publish", "--db", work, "--out", out, "--keep-months", "12"}
	// dated is the newest dated copy: of the latest day (a run may pass
	// midnight), the highest sequence number of that day.
	dated := func() string {
		m, _ := filepath.Glob(filepath.Join(research, "zothuis-????-??-??*.duckdb"))
		if len(m) == 0 {
			t.Fatal("no dated copy")
		}
		seq := func(p string) string {
			day, n, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "zothuis-"), ".duckdb"), ".")
			if n == "" {
				n = "1"
			}
			return fmt.Sprintf("%s.%06s", day, n)
		}
		slices.SortFunc(m, func(a, b string) int { return strings.Compare(seq(a), seq(b)) })
		return m[len(m)-1]
	}
	key, err := pseudonymize.LoadKey(filepath.Join(demo, "keys", "research.key"))
	if err != nil {
		t.Fatal(err)
	}
	jgz, err := ingest.Source("jgz")
	if err != nil {
		t.Fatal(err)
	}
	// change lands a small delivery of its own, so that the next publish
	// has something new to show.
	change := func(i int) {
		t.Helper()
		f := filepath.Join(tmp, fmt.Sprintf("jgz_change_%d.csv", i))
		s := sha256.Sum256([]byte(fmt.Sprintf("crash-publish-%d", i)))
		row := fmt.Sprintf("pseudonym,geboortemaand,geslacht,gemeente,contactdatum,signaal\n%s,2020-01,V,GM0014,2026-0%d-1%d,geen\n", hex.EncodeToString(s[:16]), 1+i%9, i%10)
		if err := os.WriteFile(f, []byte(row), 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := zsql.Open(context.Background(), work)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := (&ingest.Ingester{DB: db, ResearchKey: key}).IngestFile(context.Background(), jgz, f); err != nil {
			t.Fatal(err)
		}
	}

	// The first publish, uninterrupted, is the reference.
	_, typical := killedRun(t, time.Hour, args...)
	published := snapshotFingerprint(t, snap)
	if diff := cmp.Diff(researchFingerprint(t, work), published); diff != "" {
		t.Fatalf("the snapshot differs from the working database (-work +snapshot):\n%s", diff)
	}
	if len(published) < 10 || published["jgz"].Rows == 0 || published["kpi_history"].Rows == 0 {
		t.Fatalf("implausible snapshot: %v", published)
	}
	datedFP := snapshotFingerprint(t, dated())
	t.Logf("reference publish: %v", typical.Round(time.Millisecond))

	var killed, replaced, kept int
	for i := 0; ; i++ {
		delay, more := coverDelay(i, trials, typical, rng, replaced, kept)
		if !more {
			break
		}
		change(i)
		k, _ := killedRun(t, delay, args...)
		if k {
			killed++
		}
		current := researchFingerprint(t, work)
		got := snapshotFingerprint(t, snap)
		switch {
		case cmp.Equal(got, current):
			replaced++
		case cmp.Equal(got, published):
			kept++
			if !k {
				t.Errorf("trial %d: publish finished, yet the snapshot is the previous one", i)
			}
		default:
			t.Errorf("trial %d (kill at %v): the snapshot is neither the previous publish nor the working database (-work +snapshot):\n%s", i, delay, cmp.Diff(current, got))
		}
		published = got
		// The dated copy is written before the snapshot is renamed into
		// place: a kill between the two leaves the new dated copy beside
		// the old snapshot, whole.
		gotDated := snapshotFingerprint(t, dated())
		if !cmp.Equal(gotDated, datedFP) && !cmp.Equal(gotDated, got) && !cmp.Equal(gotDated, current) {
			t.Errorf("trial %d (kill at %v): the dated copy is neither the previous one, the snapshot nor the working database", i, delay)
		}
		datedFP = gotDated
		checkParquet(t, research, got)
		if t.Failed() {
			break
		}
	}
	trials = replaced + kept
	t.Logf("%d trials: %d killed mid-run; snapshot replaced %d times, kept %d times", trials, killed, replaced, kept)
	if killed < trials/4 || replaced == 0 || kept == 0 {
		t.Errorf("the kills did not cover the run: %d of %d killed, snapshot replaced %d, kept %d", killed, trials, replaced, kept)
	}

	// A publish after the kills leaves nothing of them behind.
	if killed, _ := killedRun(t, time.Hour, args...); killed {
		t.Fatal("the last publish was killed")
	}
	if diff := cmp.Diff(researchFingerprint(t, work), snapshotFingerprint(t, snap)); diff != "" {
		t.Errorf("the last snapshot differs from the working database (-work +snapshot):\n%s", diff)
	}
	entries, err := os.ReadDir(research)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		n := e.Name()
		isPublished := n == "parquet" || n == snapshot.ExamplesDir || n == snapshot.FileName || n == snapshot.ManifestName || n == snapshot.DictionaryName ||
			strings.HasPrefix(n, "parquet-") || strings.HasPrefix(n, "zothuis-") &&
			(strings.HasSuffix(n, ".duckdb") || strings.HasSuffix(n, ".manifest.json") || strings.HasSuffix(n, ".dictionary.md"))
		if !isPublished || strings.HasPrefix(n, ".") {
			left = append(left, n)
		}
	}
	if len(left) > 0 {
		t.Errorf("after a clean publish the research folder still holds %q: killed publishes left files behind", left)
	}
}

// checkParquet checks that the published Parquet folder holds a file per
// table and view of the snapshot fp, each whole.
func checkParquet(t *testing.T, research string, fp map[string]relation) {
	t.Helper()
	dir := filepath.Join(research, "parquet")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Errorf("the Parquet export is missing: %v", err)
		return
	}
	var got, want []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	for name := range fp {
		if name != "schema_migrations" {
			want = append(want, name+".parquet")
		}
	}
	for _, name := range snapshot.InfoTables() {
		want = append(want, name+".parquet")
	}
	slices.Sort(want)
	if !cmp.Equal(got, want) {
		t.Errorf("Parquet export holds %q, want %q", got, want)
		return
	}
	// Each file ends in the Parquet footer magic: written whole.
	for _, n := range got {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			t.Error(err)
			continue
		}
		tail := make([]byte, 4)
		if _, err := f.Seek(-4, io.SeekEnd); err != nil || func() error { _, err := io.ReadFull(f, tail); return err }() != nil || string(tail) != "PAR1" {
			t.Errorf("%s is not a whole Parquet file (%v)", n, err)
		}
		f.Close()
	}
}

// coverDelay returns when to kill trial i, and false when the trials are
// done. The first trials are stratified: one kill moment in each slice of
// 1.5 times the typical run. The machine's load changes how long a run
// takes, so if after them one outcome was never seen, up to six more
// trials go on: later and later (doubling) while no run finished, earlier
// and earlier while every run finished.
func coverDelay(i, trials int, typical time.Duration, rng *rand.Rand, finished, interrupted int) (time.Duration, bool) {
	if i < trials {
		return time.Duration((float64(i) + rng.Float64()) / float64(trials) * 1.5 * float64(typical)), true
	}
	extra := i - trials + 1
	switch {
	case extra > 6:
		return 0, false
	case finished == 0:
		return typical << extra, true
	case interrupted == 0:
		return typical >> (extra + 3), true
	}
	return 0, false
}
