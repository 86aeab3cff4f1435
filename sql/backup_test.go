package sql_test

import (
	"bytes"
	"context"
	dbsql "database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	zsql "github.com/zothuis/zothuis/sql"
)

// fill writes a few rows into the operations tables and a sequence, so
// that a copy has something to lose.
func fill(t *testing.T, db *dbsql.DB) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO job_runs (job, started_at, ended_at, status, error) VALUES ('pull:jgz', now(), now(), 'failed', 'timed out'), ('cycle', now(), now(), 'ok', NULL)`,
		`INSERT INTO refusals (source, file_name, sha256, refused_at, reason) VALUES ('jgz', 'jgz_2026-11.csv', repeat('a', 64), now(), 'bsn')`,
		`INSERT INTO research_key_fingerprint VALUES (true, repeat('b', 64), now())`,
		`SELECT nextval('delivery_id_seq')`,
		`SELECT nextval('delivery_id_seq')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// differences compares every table of main with the same table of the
// attached database other, and the column comments; it returns the
// tables that differ, and "comments".
func differences(t *testing.T, db *dbsql.DB, path string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH "+zsql.QuoteLiteral(path)+" AS other (READ_ONLY)"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "DETACH other")
	var diffs []string
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, tb := range tables {
		q := zsql.QuoteIdent(tb)
		var n int
		err := conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (SELECT * FROM main.`+q+` EXCEPT ALL SELECT * FROM other.`+q+`))
			+ (SELECT count(*) FROM (SELECT * FROM other.`+q+` EXCEPT ALL SELECT * FROM main.`+q+`))`).Scan(&n)
		if err != nil || n != 0 {
			diffs = append(diffs, tb)
		}
	}
	var comments int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM (
		SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = current_database()
		EXCEPT SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = 'other')`).Scan(&comments); err != nil {
		t.Fatal(err)
	}
	if comments != 0 {
		diffs = append(diffs, "comments")
	}
	return diffs
}

func TestBackupIsAWholeCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := zsql.Open(ctx, filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fill(t, db)
	now := time.Date(2026, 12, 7, 3, 4, 5, 0, time.UTC)
	path, err := zsql.Backup(ctx, db, filepath.Join(dir, "backups"), now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(path), "zothuis-20261207T030405.000Z-schema") {
		t.Errorf("backup named %s", path)
	}
	if d := differences(t, db, path); len(d) > 0 {
		t.Errorf("the backup differs from the database in %v", d)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("backup mode %04o, want 0640", fi.Mode().Perm())
	}
	// A second backup in the same moment must not replace the first.
	if _, err := zsql.Backup(ctx, db, filepath.Join(dir, "backups"), now); !errors.Is(err, os.ErrExist) {
		t.Errorf("second backup of the same name: %v, want it refused", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "backups"))
	if len(entries) != 1 {
		t.Errorf("backups folder holds %d entries, want the one backup and no temporary file", len(entries))
	}
	// The copy works as a working database: its sequences go on where
	// the original's are.
	b, err := zsql.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, seq := range []string{"delivery_id_seq", "run_id_seq", "refusal_id_seq"} {
		var orig, copied int64
		if err := db.QueryRow(`SELECT nextval(?)`, seq).Scan(&orig); err != nil {
			t.Fatal(err)
		}
		if err := b.QueryRow(`SELECT nextval(?)`, seq).Scan(&copied); err != nil {
			t.Fatal(err)
		}
		if orig != copied || orig < 2 {
			t.Errorf("next value of %s: %d in the copy, %d in the original", seq, copied, orig)
		}
	}
}

// openAt makes a database at schema version v, as an older program left
// it.
func openAt(t *testing.T, path string, v int) {
	t.Helper()
	ms, err := zsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	db, err := dbsql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:v] {
		if _, err := db.Exec(m.SQL); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, ?, now())`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO job_runs (job, started_at, status) VALUES ('cycle', now(), 'ok')`); err != nil {
		t.Fatal(err)
	}
}

func TestOpenBacksUpBeforeMigrating(t *testing.T) {
	ctx := context.Background()
	ms, err := zsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	openAt(t, path, len(ms)-1)
	var logs bytes.Buffer
	db, err := zsql.OpenWith(ctx, path, zsql.Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	backups, err := filepath.Glob(filepath.Join(zsql.BackupDir(path), "*.duckdb"))
	if err != nil || len(backups) != 1 {
		t.Fatalf("backups %v (%v), want one", backups, err)
	}
	b, err := dbsql.Open("duckdb", backups[0]+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got := map[string]int{}
	got["backup"], err = zsql.SchemaVersion(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	got["database"], _ = zsql.SchemaVersion(ctx, db)
	want := map[string]int{"backup": len(ms) - 1, "database": len(ms)}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("schema versions (-want +got):\n%s", d)
	}
	for _, line := range []string{"migrating the database schema; backed up first", "from=" + itoa(len(ms)-1), "schema migration applied", ms[len(ms)-1].Name} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("log lacks %q:\n%s", line, logs.String())
		}
	}
	// A database already current is neither backed up nor logged again.
	db.Close()
	logs.Reset()
	db2, err := zsql.OpenWith(ctx, path, zsql.Options{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	db2.Close()
	again, _ := filepath.Glob(filepath.Join(zsql.BackupDir(path), "*.duckdb"))
	if len(again) != 1 || logs.Len() != 0 {
		t.Errorf("reopening a current database: %d backups, log %q", len(again), logs.String())
	}
}

func TestNewDatabaseNeedsNoBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db, err := zsql.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(zsql.BackupDir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new database made a backups folder: %v", err)
	}
	// Migrations are checkpointed: no WAL is left to replay.
	if fi, err := os.Stat(path + ".wal"); err == nil && fi.Size() > 0 {
		t.Errorf("a new database left a WAL of %d bytes", fi.Size())
	}
}

func TestOpenRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	work := filepath.Join(dir, "w.duckdb")
	db, err := zsql.Open(ctx, work)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := filepath.Join(dir, "snapshot.duckdb")
	if _, err := zsql.CopyTo(ctx, db, snapshot, zsql.CopyOptions{LeaveOutTables: zsql.OperationsTables(), LeaveOutSequences: zsql.OperationsSequences()}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (999, '0999_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if db, err := zsql.Open(ctx, snapshot); !errors.Is(err, zsql.ErrSnapshot) {
		if err == nil {
			db.Close()
		}
		t.Errorf("opening a snapshot as the working database: %v, want ErrSnapshot", err)
	}
	db, err = zsql.Open(ctx, work)
	var sv *zsql.SchemaVersionError
	if !errors.As(err, &sv) || !sv.Newer() || sv.Database != 999 {
		if err == nil {
			db.Close()
		}
		t.Errorf("opening a newer database: %v, want a SchemaVersionError", err)
	}
	if _, err := os.Stat(zsql.BackupDir(work)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused database was backed up: %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
