package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
)

// Origin says what a restore started from.
type Origin string

const (
	// FromBackup is a copy of a working database, operations records
	// included.
	FromBackup Origin = "backup"
	// FromSnapshot is a research snapshot: research data only; the run
	// history, refusals and key fingerprint start empty.
	FromSnapshot Origin = "snapshot"
)

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Log receives a line per migration; none when nil.
	Log *slog.Logger
	// Skip names tables of the file that are not restored: what the
	// research snapshot adds to describe itself.
	Skip []string
}

// Restored is what Restore made.
type Restored struct {
	Origin Origin
	// FromVersion is the schema version of the file restored from; the
	// new database is migrated on to the current one.
	FromVersion int
	// Rows copied per table.
	Rows map[string]int64
}

// Restore makes a new working database at path from the file from, a
// backup or a research snapshot, and returns what it did. It never uses
// the file itself as the working database: the schema is made by this
// program's migrations up to the file's version, the data of every table
// is copied in by column name, each sequence is set past the highest id
// its table holds, and the result is migrated to the current version. So
// a snapshot, written in an older storage format and without the
// operations tables, becomes a working database like any other. The file
// at path must not exist.
func Restore(ctx context.Context, from, path string, opt RestoreOptions) (Restored, error) {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	res, err := restore(ctx, from, path, opt)
	if err != nil {
		os.Remove(path)
		os.Remove(path + ".wal")
		return res, fmt.Errorf("restore from %s: %w", from, err)
	}
	return res, nil
}

func restore(ctx context.Context, from, path string, opt RestoreOptions) (Restored, error) {
	var res Restored
	if _, err := os.Lstat(path); err == nil {
		return res, fmt.Errorf("%s: %w", path, os.ErrExist)
	}
	ms, err := Migrations()
	if err != nil {
		return res, err
	}
	src, err := OpenReadOnlyAnyVersion(ctx, from)
	if err != nil {
		return res, err
	}
	res.FromVersion, err = SchemaVersion(ctx, src)
	if err == nil {
		res.Origin, err = originOf(ctx, src, res.FromVersion)
	}
	src.Close()
	if err != nil {
		return res, err
	}
	if res.FromVersion > len(ms) {
		return res, &SchemaVersionError{Database: res.FromVersion, Program: len(ms)}
	}

	db, err := connect(path, false)
	if err != nil {
		return res, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return res, err
	}
	for _, m := range ms[:res.FromVersion] {
		if err := apply(ctx, db, m); err != nil {
			return res, fmt.Errorf("schema %s: %w", m.Name, err)
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Close()
	const alias = "zothuis_restore_from"
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("ATTACH %s AS %s (READ_ONLY)", QuoteLiteral(from), alias)); err != nil {
		return res, fmt.Errorf("attach: %w", err)
	}
	res.Rows, err = copyData(ctx, conn, alias, opt.Skip)
	conn.ExecContext(context.Background(), "DETACH "+alias)
	if err != nil {
		return res, err
	}
	if err := migrate(ctx, db, opt.Log); err != nil {
		return res, err
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return res, err
	}
	if err := db.Close(); err != nil {
		return res, err
	}
	if err := os.Chmod(path, 0o640); err != nil {
		return res, err
	}
	return res, nil
}

// originOf tells a backup from a snapshot: a snapshot leaves out the
// operations tables.
func originOf(ctx context.Context, db *dbsql.DB, version int) (Origin, error) {
	if version == 0 {
		return "", errors.New("not a zothuis database")
	}
	if version < operationsSince {
		return FromBackup, nil
	}
	var ops bool
	if err := db.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'job_runs'`).Scan(&ops); err != nil {
		return "", err
	}
	if ops {
		return FromBackup, nil
	}
	return FromSnapshot, nil
}

// copyData copies every table of the attached database src into the
// table of the same name in main, by column name, in one transaction,
// and then moves each sequence past the highest id of the column it
// numbers. A table of src that main lacks, but those in skip, is an
// error: the file holds data this schema has no place for.
func copyData(ctx context.Context, conn *dbsql.Conn, src string, skip []string) (_ map[string]int64, err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	var main string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&main); err != nil {
		return nil, err
	}
	dst, err := tablesOf(ctx, conn, main)
	if err != nil {
		return nil, err
	}
	all, err := tablesOf(ctx, conn, src)
	if err != nil {
		return nil, err
	}
	var from [][2]string
	for _, t := range all {
		if t[0] != "main" || !slices.Contains(skip, t[1]) {
			from = append(from, t)
		}
	}
	have := map[[2]string]bool{}
	for _, t := range dst {
		have[t] = true
	}
	for _, t := range from {
		if !have[t] {
			return nil, fmt.Errorf("table %s.%s is not in schema", t[0], t[1])
		}
	}
	rows := map[string]int64{}
	// The migration log says when the file's versions were applied, not
	// when this restore made them again.
	if _, err := conn.ExecContext(ctx, "DELETE FROM schema_migrations"); err != nil {
		return nil, err
	}
	for _, t := range from {
		name := QuoteIdent(t[0]) + "." + QuoteIdent(t[1])
		r, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s BY NAME SELECT * FROM %s.%s", name, QuoteIdent(src), name))
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t[1], err)
		}
		if rows[t[1]], err = r.RowsAffected(); err != nil {
			return nil, err
		}
	}
	if err := advanceSequences(ctx, conn); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, err
	}
	return rows, nil
}

// advanceSequences draws from each sequence that numbers a column until
// it has passed the column's highest value. DuckDB cannot set a
// sequence's value, and one a column's default depends on cannot be
// dropped; drawing leaves at most one id unused.
func advanceSequences(ctx context.Context, conn *dbsql.Conn) error {
	rows, err := conn.QueryContext(ctx, `SELECT schema_name, table_name, column_name, column_default FROM duckdb_columns()
		WHERE database_name = current_database() AND column_default LIKE 'nextval(%' ORDER BY ALL`)
	if err != nil {
		return err
	}
	type numbered struct{ schema, table, column, seq string }
	var cols []numbered
	for rows.Next() {
		var c numbered
		var def string
		if err := rows.Scan(&c.schema, &c.table, &c.column, &def); err != nil {
			rows.Close()
			return err
		}
		// The default reads nextval('name'); the name is what the
		// migration gave the sequence.
		c.seq = strings.TrimSuffix(strings.TrimPrefix(def, "nextval('"), "')")
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range cols {
		var top dbsql.NullInt64
		q := fmt.Sprintf("SELECT max(%s) FROM %s.%s", QuoteIdent(c.column), QuoteIdent(c.schema), QuoteIdent(c.table))
		if err := conn.QueryRowContext(ctx, q).Scan(&top); err != nil {
			return err
		}
		if !top.Valid {
			continue
		}
		var last int64
		q = fmt.Sprintf("SELECT max(nextval(%s)) FROM range(?)", QuoteLiteral(c.seq))
		if err := conn.QueryRowContext(ctx, q, top.Int64).Scan(&last); err != nil {
			return fmt.Errorf("sequence %s: %w", c.seq, err)
		}
		if last < top.Int64 {
			return fmt.Errorf("sequence %s: at %d after drawing, below %s.%s's %d", c.seq, last, c.table, c.column, top.Int64)
		}
	}
	return nil
}

// OpenReadOnlyAnyVersion opens a database file read-only whatever its
// schema version, to copy or inspect it.
func OpenReadOnlyAnyVersion(ctx context.Context, path string) (*dbsql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := connect(path, true)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
