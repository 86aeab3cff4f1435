// Package prom exposes the pipeline to Prometheus: the published KPIs of
// the latest report month with their targets, glide path and alert
// threshold, and the pipeline's health (deliveries, refusals, job runs,
// file sizes, build).
//
// Everything is read at collect time, from the database and the config,
// the way node_exporter reads /proc: counters are the persisted totals of
// the deliveries, refusals and job_runs tables, so `zothuis serve` and the
// textfile of a one-shot run expose the same numbers, and a restart loses
// nothing. KPI values pass the same disclosure control as every other
// published output: a withheld value is an absent series, never a number.
//
// The collectors are registered on a registry the caller passes in, never
// on the global one. A collector that fails (the database busy or gone)
// reports zothuis_scrape_collector_success 0 instead of failing the whole
// scrape, so the other metrics and the alerts on them keep working.
package prom

import (
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/zothuis/zothuis/atomicfile"
	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
)

// namespace prefixes every metric of the package.
const namespace = "zothuis"

// DefaultTimeout bounds the database queries of one collection.
const DefaultTimeout = 10 * time.Second

// Options are what Register needs beyond the database and the config.
type Options struct {
	// DatabasePath is the working DuckDB file, for its size; empty leaves
	// the size out.
	DatabasePath string
	// SnapshotPath is the published research snapshot
	// (Paths.Out/research/zothuis.duckdb), for its size and age; empty
	// leaves them out.
	SnapshotPath string
	// Version is the program's version for zothuis_build_info; empty takes
	// it from the binary's build information.
	Version string
	// Timeout bounds the queries of one collection; DefaultTimeout when 0.
	Timeout time.Duration
	// Logger receives collection errors; slog.Default() when nil.
	Logger *slog.Logger
}

// Register registers the pipeline's collectors on reg. db is read at
// every collection and must stay open as long as reg is gathered.
func Register(reg prometheus.Registerer, db *sql.DB, cfg *config.Config, opt Options) error {
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	c := &collector{
		timeout: opt.Timeout,
		log:     opt.Logger,
		parts: []part{
			{"kpi", newKPICollector(db, cfg, policy)},
			{"sources", newSourceCollector(db, cfg)},
			{"jobs", newJobCollector(db, cfg)},
			{"files", newFileCollector(opt.DatabasePath, opt.SnapshotPath)},
		},
	}
	for _, m := range []prometheus.Collector{c, newBuildCollector(opt.Version)} {
		if err := reg.Register(m); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	return nil
}

// Handler serves the metrics gathered from reg in the format the scraper
// asks for. A gathering error still serves what could be gathered.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:      reg, // promhttp_metric_handler_errors_total
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// TextfileName is the file name node_exporter's textfile collector reads
// in DIR/metrics/.
const TextfileName = "zothuis.prom"

// WriteTextfile writes what g gathers to path in the text exposition
// format, for node_exporter's textfile collector, atomically: the
// temporary file's name does not end in .prom, so the collector never
// reads it half-written. The file gets mode 0640: group-readable for
// node_exporter, not for others.
func WriteTextfile(g prometheus.Gatherer, path string) error {
	mfs, err := g.Gather()
	if err != nil {
		return fmt.Errorf("metrics textfile: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("metrics textfile: %w", err)
	}
	f, err := atomicfile.Create(path, 0o640)
	if err != nil {
		return fmt.Errorf("metrics textfile: %w", err)
	}
	defer f.Cleanup()
	if err := writeText(f, mfs); err != nil {
		return fmt.Errorf("metrics textfile: %w", err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("metrics textfile: %w", err)
	}
	return nil
}

func writeText(w io.Writer, mfs []*dto.MetricFamily) error {
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(w, mf); err != nil {
			return err
		}
	}
	return nil
}
