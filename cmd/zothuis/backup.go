package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/snapshot"
	zsql "github.com/zothuis/zothuis/sql"
)

// backupDir is where cfg's backups go.
func backupDir(cfg *config.Config) string {
	if cfg.Paths.Backups != "" {
		return cfg.Paths.Backups
	}
	return zsql.BackupDir(cfg.Paths.Database)
}

// runBackup writes a consistent copy of the working database. A running
// daemon holds the file, so it is asked to make the copy under its writer
// lock; without one the file is copied here.
func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "backup")
	cfgPath := fs.String("config", "", "configuration `file`")
	if err := parseArgs(fs, args, map[string]*string{"config": cfgPath}); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	body, err := adminPost(ctx, cfg, adminBackupPath)
	var noDaemon *noDaemonError
	switch {
	case err == nil:
		var reply adminReply
		if err := json.Unmarshal(body, &reply); err != nil {
			return fmt.Errorf("backup: the daemon's answer: %w", err)
		}
		fmt.Fprintf(e.stdout, "backup written by the daemon: %s\n", reply.Path)
		return nil
	case errors.As(err, &noDaemon), errors.Is(err, errAdminOff):
		e.log.Debug("no daemon to ask; copying the file here", "reason", err)
	default:
		return fmt.Errorf("backup: %w", err)
	}
	path, err := zsql.BackupFile(ctx, cfg.Paths.Database, backupDir(cfg), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup written: %s\n", path)
	return nil
}

// runRestore makes a new working database from a backup or a research
// snapshot and puts it in place of the configured one, which is kept
// beside it under another name. The daemon must be stopped.
func runRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "restore")
	cfgPath := fs.String("config", "", "configuration `file`")
	from := fs.String("from", "", "backup or research snapshot `file` to restore from")
	if err := parseArgs(fs, args, map[string]*string{"config": cfgPath, "from": from}); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	key, err := researchKey(cfg)
	if err != nil {
		return err
	}
	if _, err := adminGet(ctx, cfg, adminStatusPath); err == nil {
		return fmt.Errorf("restore: the daemon of %s is running (it answers at %s); stop it first", *cfgPath, cfg.AdminListen)
	}
	db := cfg.Paths.Database
	// A daemon without an administration address still holds the file:
	// DuckDB's lock refuses this open then.
	if _, err := os.Stat(db); err == nil {
		cur, err := zsql.OpenReadOnlyAnyVersion(ctx, db)
		if err != nil {
			return fmt.Errorf("restore: the working database is in use (is the daemon running?): %w", err)
		}
		cur.Close()
	}
	if err := os.MkdirAll(filepath.Dir(db), 0o750); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	tmp := filepath.Join(filepath.Dir(db), "."+filepath.Base(db)+".restoring-"+stamp)
	res, err := zsql.Restore(ctx, *from, tmp, zsql.RestoreOptions{Log: e.log, Skip: snapshot.InfoTables()})
	if err != nil {
		return err
	}
	if err := checkRestored(ctx, tmp, *from, key, res.Origin); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore from %s: %w", *from, err)
	}
	var kept string
	if _, err := os.Stat(db); err == nil {
		kept = db + ".replaced-" + stamp
		if err := os.Rename(db, kept); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("restore: keep the old database: %w", err)
		}
		if err := os.Rename(db+".wal", kept+".wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: keep the old database's WAL: %w", err)
		}
	}
	if err := os.Rename(tmp, db); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	var rows int64
	for _, n := range res.Rows {
		rows += n
	}
	fmt.Fprintf(e.stdout, "restored %s from the %s %s (schema version %d): %d tables, %d rows\n",
		db, res.Origin, *from, res.FromVersion, len(res.Rows), rows)
	if kept != "" {
		fmt.Fprintf(e.stdout, "the database it replaces is kept as %s\n", kept)
	}
	if res.Origin == zsql.FromSnapshot {
		fmt.Fprintf(e.stdout, "a snapshot has no run history or refusals: they start empty; the research key matches the snapshot's research_key_fingerprint, and the first delivery that lands records it\n")
	}
	return nil
}

// checkRestored opens the restored database as the daemon will and
// checks that the configured research key is the one its research ids
// were made with: a backup holds the key's fingerprint, a snapshot names
// it in snapshot_info.
func checkRestored(ctx context.Context, path, from string, key []byte, origin zsql.Origin) error {
	db, err := zsql.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if origin == zsql.FromBackup {
		return ingest.CheckResearchKey(ctx, db, key)
	}
	src, err := zsql.OpenReadOnlyAnyVersion(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	// A snapshot of a zothuis before snapshot_info cannot tell; the
	// first delivery then records the configured key, as it did.
	var described bool
	if err := src.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE database_name = current_database() AND table_name = 'snapshot_info'`).Scan(&described); err != nil || !described {
		return err
	}
	var fp sql.NullString
	if err := src.QueryRowContext(ctx, "SELECT research_key_fingerprint FROM snapshot_info").Scan(&fp); err != nil {
		return fmt.Errorf("snapshot_info: %w", err)
	}
	if fp.Valid && fp.String != ingest.KeyFingerprint(key) {
		return fmt.Errorf("the snapshot's research ids were made with another research key (fingerprint %.12s…, research_key_file's %.12s…); use the key file it was made with", fp.String, ingest.KeyFingerprint(key))
	}
	return nil
}
