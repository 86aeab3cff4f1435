package sql_test

import (
	"context"
	dbsql "database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	zsql "github.com/zothuis/zothuis/sql"
)

// fillDeliveries lands n delivery rows, drawing their ids from the
// sequence as ingest does.
func fillDeliveries(t *testing.T, db *dbsql.DB, n int) {
	t.Helper()
	if _, err := db.Exec(`INSERT INTO deliveries (source, file_name, sha256, format, received_at)
		SELECT 'jgz', 'jgz_' || i || '.csv', md5(random()::VARCHAR) || md5(random()::VARCHAR), 'csv', now() FROM range(?) t(i)`, n); err != nil {
		t.Fatal(err)
	}
}

func TestRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := zsql.Open(ctx, filepath.Join(dir, "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fill(t, db)
	fillDeliveries(t, db, 7)
	backup, err := zsql.Backup(ctx, db, filepath.Join(dir, "backups"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	snapshot := filepath.Join(dir, "snapshot.duckdb")
	if _, err := zsql.CopyTo(ctx, db, snapshot, zsql.CopyOptions{
		LeaveOutTables: zsql.OperationsTables(), LeaveOutSequences: zsql.OperationsSequences(), StorageVersion: "v1.1.0"}); err != nil {
		t.Fatal(err)
	}
	ms, _ := zsql.Migrations()

	for _, tc := range []struct {
		from   string
		origin zsql.Origin
		// the tables that come back empty
		empty []string
	}{
		{backup, zsql.FromBackup, nil},
		{snapshot, zsql.FromSnapshot, zsql.OperationsTables()},
	} {
		t.Run(string(tc.origin), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "restored.duckdb")
			res, err := zsql.Restore(ctx, tc.from, path, zsql.RestoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Origin != tc.origin || res.FromVersion != len(ms) {
				t.Errorf("restored from a %s at version %d, want a %s at %d", res.Origin, res.FromVersion, tc.origin, len(ms))
			}
			var wantDiffs []string
			for _, e := range tc.empty {
				var n int
				db.QueryRow(`SELECT count(*) FROM ` + zsql.QuoteIdent(e)).Scan(&n)
				if n > 0 {
					wantDiffs = append(wantDiffs, e)
				}
			}
			if d := cmp.Diff(wantDiffs, differences(t, db, path)); d != "" {
				t.Errorf("tables that differ from the original (-want +got):\n%s", d)
			}
			r, err := zsql.Open(ctx, path)
			if err != nil {
				t.Fatalf("the restored database does not open as a working one: %v", err)
			}
			defer r.Close()
			// New rows get ids past the restored ones.
			fillDeliveries(t, r, 1)
			var n, distinct int
			if err := r.QueryRow(`SELECT count(*), count(DISTINCT delivery_id) FROM deliveries`).Scan(&n, &distinct); err != nil || n != 8 || distinct != 8 {
				t.Errorf("after a new delivery: %d rows, %d ids (%v), want 8 and 8", n, distinct, err)
			}
			if _, err := r.Exec(`INSERT INTO job_runs (job, started_at, status) VALUES ('cycle', now(), 'running')`); err != nil {
				t.Errorf("a new run after the restore: %v", err)
			}
		})
	}
}

func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	newer := filepath.Join(dir, "newer.duckdb")
	db, err := zsql.Open(ctx, newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (999, '0999_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	plain := filepath.Join(dir, "plain.duckdb")
	p, err := dbsql.Open("duckdb", plain)
	if err != nil {
		t.Fatal(err)
	}
	p.Exec(`CREATE TABLE t AS SELECT 1 AS x`)
	p.Close()
	existing := filepath.Join(dir, "existing.duckdb")
	os.WriteFile(existing, nil, 0o600)

	for name, tc := range map[string]struct {
		from, to string
		want     error
	}{
		"newer schema":       {newer, filepath.Join(dir, "a.duckdb"), zsql.ErrSchemaVersion},
		"not zothuis":        {plain, filepath.Join(dir, "b.duckdb"), nil},
		"target exists":      {newer, existing, os.ErrExist},
		"source not present": {filepath.Join(dir, "nothing.duckdb"), filepath.Join(dir, "c.duckdb"), os.ErrNotExist},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := zsql.Restore(ctx, tc.from, tc.to, zsql.RestoreOptions{})
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("restore: %v, want %v", err, tc.want)
			}
			if tc.to != existing {
				if _, err := os.Stat(tc.to); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a refused restore left %s", tc.to)
				}
			}
		})
	}
}
