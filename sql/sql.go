// Package sql holds the schema of the working database: its numbered
// migrations, embedded (never edited once landed; a change is a new
// migration), Open, which brings a database up to them, the memory DuckDB
// may take (MemoryLimit, Loading while deliveries land, Roomier for a
// query that ran out of it), and copying, backing up and restoring a
// database. The statements a package runs live next to its code
// (ingest/sql, kpi/sql, ...). Import it under one alias where
// database/sql is also used:
//
//	import zsql "github.com/zothuis/zothuis/sql"
package sql

import (
	"context"
	dbsql "database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var files embed.FS

// Migration is one numbered schema migration.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		b, err := files.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := range ms {
		if ms[i].Version != i+1 {
			return nil, fmt.Errorf("migrations: want version %d, found %s", i+1, ms[i].Name)
		}
	}
	return ms, nil
}

// Migrate brings the database schema up to date, one transaction per
// migration. A database written by a newer version of the program is
// refused rather than used half-understood.
func Migrate(ctx context.Context, db *dbsql.DB) error {
	return migrate(ctx, db, slog.New(slog.DiscardHandler))
}

func migrate(ctx context.Context, db *dbsql.DB, log *slog.Logger) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	current, err := SchemaVersion(ctx, db)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("migrate: %w", &SchemaVersionError{Database: current, Program: len(ms)})
	}
	for _, m := range ms[current:] {
		start := time.Now()
		if err := apply(ctx, db, m); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		log.Info("schema migration applied", "version", m.Version, "name", m.Name, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// SchemaVersionError is a database at a schema version other than the
// program's where that one is needed. It matches ErrSchemaVersion.
type SchemaVersionError struct {
	Database, Program int
}

func (e *SchemaVersionError) Error() string {
	if e.Database > e.Program {
		return fmt.Sprintf("database is at schema version %d, this program knows %d; use a newer zothuis", e.Database, e.Program)
	}
	return fmt.Sprintf("database at schema version %d, this program knows %d", e.Database, e.Program)
}

// Is makes errors.Is(err, ErrSchemaVersion) true.
func (e *SchemaVersionError) Is(target error) bool { return target == ErrSchemaVersion }

// Newer says the database was written by a newer program.
func (e *SchemaVersionError) Newer() bool { return e.Database > e.Program }

func apply(ctx context.Context, db *dbsql.DB, m Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?, ?)`, m.Version, m.Name, time.Now()); err != nil {
		return err
	}
	return tx.Commit()
}
