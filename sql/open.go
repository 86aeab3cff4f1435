package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB driver
)

// Options tune OpenWith.
type Options struct {
	// Log receives a line per migration and per backup; none when nil.
	Log *slog.Logger
	// BackupDir is where the backup before a migration goes; empty means
	// BackupDir(path).
	BackupDir string
	// Now names the backup; time.Now when nil.
	Now func() time.Time
}

// ErrSnapshot is returned by Open for a research snapshot: it lacks the
// operations records, and a working database it is not. Restore a
// working database from it with zothuis restore.
var ErrSnapshot = errors.New("a research snapshot, not a working database (restore one from it with zothuis restore)")

// operationsSince is the schema version that made the operations tables;
// a database at or past it without them is a snapshot.
const operationsSince = 4

// Open opens (or creates) the working DuckDB database at path and migrates
// it to the current schema, with the default Options. The caller closes it.
func Open(ctx context.Context, path string) (*dbsql.DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith opens (or creates) the working DuckDB database at path and
// migrates it to the current schema. Before it migrates a database that
// holds data it writes a backup, so that an upgrade can be undone by
// installing the old binary and restoring that file. It refuses a
// database of a newer schema and a research snapshot. The caller closes
// the database.
func OpenWith(ctx context.Context, path string, opt Options) (*dbsql.DB, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.BackupDir == "" {
		opt.BackupDir = BackupDir(path)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	db, err := connect(path, false)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := prepare(ctx, db, path, opt); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The file is person-level data: take away group write and all access
	// for others, whatever the umask was; never widen a stricter mode.
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o027 != 0 {
		if err := os.Chmod(path, fi.Mode().Perm()&^0o027); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	return db, nil
}

// prepare checks what kind of database db is and migrates it.
func prepare(ctx context.Context, db *dbsql.DB, path string, opt Options) error {
	if err := db.PingContext(ctx); err != nil {
		return err
	}
	ms, err := Migrations()
	if err != nil {
		return err
	}
	current, err := SchemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if current > len(ms) {
		return &SchemaVersionError{Database: current, Program: len(ms)}
	}
	if current >= operationsSince {
		var ops bool
		if err := db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'job_runs'`).Scan(&ops); err != nil {
			return err
		}
		if !ops {
			return ErrSnapshot
		}
	}
	if current == len(ms) {
		return nil
	}
	if current == 0 {
		opt.Log.Info("creating the database schema", "database", path, "version", len(ms))
	} else {
		backup, err := Backup(ctx, db, opt.BackupDir, opt.Now())
		if err != nil {
			return fmt.Errorf("before migrating: %w", err)
		}
		opt.Log.Info("migrating the database schema; backed up first", "database", path,
			"from", current, "to", len(ms), "backup", backup)
	}
	if err := migrate(ctx, db, opt.Log); err != nil {
		return err
	}
	// Checkpoint now: DuckDB 1.4 cannot replay a WAL that holds a new
	// database's whole schema (issue 16), so a crash before the next
	// checkpoint would leave a file that does not open.
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint after migrating: %w", err)
	}
	return nil
}

// OpenReadOnly opens a database for reading only, as a researcher's client
// does, so it works on a published snapshot that others hold open. It does
// not migrate; a database of another schema version is refused.
func OpenReadOnly(ctx context.Context, path string) (*dbsql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db, err := connect(path, true)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	ms, err := Migrations()
	if err != nil {
		db.Close()
		return nil, err
	}
	current, err := SchemaVersion(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if current == 0 {
		db.Close()
		return nil, fmt.Errorf("open %s: not a zothuis database", path)
	}
	if current != len(ms) {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, &SchemaVersionError{Database: current, Program: len(ms)})
	}
	return db, nil
}

// ErrSchemaVersion is returned by OpenReadOnly for a database of another
// schema version; a newer zothuis reads a newer one, and the next ingest
// migrates an older one.
var ErrSchemaVersion = errors.New("schema version differs")
