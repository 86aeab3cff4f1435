// Package schedules runs the pipeline's jobs: a pull job per source and
// the monthly cycle (link, KPIs, dashboard, research snapshot, metrics),
// on cron schedules in Europe/Amsterdam time, with retries, a run history
// in the database and a catch-up of a cycle missed while the daemon was
// down. One job writes the database at a time.
package schedules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
)

// Publisher writes what a cycle publishes for its report month: the
// dashboard, the research snapshot. Each step that fails fails the cycle.
type Publisher func(ctx context.Context, db *sql.DB, month time.Time) error

// Options are what a Daemon needs beside the configuration.
type Options struct {
	DB          *sql.DB
	ResearchKey []byte
	// Pullers by source name; a configured source without one fails.
	Pullers map[string]Puller
	Spool   Spool
	// Publish runs after the KPI history is refreshed, in order.
	Publish []Publisher
	Log     *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Daemon runs the jobs. Its methods may be called from several
// goroutines; the database is written by one job at a time.
type Daemon struct {
	cfg      *config.Config
	db       *sql.DB
	ingester *ingest.Ingester
	pullers  map[string]Puller
	spool    Spool
	publish  []Publisher
	log      *slog.Logger
	now      func() time.Time
	runs     runs

	writer sync.Mutex     // held while a job writes the database
	active sync.WaitGroup // jobs under way, for a clean stop
	cron   *cron.Cron
	jobs   map[string]cron.Job // wrapped jobs by name, so every trigger goes through the same skip guard
}

// New makes a daemon for the configuration. It does not start anything.
func New(cfg *config.Config, opt Options) (*Daemon, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Daemon{
		cfg:      cfg,
		db:       opt.DB,
		ingester: &ingest.Ingester{DB: opt.DB, ResearchKey: opt.ResearchKey, Now: now},
		pullers:  opt.Pullers,
		spool:    opt.Spool,
		publish:  opt.Publish,
		log:      log,
		now:      now,
		runs:     runs{db: opt.DB, now: now},
		jobs:     map[string]cron.Job{},
	}
	for _, s := range cfg.Sources {
		if _, ok := d.pullers[s.Name]; !ok {
			return nil, fmt.Errorf("source %s: no puller", s.Name)
		}
	}
	return d, nil
}

// errNoWindow means the data holds no complete 12-month window yet: the
// cycle publishes the snapshot but no KPIs.
var errNoWindow = errors.New("no complete 12-month window yet")

// Cycle runs the monthly cycle now: it refreshes the KPI history up to
// the latest month that has closed, then runs the publishers. It returns
// the report month (zero when the data holds no complete window).
func (d *Daemon) Cycle(ctx context.Context) (time.Time, error) {
	var month time.Time
	err := d.record(ctx, CycleJob, func(ctx context.Context) (int, error) {
		span, err := kpi.Refresh(ctx, d.db, d.cfg, d.now())
		if err != nil {
			return 0, err
		}
		month = span.Last
		if month.IsZero() {
			d.log.Warn("cycle: no KPIs", "reason", errNoWindow)
		}
		for _, p := range d.publish {
			if err := p(ctx, d.db, month); err != nil {
				return 0, err
			}
		}
		return 0, nil
	})
	return month, err
}

// Pull runs the pull job of the named source now.
func (d *Daemon) Pull(ctx context.Context, name string) (PullResult, error) {
	var res PullResult
	for _, s := range d.cfg.Sources {
		if s.Name == name {
			err := d.record(ctx, PullJob(name), func(ctx context.Context) (int, error) {
				var err error
				res, err = d.pull(ctx, s)
				return res.Rows, err
			})
			return res, err
		}
	}
	return res, fmt.Errorf("pull %s: no such source in the configuration", name)
}

// record runs fn as one run of job: it takes the writer lock, records the
// run's start and outcome in the run history.
func (d *Daemon) record(ctx context.Context, job string, fn func(ctx context.Context) (int, error)) (err error) {
	d.active.Add(1)
	defer d.active.Done()
	d.writer.Lock()
	defer d.writer.Unlock()
	start := time.Now()
	id, err := d.runs.start(ctx, job)
	if err != nil {
		return err
	}
	d.log.Info("job started", "job", job, "run", id)
	rows := 0
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: panic: %v", job, p)
		}
		// The outcome is recorded even when ctx was cancelled.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if rerr := d.runs.end(rctx, id, rows, err); rerr != nil && err == nil {
			err = rerr
		}
		if err != nil {
			d.log.Error("job failed", "job", job, "run", id, "duration", time.Since(start).Round(time.Millisecond), "err", err)
		} else {
			d.log.Info("job done", "job", job, "run", id, "duration", time.Since(start).Round(time.Millisecond), "rows", rows)
		}
	}()
	rows, err = fn(ctx)
	return err
}
