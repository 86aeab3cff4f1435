package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/zothuis/zothuis/kpi"
	"github.com/zothuis/zothuis/snapshot"
	zsql "github.com/zothuis/zothuis/sql"
)

func runPublish(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "publish")
	dbPath := fs.String("db", "", "working DuckDB `file`")
	out := fs.String("out", "", "output `folder`; the snapshot goes to DIR/research/zothuis.duckdb")
	keep := fs.Int("keep-months", -1, "keep dated copies (research/zothuis-YYYY-MM-DD.duckdb) this many `months`; 0 keeps none (default: snapshot.keep_months of the config, 12)")
	cfgPath := fs.String("config", "", "configuration `file` (regions, targets, snapshot retention); SPEC defaults when empty")
	if err := parseArgs(fs, args, map[string]*string{"db": dbPath, "out": out}); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *keep < 0 {
		*keep = cfg.Snapshot.KeepMonths
	}
	db, err := zsql.OpenWith(ctx, *dbPath, zsql.Options{Log: e.log})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := kpi.Refresh(ctx, db, cfg, time.Now()); err != nil {
		return err
	}
	path, err := snapshot.Publish(ctx, db, filepath.Join(*out, "research"), snapshot.Options{KeepMonths: *keep, CodeVersion: buildVersion(), Log: e.log})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "research snapshot:", path)
	return nil
}
