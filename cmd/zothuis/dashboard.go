package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/zothuis/zothuis/dashboards"
	zsql "github.com/zothuis/zothuis/sql"
)

// runDashboard writes the steering groups' dashboard. It opens the
// database read-only, so it runs on a research snapshot beside a running
// pipeline as well as on a working database nobody else holds open.
func runDashboard(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "dashboard")
	dbPath := fs.String("db", "", "DuckDB `file`: a research snapshot or the working database (opened read-only)")
	month := fs.String("month", "", "report `month` (YYYY-MM); the latest month of the KPI history when empty")
	months := fs.Int("months", 1, "build this many report `months` up to --month, to fill the archive")
	out := fs.String("out", "", "output `folder`; the dashboard goes to DIR/dashboard/")
	cfgPath := fs.String("config", "", "configuration `file` (regions, targets, disclosure threshold); SPEC defaults when empty")
	if err := parseArgs(fs, args, map[string]*string{"db": dbPath, "out": out}); err != nil {
		return err
	}
	if *months < 1 {
		return usagef("--months %d: want at least 1", *months)
	}
	var m time.Time
	if *month != "" {
		var err error
		if m, err = parseMonth(*month); err != nil {
			return usagef("--month: %v", err)
		}
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	db, err := zsql.OpenReadOnly(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	index, err := dashboards.Build(ctx, db, cfg, dashboards.Options{OutDir: *out, Month: m, Months: *months})
	if err != nil {
		return err
	}
	if abs, err := filepath.Abs(index); err == nil {
		index = abs
	}
	fmt.Fprintln(e.stdout, "dashboard:", index)
	return nil
}
