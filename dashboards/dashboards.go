// Package dashboards writes the steering groups' monthly dashboard (issue
// 4): a static HTML page per report month with the 2027 targets at a
// glance, trend charts, comparisons of regions and municipalities, in-
// and outflow and occupancy (issue 20), the route to placement
// (klantroutes), the time from first signal to placement and the data
// quality of the sources.
//
// Every number on a page and in its CSV downloads is published under
// disclosure control (SPEC §2): the KPI figures come from kpi.Publish,
// and the counts the dashboard derives itself (routes, signal times, rows
// in quarantine) go through the same rules of package disclosure,
// complementary suppression included. Each section (one file each:
// headlines, trends, comparisons, flow, klantroutes, signal time, data
// quality) puts its published figures in a grid (grid.go); the section's
// HTML table, CSV file and chart all render from that grid, so none of
// them sees a raw number and all show the same one. The pages load
// nothing from another host: ECharts is vendored and embedded (see
// assets/README.md), fonts are the system's, and every page works from
// file:// as well as from a web server.
//
// Layout of the output folder:
//
//	dashboard/index.html          the latest month, with the archive
//	dashboard/YYYY-MM/index.html  one page per report month
//	dashboard/YYYY-MM/*.csv       the published numbers behind each table
//	dashboard/assets/             echarts.min.js and its licence, CSS, JS
package dashboards

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/zothuis/zothuis/atomicfile"
	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

//go:embed assets
var assetFS embed.FS

//go:embed sql/months.sql
var monthsSQL string

// File modes of what Build writes: published output, readable by the web
// server's group, never by others.
const (
	fileMode = 0o640
	dirMode  = 0o750
)

// Options say what Build writes where.
type Options struct {
	// OutDir is the output folder; the dashboard goes to OutDir/dashboard.
	OutDir string
	// Month is the report month (any day in it); zero means the latest
	// month of the KPI history.
	Month time.Time
	// Months is how many report months up to and including Month to
	// (re)build, so one call can fill the archive; 0 or 1 builds Month
	// only. Months the KPI history does not hold are skipped.
	Months int
	// Now is the time the pages say they were made, and the reference for
	// the freshness of deliveries; zero means time.Now().
	Now time.Time
}

// ErrEmptyHistory is returned when the KPI history holds no month yet.
var ErrEmptyHistory = errors.New("dashboard: the KPI history is empty (no complete 12-month window yet)")

// Build writes the dashboard page of the report month (and of the months
// before it that opt.Months asks for), the CSV files behind its tables and
// the shared assets, and rewrites OutDir/dashboard/index.html to show the
// latest month present with the archive of all months present. It
// returns the path of that index.html. Every file is written to a
// temporary name and renamed into place, so a web server never serves
// half a file.
func Build(ctx context.Context, db *sql.DB, cfg *config.Config, opt Options) (indexPath string, err error) {
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		return "", fmt.Errorf("dashboard: %w", err)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	months, err := historyMonths(ctx, db)
	if err != nil {
		return "", fmt.Errorf("dashboard: %w", err)
	}
	if len(months) == 0 {
		return "", ErrEmptyHistory
	}
	month := months[len(months)-1]
	if !opt.Month.IsZero() {
		month = time.Date(opt.Month.Year(), opt.Month.Month(), 1, 0, 0, 0, 0, time.UTC)
		if !slices.ContainsFunc(months, month.Equal) {
			return "", fmt.Errorf("dashboard: %w: %s (the history holds %s to %s)", kpi.ErrNoMonth,
				month.Format("2006-01"), months[0].Format("2006-01"), months[len(months)-1].Format("2006-01"))
		}
	}
	var build []time.Time
	for i := max(opt.Months, 1) - 1; i >= 0; i-- {
		m := month.AddDate(0, -i, 0)
		if slices.ContainsFunc(months, m.Equal) {
			build = append(build, m)
		}
	}

	tmpl, err := newTemplate()
	if err != nil {
		return "", fmt.Errorf("dashboard: %w", err)
	}
	root := filepath.Join(opt.OutDir, "dashboard")
	if err := writeAssets(root); err != nil {
		return "", fmt.Errorf("dashboard: %w", err)
	}
	h, err := loadHistory(ctx, db, cfg, policy, months, month)
	if err != nil {
		return "", fmt.Errorf("dashboard: %w", err)
	}
	present, err := builtMonths(root)
	if err != nil {
		return "", fmt.Errorf("dashboard: %w", err)
	}
	for _, m := range build {
		if !slices.ContainsFunc(present, m.Equal) {
			present = append(present, m)
		}
	}
	slices.SortFunc(present, func(a, b time.Time) int { return a.Compare(b) })

	for _, m := range build {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		p, err := buildPage(ctx, db, cfg, policy, h, m, opt.Now)
		if err != nil {
			return "", fmt.Errorf("dashboard %s: %w", m.Format("2006-01"), err)
		}
		if err := writeMonth(tmpl, root, p, present, false); err != nil {
			return "", fmt.Errorf("dashboard %s: %w", m.Format("2006-01"), err)
		}
	}

	// The index shows the latest month present that the history still
	// holds; its page is rendered again so its archive list is complete.
	latest := time.Time{}
	for _, m := range present {
		if slices.ContainsFunc(months, m.Equal) {
			latest = m
		}
	}
	if latest.After(month) {
		h, err = loadHistory(ctx, db, cfg, policy, months, latest)
		if err != nil {
			return "", fmt.Errorf("dashboard: %w", err)
		}
	}
	p, err := buildPage(ctx, db, cfg, policy, h, latest, opt.Now)
	if err != nil {
		return "", fmt.Errorf("dashboard %s: %w", latest.Format("2006-01"), err)
	}
	if err := writeMonth(tmpl, root, p, present, true); err != nil {
		return "", fmt.Errorf("dashboard index: %w", err)
	}
	return filepath.Join(root, "index.html"), nil
}

// historyMonths lists the report months of the KPI history.
func historyMonths(ctx context.Context, db *sql.DB) ([]time.Time, error) {
	rows, err := db.QueryContext(ctx, monthsSQL)
	if err != nil {
		return nil, fmt.Errorf("report months: %w", err)
	}
	defer rows.Close()
	var ms []time.Time
	for rows.Next() {
		var m time.Time
		if err := rows.Scan(&m); err != nil {
			return nil, fmt.Errorf("report months: %w", err)
		}
		ms = append(ms, time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC))
	}
	return ms, rows.Err()
}

// builtMonths lists the month folders of the dashboard that hold a page.
func builtMonths(root string) ([]time.Time, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ms []time.Time
	for _, e := range entries {
		m, err := time.Parse("2006-01", e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), "index.html")); err == nil {
			ms = append(ms, m)
		}
	}
	return ms, nil
}

// writeAssets copies the embedded assets (ECharts, its licence, the CSS
// and JS of the pages) into root/assets.
func writeAssets(root string) error {
	return fs.WalkDir(assetFS, "assets", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(root, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(dst, dirMode)
		}
		b, err := assetFS.ReadFile(path)
		if err != nil {
			return err
		}
		return writeFile(dst, b)
	})
}

// writeFile writes b to path atomically, making its folder first.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, b, fileMode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
