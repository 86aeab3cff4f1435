package main

import (
	"context"
	"fmt"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
	zsql "github.com/zothuis/zothuis/sql"
)

func runKPI(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "kpi")
	dbPath := fs.String("db", "", "DuckDB `file`: the working database or a research snapshot (opened read-only)")
	month := fs.String("month", kpi.LatestCompleteMonth(time.Now()).Format("2006-01"), "report `month` (YYYY-MM); its window is the 12 months ending with it")
	raw := fs.Bool("raw", false, "exact figures without disclosure control (not for publication)")
	format := fs.String("format", "table", "output `format`: json, csv or table")
	cfgPath := fs.String("config", "", "configuration `file` (regions, targets, disclosure threshold); SPEC defaults when empty")
	if err := parseArgs(fs, args, map[string]*string{"db": dbPath}); err != nil {
		return err
	}
	m, err := parseMonth(*month)
	if err != nil {
		return usagef("--month: %v", err)
	}
	switch *format {
	case "json", "csv", "table":
	default:
		return usagef("--format %q: want json, csv or table", *format)
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		return err
	}
	db, err := zsql.OpenReadOnly(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := kpi.Load(ctx, db, m)
	if err != nil {
		return err
	}
	out := kpi.Publish(rep, policy, cfg).Output()
	if *raw {
		out = kpi.Raw(rep, cfg)
	}
	switch *format {
	case "json":
		return kpi.WriteJSON(e.stdout, out)
	case "csv":
		return kpi.WriteCSV(e.stdout, out)
	default:
		return kpi.WriteTable(e.stdout, out, cfg, *raw)
	}
}

// loadConfig reads the configuration file, or returns the defaults when
// path is empty, and checks what config leaves to others: the source
// kinds and the KPI targets.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if err := checkSemantics(cfg); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}
