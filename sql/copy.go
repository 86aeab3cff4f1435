package sql

import (
	"context"
	dbsql "database/sql"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// operationsTables are the working database's records of its own running,
// for operators, not researchers: job runs (whose errors hold internal
// URLs and paths), refused files, the research key's fingerprint, and
// what the KPI history was last computed from.
// The research snapshot leaves them out with the sequences that number
// their rows (a sequence's value tells how many there were); a restore
// from a snapshot makes them anew, empty.
var (
	operationsTables    = []string{"job_runs", "refusals", "research_key_fingerprint", "kpi_history_state", "kpi_history_links"}
	operationsSequences = []string{"run_id_seq", "refusal_id_seq"}
)

// OperationsTables returns the tables of the working database that hold
// its own running rather than research data.
func OperationsTables() []string { return slices.Clone(operationsTables) }

// OperationsSequences returns the sequences that number the rows of the
// operations tables.
func OperationsSequences() []string { return slices.Clone(operationsSequences) }

// CopyOptions say what CopyTo leaves out and how it writes.
type CopyOptions struct {
	// LeaveOut names tables and sequences of the main schema not to copy.
	LeaveOutTables, LeaveOutSequences []string
	// LeaveOutColumns names, per table of the main schema, columns not
	// to copy.
	LeaveOutColumns map[string][]string
	// Finish, when set, runs on the copy before it is closed, with the
	// copy attached to conn as alias and the source as conn's current
	// database: to add what only the copy holds.
	Finish func(ctx context.Context, conn *dbsql.Conn, alias string) error
	// StorageVersion, when set, is the DuckDB storage version of the new
	// file (such as "v1.1.0", readable by older clients); empty means
	// the writer's default.
	StorageVersion string
}

// ErrLeftWAL is returned by CopyTo when DuckDB left a write-ahead log
// beside the copy: the copy would not be one self-contained file.
var ErrLeftWAL = errors.New("the copy left a write-ahead log behind")

// CopyTo copies the catalog and data of db (every table, view, sequence
// with its current value, macro and comment), but what opt leaves out,
// into a new database file at path, as of one moment, and makes it
// durable with mode 0640. It returns the rows copied per table. The file
// at path must not exist. Left-out data is never written to the new file,
// so no free block of it can hold any.
func CopyTo(ctx context.Context, db *dbsql.DB, path string, opt CopyOptions) (map[string]int64, error) {
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("copy to %s: %w", path, os.ErrExist)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("copy to %s: %w", path, err)
	}
	defer conn.Close()
	var src string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&src); err != nil {
		return nil, fmt.Errorf("copy to %s: %w", path, err)
	}
	const alias = "zothuis_copy"
	attach := fmt.Sprintf("ATTACH %s AS %s", QuoteLiteral(path), alias)
	if opt.StorageVersion != "" {
		attach += fmt.Sprintf(" (STORAGE_VERSION %s)", QuoteLiteral(opt.StorageVersion))
	}
	if _, err := conn.ExecContext(ctx, attach); err != nil {
		return nil, fmt.Errorf("copy to %s: attach: %w", path, err)
	}
	attached := true
	defer func() {
		if attached {
			// The context may be cancelled; the detach must still run.
			conn.ExecContext(context.Background(), "DETACH "+alias)
		}
	}()
	rows, err := copyCatalog(ctx, conn, src, alias, opt)
	if err != nil {
		return nil, fmt.Errorf("copy to %s: %w", path, err)
	}
	if opt.Finish != nil {
		if err := opt.Finish(ctx, conn, alias); err != nil {
			return nil, fmt.Errorf("copy to %s: %w", path, err)
		}
	}
	// DETACH checkpoints the new file, so it holds everything and no WAL.
	if _, err := conn.ExecContext(ctx, "DETACH "+alias); err != nil {
		return nil, fmt.Errorf("copy to %s: detach: %w", path, err)
	}
	attached = false
	if _, err := os.Stat(path + ".wal"); err == nil {
		return nil, fmt.Errorf("copy to %s: %w", path, ErrLeftWAL)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		return nil, fmt.Errorf("copy to %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("copy to %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("copy to %s: %w", path, err)
	}
	return rows, nil
}

// copyCatalog copies the catalog of database src into the empty database
// dst, drops what opt leaves out, and then copies the data of the tables
// that are left, in one transaction, so that every table is read as of
// one moment, as COPY FROM DATABASE would.
func copyCatalog(ctx context.Context, conn *dbsql.Conn, src, dst string, opt CopyOptions) (_ map[string]int64, err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("COPY FROM DATABASE %s TO %s (SCHEMA)", QuoteIdent(src), QuoteIdent(dst))); err != nil {
		return nil, fmt.Errorf("copy schema: %w", err)
	}
	for _, t := range opt.LeaveOutTables {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("DROP TABLE IF EXISTS %s.main.%s", QuoteIdent(dst), QuoteIdent(t))); err != nil {
			return nil, fmt.Errorf("leave out %s: %w", t, err)
		}
	}
	for _, seq := range opt.LeaveOutSequences {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("DROP SEQUENCE IF EXISTS %s.main.%s", QuoteIdent(dst), QuoteIdent(seq))); err != nil {
			return nil, fmt.Errorf("leave out %s: %w", seq, err)
		}
	}
	for table, cols := range opt.LeaveOutColumns {
		for _, c := range cols {
			q := fmt.Sprintf("ALTER TABLE %s.main.%s DROP COLUMN %s", QuoteIdent(dst), QuoteIdent(table), QuoteIdent(c))
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return nil, fmt.Errorf("leave out %s.%s: %w", table, c, err)
			}
		}
	}
	tables, err := tablesOf(ctx, conn, dst)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		// The copy's own columns, so that a column left out is never
		// read into it.
		cols, err := columnsOf(ctx, conn, dst, t)
		if err != nil {
			return nil, err
		}
		name := QuoteIdent(t[0]) + "." + QuoteIdent(t[1])
		q := fmt.Sprintf("INSERT INTO %s.%s (%s) SELECT %s FROM %s.%s", QuoteIdent(dst), name, cols, cols, QuoteIdent(src), name)
		res, err := conn.ExecContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t[1], err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", t[1], err)
		}
		counts[t[1]] = n
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, err
	}
	return counts, nil
}

// tablesOf lists the (schema, table) pairs of database name.
func tablesOf(ctx context.Context, conn *dbsql.Conn, name string) ([][2]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY ALL`, name)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables [][2]string
	for rows.Next() {
		var schema, table string
		if err := rows.Scan(&schema, &table); err != nil {
			return nil, err
		}
		tables = append(tables, [2]string{schema, table})
	}
	return tables, rows.Err()
}

// columnsOf lists the columns of table t of database name, quoted and
// comma-separated, in their order.
func columnsOf(ctx context.Context, conn *dbsql.Conn, name string, t [2]string) (string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index`, name, t[0], t[1])
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		cols = append(cols, QuoteIdent(c))
	}
	return strings.Join(cols, ", "), rows.Err()
}

// QuoteLiteral quotes s as an SQL string literal.
func QuoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// QuoteIdent quotes s as an SQL identifier.
func QuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
