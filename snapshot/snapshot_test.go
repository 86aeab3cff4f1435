package snapshot

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
	zsql "github.com/zothuis/zothuis/sql"
)

// reader is a second process holding snapshots open with the DuckDB node
// client (@duckdb/node-api), as a researcher would.
type reader struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Scanner
}

func startReader(t *testing.T) *reader {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("testdata", "nodeclient"))
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		missing = "snapshot/testdata/nodeclient has no node_modules (make test runs npm ci)"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s; CI must run this test", missing)
		}
		t.Skipf("%s; run make test", missing)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "reader.mjs"))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
		cancel()
	})
	return &reader{t: t, in: in, out: bufio.NewScanner(out)}
}

func (r *reader) say(format string, a ...any) string {
	r.t.Helper()
	fmt.Fprintf(r.in, format+"\n", a...)
	if !r.out.Scan() {
		r.t.Fatalf("node reader gave no answer to %q: %v", fmt.Sprintf(format, a...), r.out.Err())
	}
	ans := r.out.Text()
	if strings.HasPrefix(ans, "error ") {
		r.t.Fatalf("node reader: %q: %s", fmt.Sprintf(format, a...), ans)
	}
	return ans
}

func (r *reader) query(conn, q string) []map[string]any {
	r.t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.say("query %s %s", conn, q)), &rows); err != nil {
		r.t.Fatal(err)
	}
	return rows
}

func workingDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := zsql.Open(context.Background(), filepath.Join(t.TempDir(), "work.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPublishWhileResearcherReads: a researcher's client of another
// DuckDB version (older than the writer: the snapshot's storage version,
// not the writer's, decides who can read it) holds the snapshot open
// read-only; the next cycle still publishes, the open
// connection keeps reading the old file, and a new one sees the new file.
func TestPublishWhileResearcherReads(t *testing.T) {
	ctx := context.Background()
	db := workingDB(t)
	out := t.TempDir()
	if _, err := db.Exec("INSERT INTO regions VALUES ('GM0014', 'cycle1')"); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	path, err := Publish(ctx, db, out, Options{KeepMonths: 12, Now: day})
	if err != nil {
		t.Fatal(err)
	}
	r := startReader(t)
	r.say("open old %s", path)
	const q = "SELECT region FROM regions"
	if diff := cmp.Diff([]map[string]any{{"region": "cycle1"}}, r.query("old", q)); diff != "" {
		t.Fatalf("first snapshot (-want +got):\n%s", diff)
	}

	// The client is older than the writer: it reads the file because the
	// snapshot is written in storage version v1.1.0, not the writer's own.
	var writer string
	if err := db.QueryRow("SELECT version()").Scan(&writer); err != nil {
		t.Fatal(err)
	}
	client := r.query("old", "SELECT version() AS v")[0]["v"].(string)
	if !newer(writer, client) {
		t.Errorf("client DuckDB %s is not older than the writer %s", client, writer)
	}
	t.Logf("writer DuckDB %s, researcher's client %s", writer, client)
	comment := r.query("old", "SELECT comment FROM duckdb_columns() WHERE table_name = 'regions' AND column_name = 'region'")
	if len(comment) != 1 || !strings.Contains(fmt.Sprint(comment[0]["comment"]), "Region key") {
		t.Errorf("column comment seen by the client: %v", comment)
	}

	// The next cycle, while the researcher holds the file open.
	if _, err := db.Exec("UPDATE regions SET region = 'cycle2'"); err != nil {
		t.Fatal(err)
	}
	if _, err := Publish(ctx, db, out, Options{KeepMonths: 12, Now: day.AddDate(0, 0, 1)}); err != nil {
		t.Fatalf("publish while a reader holds the snapshot: %v", err)
	}
	if diff := cmp.Diff([]map[string]any{{"region": "cycle1"}}, r.query("old", q)); diff != "" {
		t.Errorf("the open connection was disturbed (-want +got):\n%s", diff)
	}
	r.say("open new %s", path)
	if diff := cmp.Diff([]map[string]any{{"region": "cycle2"}}, r.query("new", q)); diff != "" {
		t.Errorf("a new connection does not see the new snapshot (-want +got):\n%s", diff)
	}
	// The dated copies and the Parquet export, read by the same client.
	r.say("open dated %s", filepath.Join(out, "zothuis-2026-11-01.duckdb"))
	if diff := cmp.Diff([]map[string]any{{"region": "cycle1"}}, r.query("dated", q)); diff != "" {
		t.Errorf("dated copy of the first cycle (-want +got):\n%s", diff)
	}
	pq := filepath.Join(out, "parquet", "regions.parquet")
	if diff := cmp.Diff([]map[string]any{{"region": "cycle2"}}, r.query("new", fmt.Sprintf("SELECT region FROM read_parquet('%s')", pq))); diff != "" {
		t.Errorf("Parquet export (-want +got):\n%s", diff)
	}
	for _, name := range []string{"jzplus", "placement_timeline", "kpi_history", "kpi_progress", "youth_link"} {
		if _, err := os.Stat(filepath.Join(out, "parquet", name+".parquet")); err != nil {
			t.Errorf("Parquet export lacks %s: %v", name, err)
		}
	}
	for _, p := range []string{path, filepath.Join(out, "zothuis-2026-11-02.duckdb")} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o440 {
			t.Errorf("%s: %v, mode %v; want 0440", p, err, fi.Mode().Perm())
		}
	}
}

// newer compares DuckDB versions such as v1.5.0 and v1.4.5.
func newer(a, b string) bool {
	var a1, a2, a3, b1, b2, b3 int
	fmt.Sscanf(a, "v%d.%d.%d", &a1, &a2, &a3)
	fmt.Sscanf(b, "v%d.%d.%d", &b1, &b2, &b3)
	return fmt.Sprintf("%04d%04d%04d", a1, a2, a3) > fmt.Sprintf("%04d%04d%04d", b1, b2, b3)
}

func TestKeepDated(t *testing.T) {
	ctx := context.Background()
	db := workingDB(t)
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		keep  int
		old   []string
		after []string
	}{
		{
			name:  "keep 12 months",
			keep:  12,
			old:   []string{"zothuis-2025-11-22.duckdb", "zothuis-2025-11-23.duckdb", "zothuis-2026-10-01.duckdb", "zothuis-notes.duckdb"},
			after: []string{"DATA_DICTIONARY.md", "MANIFEST.json", "zothuis-2025-11-23.duckdb", "zothuis-2026-10-01.duckdb", "zothuis-2026-11-23.dictionary.md", "zothuis-2026-11-23.duckdb", "zothuis-2026-11-23.manifest.json", "zothuis-notes.duckdb", "zothuis.duckdb"},
		},
		{
			name:  "keep none",
			keep:  0,
			old:   nil,
			after: []string{"DATA_DICTIONARY.md", "MANIFEST.json", "zothuis.duckdb"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, n := range tt.old {
				os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o640)
			}
			if _, err := Publish(ctx, db, dir, Options{KeepMonths: tt.keep, Now: now}); err != nil {
				t.Fatal(err)
			}
			var got []string
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if !e.IsDir() {
					got = append(got, e.Name())
				}
			}
			if diff := cmp.Diff(tt.after, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSnapshotLeavesOutOperations: the research snapshot and its Parquet
// export hold every research table and view with its comments and rows,
// and none of the operations records: job runs (whose errors hold
// internal URLs and paths), refused files, the research key's fingerprint.
func TestSnapshotLeavesOutOperations(t *testing.T) {
	ctx := context.Background()
	db := workingDB(t)
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("research-key-for-tests-0123456789")}
	c, err := ingest.Source("jzplus")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.IngestFile(ctx, c, filepath.Join("..", "ingest", "testdata", "jzplus_1.csv")); err != nil {
		t.Fatal(err)
	}
	// Markers that must not reach a researcher, in any form or block.
	const url, folder = "https://intern.zothuis.example/hidden-endpoint", "/var/lib/zothuis-marker/spool"
	for _, q := range []string{
		`INSERT INTO job_runs (job, started_at, ended_at, status, error) VALUES
			('pull:jzplus', now(), now(), 'failed', 'GET ` + url + `: 503'),
			('pull:jgz', now(), now(), 'failed', 'open ` + folder + `/jgz.csv: permission denied'),
			('cycle', now(), now(), 'ok', NULL)`,
		`INSERT INTO refusals (source, file_name, sha256, refused_at, reason) VALUES
			('jgz', 'jgz-marker-refused.csv', repeat('a', 64), now(), 'moved to ` + folder + `/rejected')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, tbl := range []string{"job_runs", "refusals", "research_key_fingerprint"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + tbl).Scan(&n); err != nil || n == 0 {
			t.Fatalf("working database: %s has %d rows (%v); the test needs some", tbl, n, err)
		}
	}
	out := t.TempDir()
	path, err := Publish(ctx, db, out, Options{})
	if err != nil {
		t.Fatal(err)
	}

	operations := []string{"job_runs", "refusals", "research_key_fingerprint", "kpi_history_state", "kpi_history_links", "refusal_id_seq", "run_id_seq"}
	want := catalog(t, db)
	for _, n := range operations {
		delete(want, n)
	}
	for _, n := range []string{"jzplus", "deliveries", "kpi_history", "placement_timeline", "youth_link", "schema_migrations"} {
		if _, ok := want[n]; !ok {
			t.Fatalf("the working database has no %s; the test lists the wrong relations", n)
		}
	}
	snap, err := zsql.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	// Quarantine without research ids; the snapshot's own description.
	delete(want["quarantine"].Columns, "research_id")
	got := catalog(t, snap)
	for _, n := range infoTables {
		if r, ok := got[n]; !ok || !r.Readable || r.Rows == 0 {
			t.Errorf("snapshot has no readable %s with rows: %+v", n, r)
		}
		delete(got, n)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("snapshot relations, comments and rows (-want +got):\n%s", diff)
	}

	// The Parquet export: the research relations, without the migration log.
	var wantFiles []string
	for n, r := range want {
		if r.Kind != "sequence" && n != "schema_migrations" {
			wantFiles = append(wantFiles, n+".parquet")
		}
	}
	for _, n := range infoTables {
		wantFiles = append(wantFiles, n+".parquet")
	}
	slices.Sort(wantFiles)
	var gotFiles []string
	entries, err := os.ReadDir(filepath.Join(out, "parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		gotFiles = append(gotFiles, e.Name())
	}
	if diff := cmp.Diff(wantFiles, gotFiles); diff != "" {
		t.Errorf("Parquet files (-want +got):\n%s", diff)
	}

	// Not a byte of the operations data, free blocks included.
	files := []string{path}
	for _, f := range gotFiles {
		files = append(files, filepath.Join(out, "parquet", f))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"intern.zothuis.example", "zothuis-marker", "hidden-endpoint"} {
			if strings.Contains(string(b), m) {
				t.Errorf("%s holds %q", filepath.Base(f), m)
			}
		}
	}
}

// relation is what catalog records of a table, view or sequence.
type relation struct {
	Kind     string            // table, view or sequence
	Comment  string            // of the relation
	Columns  map[string]string // column comments
	Rows     int64
	Readable bool // the relation can be queried
}

// catalog returns the tables, views and sequences of db's current
// database by name, with their comments and row counts.
func catalog(t *testing.T, db *sql.DB) map[string]relation {
	t.Helper()
	rows, err := db.Query(`
		SELECT 'table', table_name, coalesce(comment, '') FROM duckdb_tables() WHERE database_name = current_database()
		UNION ALL
		SELECT 'view', view_name, coalesce(comment, '') FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
		UNION ALL
		SELECT 'sequence', sequence_name, coalesce(comment, '') FROM duckdb_sequences() WHERE database_name = current_database()`)
	if err != nil {
		t.Fatal(err)
	}
	rels := map[string]relation{}
	for rows.Next() {
		var kind, name, comment string
		if err := rows.Scan(&kind, &name, &comment); err != nil {
			t.Fatal(err)
		}
		rels[name] = relation{Kind: kind, Comment: comment, Columns: map[string]string{}}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows, err = db.Query(`SELECT table_name, column_name, coalesce(comment, '') FROM duckdb_columns() WHERE database_name = current_database()`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var rel, col, comment string
		if err := rows.Scan(&rel, &col, &comment); err != nil {
			t.Fatal(err)
		}
		rels[rel].Columns[col] = comment
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name, r := range rels {
		if r.Kind == "sequence" {
			continue
		}
		// A view over a table that was left out would fail here.
		err := db.QueryRow("SELECT count(*) FROM " + zsql.QuoteIdent(name)).Scan(&r.Rows)
		r.Readable = err == nil
		rels[name] = r
	}
	return rels
}
