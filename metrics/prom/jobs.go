package prom

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zothuis/zothuis/config"
	zsql "github.com/zothuis/zothuis/sql"
)

// cycleJob is the job name of the monthly cycle in job_runs.
const cycleJob = "cycle"

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
	// The configured jobs count their failures from 0 before they first
	// run, so increase() sees the first failure.
	failures := map[string]float64{cycleJob: 0}
	for _, src := range c.cfg.Sources {
		failures[pullJobPrefix+src.Name] = 0
	}
	for _, r := range runs {
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

// jobStat is one job's line of prom/jobs.sql.
type jobStat struct {
	job          string
	firstRun     time.Time
	lastSuccess  sql.NullTime
	failures     int64
	lastDuration sql.NullFloat64
}

func jobStats(ctx context.Context, db *sql.DB) ([]jobStat, error) {
	rows, err := db.QueryContext(ctx, zsql.Query("prom/jobs.sql"))
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
