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
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the name of the published snapshot inside its folder.
const FileName = "zothuis.duckdb"

// storageVersion keeps the snapshot readable by DuckDB clients from 1.1 on,
// whatever version writes it.
const storageVersion = "v1.1.0"

// Publish copies the working database db into dir/zothuis.duckdb by
// write-aside and atomic rename, and returns the published path.
func Publish(ctx context.Context, db *sql.DB, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("publish snapshot: %w", err)
	}
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
	return final, nil
}

// write copies every table, view and comment of db into a new file at path
// and makes it durable.
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
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("COPY FROM DATABASE %s TO %s", quoteIdent(src), alias)); err != nil {
		return fmt.Errorf("copy: %w", err)
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
