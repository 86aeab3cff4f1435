// Package snapshot publishes the researchers' copy of the database (SPEC
// §6). DuckDB admits one writer or many readers per file, so researchers
// never get the working file: after each successful cycle a new file is
// written beside the published one and renamed over it. A researcher who
// holds the old file open keeps reading it (the rename does not touch the
// open inode); the next open sees the new one.
package snapshot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	zsql "github.com/zothuis/zothuis/sql"
)

// FileName is the name of the published snapshot inside its folder.
const FileName = "zothuis.duckdb"

// storageVersion keeps the snapshot readable by DuckDB clients from 1.1 on,
// whatever version writes it.
const storageVersion = "v1.1.0"

// Options tune Publish.
type Options struct {
	// KeepMonths is how many months dated copies are kept; 0 keeps none.
	KeepMonths int
	// Now dates the copy; the zero value means time.Now.
	Now time.Time
}

// Publish copies the working database db into dir/zothuis.duckdb by
// write-aside and atomic rename, keeps a dated copy
// (dir/zothuis-YYYY-MM-DD.duckdb) for opt.KeepMonths months, writes the
// Parquet export to dir/parquet/, and returns the published path.
func Publish(ctx context.Context, db *sql.DB, dir string, opt Options) (string, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("publish snapshot: %w", err)
	}
	removeLeftovers(dir)
	final := filepath.Join(dir, FileName)
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.%d-%d.tmp", FileName, os.Getpid(), time.Now().UnixNano()))
	if err := write(ctx, db, tmp); err != nil {
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
		return "", fmt.Errorf("publish snapshot: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("publish snapshot: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return "", fmt.Errorf("publish snapshot: %w", err)
	}
	if err := keepDated(dir, final, opt); err != nil {
		return "", fmt.Errorf("publish snapshot: %w", err)
	}
	if err := exportParquet(ctx, db, dir); err != nil {
		return "", fmt.Errorf("publish snapshot: parquet: %w", err)
	}
	return final, nil
}

// removeLeftovers removes what a publish that was killed left in dir: a
// half-written snapshot (with its write-ahead log) and a half-written
// Parquet folder, each as large as a snapshot. Only one process publishes
// from a working database (DuckDB admits one writer), so none of them is
// in use; were it, its rename would fail, never the published files.
func removeLeftovers(dir string) {
	for _, pattern := range []string{"." + FileName + ".*.tmp", "." + FileName + ".*.tmp.wal", ".parquet-*"} {
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			os.RemoveAll(m)
		}
	}
}

// datedPattern matches the dated copies Publish keeps.
const datedPrefix, datedSuffix = "zothuis-", ".duckdb"

// keepDated links the new snapshot under today's name (a hard link: the
// snapshot is never written again, only replaced, so the copy cannot
// change) and removes dated copies older than opt.KeepMonths months.
func keepDated(dir, final string, opt Options) error {
	if opt.KeepMonths <= 0 {
		return nil
	}
	day := opt.Now.Format("2006-01-02")
	dated := filepath.Join(dir, datedPrefix+day+datedSuffix)
	tmp := dated + ".tmp"
	os.Remove(tmp)
	if err := os.Link(final, tmp); err != nil {
		if err := copyFile(final, tmp); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dated); err != nil {
		return err
	}
	cutoff := opt.Now.AddDate(0, -opt.KeepMonths, 0).Format("2006-01-02")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		d, ok := strings.CutPrefix(name, datedPrefix)
		if !ok || !strings.HasSuffix(d, datedSuffix) {
			continue
		}
		d = strings.TrimSuffix(d, datedSuffix)
		if _, err := time.Parse("2006-01-02", d); err != nil {
			continue
		}
		if d < cutoff {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
		}
	}
	return syncDir(dir)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// exportParquet writes every table and view of the main schema but the
// migration log and the operations records to dir/parquet/NAME.parquet.
// The folder is written aside and swapped in, so a reader sees the old set
// or the new one.
func exportParquet(ctx context.Context, db *sql.DB, dir string) error {
	final := filepath.Join(dir, "parquet")
	tmp, err := os.MkdirTemp(dir, ".parquet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	quoted := make([]string, len(operationsTables))
	for i, t := range operationsTables {
		quoted[i] = quoteLiteral(t)
	}
	q := strings.ReplaceAll(zsql.Query("snapshot/relations.sql"), "{{operations}}", strings.Join(quoted, ", "))
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		file := filepath.Join(tmp, n+".parquet")
		q := fmt.Sprintf("COPY (SELECT * FROM %s) TO %s (FORMAT parquet, COMPRESSION zstd)", quoteIdent(n), quoteLiteral(file))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		// DuckDB creates the file by the process umask; person-level
		// data is 0640 whatever that is.
		if err := os.Chmod(file, 0o640); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o750); err != nil {
		return err
	}
	old := final + ".old"
	os.RemoveAll(old)
	if err := os.Rename(final, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	os.RemoveAll(old)
	return syncDir(dir)
}

// operationsTables are the working database's records of its own running,
// for operators, not researchers: job runs (whose errors hold internal
// URLs and paths), refused files, and the research key's fingerprint. The
// snapshot and its Parquet export leave them out, with the sequences
// that number their rows (a sequence's value tells how many there were).
var (
	operationsTables    = []string{"job_runs", "refusals", "research_key_fingerprint"}
	operationsSequences = []string{"run_id_seq", "refusal_id_seq"}
)

// OperationsTables returns the tables of the working database that the
// snapshot and its Parquet export leave out.
func OperationsTables() []string { return slices.Clone(operationsTables) }

// write copies every table, view and comment of db, but the operations
// records, into a new file at path and makes it durable.
func write(ctx context.Context, db *sql.DB, path string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var src string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&src); err != nil {
		return err
	}
	const alias = "zothuis_snapshot"
	attach := fmt.Sprintf("ATTACH %s AS %s (STORAGE_VERSION '%s')", quoteLiteral(path), alias, storageVersion)
	if _, err := conn.ExecContext(ctx, attach); err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	attached := true
	defer func() {
		if attached {
			conn.ExecContext(context.Background(), "DETACH "+alias)
		}
	}()
	if err := copyResearch(ctx, conn, src, alias); err != nil {
		return err
	}
	// DETACH checkpoints the new file, so it holds everything and no WAL.
	if _, err := conn.ExecContext(ctx, "DETACH "+alias); err != nil {
		return fmt.Errorf("detach: %w", err)
	}
	attached = false
	if _, err := os.Stat(path + ".wal"); err == nil {
		return fmt.Errorf("snapshot left a write-ahead log behind")
	}
	if err := os.Chmod(path, 0o640); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// copyResearch copies the catalog of database src into the empty database
// dst, drops the operations records from it, and then copies the data of
// the tables that are left. The operations data is never written to dst,
// so no free block of the file can hold it. It is one transaction, so that
// every table is read as of one moment, as COPY FROM DATABASE would.
func copyResearch(ctx context.Context, conn *sql.Conn, src, dst string) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	defer func() {
		if err != nil {
			// The context may be cancelled; the rollback must still run.
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("COPY FROM DATABASE %s TO %s (SCHEMA)", quoteIdent(src), quoteIdent(dst))); err != nil {
		return fmt.Errorf("copy schema: %w", err)
	}
	for _, t := range operationsTables {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("DROP TABLE IF EXISTS %s.main.%s", quoteIdent(dst), quoteIdent(t))); err != nil {
			return fmt.Errorf("leave out %s: %w", t, err)
		}
	}
	for _, seq := range operationsSequences {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("DROP SEQUENCE IF EXISTS %s.main.%s", quoteIdent(dst), quoteIdent(seq))); err != nil {
			return fmt.Errorf("leave out %s: %w", seq, err)
		}
	}
	rows, err := conn.QueryContext(ctx, `SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY ALL`, dst)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	var tables [][2]string
	for rows.Next() {
		var schema, table string
		if err := rows.Scan(&schema, &table); err != nil {
			rows.Close()
			return fmt.Errorf("copy: %w", err)
		}
		tables = append(tables, [2]string{schema, table})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	for _, t := range tables {
		name := quoteIdent(t[0]) + "." + quoteIdent(t[1])
		q := fmt.Sprintf("INSERT INTO %s.%s BY NAME SELECT * FROM %s.%s", quoteIdent(dst), name, quoteIdent(src), name)
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("copy %s: %w", t[1], err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func quoteIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
