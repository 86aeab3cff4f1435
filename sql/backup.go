package sql

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/zothuis/zothuis/atomicfile"
)

// BackupDir is the folder of backups beside a working database at path,
// where configuration does not name another.
func BackupDir(path string) string { return filepath.Join(filepath.Dir(path), "backups") }

// Backup writes a consistent copy of the whole working database db
// (operations records included) to a new file in dir, named by the
// moment and schema version, checks that the copy opens and holds the
// rows copied, and returns its path. The caller keeps other writers out
// while it runs (the daemon holds its writer lock), so that the copy is
// the state between two jobs rather than a moment inside one.
func Backup(ctx context.Context, db *dbsql.DB, dir string, now time.Time) (string, error) {
	version, err := SchemaVersion(ctx, db)
	if err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	name := fmt.Sprintf("zothuis-%s-schema%d.duckdb", now.UTC().Format("20060102T150405.000Z"), version)
	final := filepath.Join(dir, name)
	tmp := filepath.Join(dir, "."+name+".tmp")
	os.Remove(tmp) // a leftover of an interrupted backup of the same name
	counts, err := CopyTo(ctx, db, tmp, CopyOptions{})
	if err != nil {
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
		return "", fmt.Errorf("backup: %w", err)
	}
	if err := verifyCopy(ctx, tmp, version, counts); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("backup: %s does not read back: %w", tmp, err)
	}
	// Never replace an older backup.
	if err := atomicfile.RenameNoReplace(tmp, final); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("backup: %w", err)
	}
	return final, nil
}

// verifyCopy opens the copy at path read-only and compares its schema
// version and row counts with what was copied.
func verifyCopy(ctx context.Context, path string, version int, counts map[string]int64) error {
	db, err := connect(path, true)
	if err != nil {
		return err
	}
	defer db.Close()
	got, err := SchemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if got != version {
		return fmt.Errorf("schema version %d, want %d", got, version)
	}
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+QuoteIdent(t)).Scan(&n); err != nil {
			return err
		}
		if n != counts[t] {
			return fmt.Errorf("table %s has %d rows, %d were copied", t, n, counts[t])
		}
	}
	return nil
}

// Querier is what SchemaVersion reads through: a database or a
// transaction.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *dbsql.Row
}

// SchemaVersion returns the schema version db is at: 0 for an empty
// database.
func SchemaVersion(ctx context.Context, db Querier) (int, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'schema_migrations'`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// BackupFile backs up the database file at path, which no other process
// may hold open, as Backup does. It opens the file without migrating it,
// so that a database an older or newer program wrote is copied as it is.
func BackupFile(ctx context.Context, path, dir string, now time.Time) (string, error) {
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	db, err := connect(path, false)
	if err != nil {
		return "", fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return "", fmt.Errorf("backup: open %s: %w", path, err)
	}
	return Backup(ctx, db, dir, now)
}
