package prom

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/schedules"
)

//go:embed sql/jobs.sql
var jobsSQL string

// configuredJobs are the job names of cfg: the pull job of each source
// and the cycle. Only these are exported: job_runs may hold others (a
// source removed from the config, or a name DuckDB mangled, issue 16).
func configuredJobs(cfg *config.Config) map[string]bool {
	jobs := map[string]bool{schedules.CycleJob: true}
	for _, src := range cfg.Sources {
		jobs[schedules.PullJob(src.Name)] = true
	}
	return jobs
}

// jobCollector exposes the run history of the daemon's jobs (the pull job
// of each source and the monthly cycle) from the job_runs table. The job
// is in label name: label job belongs to Prometheus's scrape target.
type jobCollector struct {
	db  *sql.DB
	cfg *config.Config

	lastSuccess, duration, failures, firstRun *prometheus.Desc
}

func newJobCollector(db *sql.DB, cfg *config.Config) *jobCollector {
	name := func(n string) string { return prometheus.BuildFQName(namespace, "job", n) }
	l := []string{"name"}
	return &jobCollector{
		db: db, cfg: cfg,
		lastSuccess: prometheus.NewDesc(name("last_success_timestamp_seconds"),
			"When the last successful run of a pipeline job (pull:<source> or cycle) ended; absent while none has.", l, nil),
		duration: prometheus.NewDesc(name("last_duration_seconds"),
			"How long the latest finished run (successful or failed) of a pipeline job took.", l, nil),
		failures: prometheus.NewDesc(name("failures_total"),
			"Runs of a pipeline job that failed (each retry is a run).", l, nil),
		firstRun: prometheus.NewDesc(name("first_run_timestamp_seconds"),
			"When a pipeline job first started: the start of the wait for its first success.", l, nil),
	}
}

func (c *jobCollector) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.lastSuccess, c.duration, c.failures, c.firstRun} {
		ch <- d
	}
}

func (c *jobCollector) update(ctx context.Context, ch chan<- prometheus.Metric) error {
	runs, err := jobStats(ctx, c.db)
	if err != nil {
		return err
	}
	s := &sender{ch: ch}
	configured := configuredJobs(c.cfg)
	// The configured jobs count their failures from 0 before they first
	// run, so increase() sees the first failure.
	failures := map[string]float64{}
	for job := range configured {
		failures[job] = 0
	}
	for _, r := range runs {
		if !configured[r.job] {
			continue
		}
		failures[r.job] = float64(r.failures)
		s.gauge(c.firstRun, unixSeconds(r.firstRun), r.job)
		if r.lastSuccess.Valid {
			s.gauge(c.lastSuccess, unixSeconds(r.lastSuccess.Time), r.job)
		}
		if r.lastDuration.Valid {
			s.gauge(c.duration, r.lastDuration.Float64, r.job)
		}
	}
	for job, n := range failures {
		s.counter(c.failures, n, job)
	}
	return s.join(nil)
}

// jobStat is one job's line of metrics/prom/sql/jobs.sql.
type jobStat struct {
	job          string
	firstRun     time.Time
	lastSuccess  sql.NullTime
	failures     int64
	lastDuration sql.NullFloat64
}

func jobStats(ctx context.Context, db *sql.DB) ([]jobStat, error) {
	rows, err := db.QueryContext(ctx, jobsSQL)
	if err != nil {
		return nil, fmt.Errorf("job runs: %w", err)
	}
	defer rows.Close()
	var out []jobStat
	for rows.Next() {
		var s jobStat
		if err := rows.Scan(&s.job, &s.firstRun, &s.lastSuccess, &s.failures, &s.lastDuration); err != nil {
			return nil, fmt.Errorf("job runs: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("job runs: %w", err)
	}
	return out, nil
}

// Daemon is the memory of a running daemon: *schedules.Daemon.
type Daemon interface {
	Health() schedules.Health
}

// daemonCollector exposes what a running daemon keeps in memory beside the
// database: it still shows when the database cannot be written, which is
// when it matters (issue 16). Its counters start at 0 with the process.
type daemonCollector struct {
	d   Daemon
	log *slog.Logger

	lastRunSuccess, consecutive, unrecorded, writable, refusals, lastRefusal *prometheus.Desc
}

// NewDaemonCollector exposes the memory of the running daemon d: per job
// whether its latest run succeeded, its failures since its last success
// and the failures job_runs could not record; refusals by reason; whether
// the daemon still writes the working database. Register it beside
// Register's collectors wherever a daemon runs. log receives the metrics
// it leaves out; slog.Default() when nil.
func NewDaemonCollector(d Daemon, log *slog.Logger) prometheus.Collector {
	if log == nil {
		log = slog.Default()
	}
	job := func(n string) string { return prometheus.BuildFQName(namespace, "job", n) }
	source := func(n string) string { return prometheus.BuildFQName(namespace, "source", n) }
	l := []string{"name"}
	return &daemonCollector{
		d: d, log: log,
		lastRunSuccess: prometheus.NewDesc(job("last_run_success"),
			"Whether the latest finished run of a pipeline job succeeded (1) or failed (0), as the running daemon knows it, also when job_runs cannot record it; absent while the job has not run.", l, nil),
		consecutive: prometheus.NewDesc(job("consecutive_failures"),
			"Runs of a pipeline job that failed since its latest success (each retry is a run), as the running daemon knows it.", l, nil),
		unrecorded: prometheus.NewDesc(job("unrecorded_failures_total"),
			"Runs of a pipeline job that failed in this process and that job_runs does not hold, because the working database could not be written; zothuis_job_failures_total counts the others.", l, nil),
		writable: prometheus.NewDesc(prometheus.BuildFQName(namespace, "database", "writable"),
			"Whether the daemon writes the working database (1), or stopped writing it after a write failed (0) and waits to be restarted; /readyz fails meanwhile.", nil, nil),
		refusals: prometheus.NewDesc(source("refusals_total"),
			"Delivery files of a source kind the running daemon refused whole since it started, by kind of reason (bsn, columns, unreadable, other); zothuis_source_files_refused_total is the recorded total.",
			[]string{"source", "reason"}, nil),
		lastRefusal: prometheus.NewDesc(source("last_refusal_timestamp_seconds"),
			"When the running daemon last refused a delivery file of a source kind for a kind of reason; absent while it has not since it started.",
			[]string{"source", "reason"}, nil),
	}
}

func (c *daemonCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.lastRunSuccess, c.consecutive, c.unrecorded, c.writable, c.refusals, c.lastRefusal} {
		ch <- d
	}
}

func (c *daemonCollector) Collect(ch chan<- prometheus.Metric) {
	// A panic would take the daemon down with the scrape.
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("metrics of the daemon failed", "err", fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
		}
	}()
	h := c.d.Health()
	s := &sender{ch: ch}
	for _, j := range h.Jobs {
		if j.Ran {
			s.gauge(c.lastRunSuccess, boolValue(j.LastRunOK), j.Name)
		}
		s.gauge(c.consecutive, float64(j.ConsecutiveFailures), j.Name)
		s.counter(c.unrecorded, float64(j.UnrecordedFailures), j.Name)
	}
	s.gauge(c.writable, boolValue(h.Database == nil))
	for _, r := range h.Refusals {
		s.counter(c.refusals, float64(r.Files), r.Source, string(r.Reason))
		if !r.Last.IsZero() {
			s.gauge(c.lastRefusal, unixSeconds(r.Last), r.Source, string(r.Reason))
		}
	}
	if err := s.join(nil); err != nil {
		c.log.Error("metrics of the daemon failed", "err", err)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
