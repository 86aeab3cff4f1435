// Package schedules runs the pipeline's jobs: a pull job per source and
// the monthly cycle (link, KPIs, dashboard, research snapshot, metrics),
// on cron schedules in Europe/Amsterdam time, with retries, a run history
// in the database and a catch-up of a cycle missed while the daemon was
// down. One job writes the database at a time.
//
// After a write to the working database fails, the daemon writes it no
// more: DuckDB's next commit on the same instance can land a mangled row
// (issue 16: a job name made of several run together, not valid UTF-8 in
// memory), and a failed checkpoint leaves the instance invalid until it
// is restarted. Ready then says why, DatabaseFailed is closed, and serve
// exits non-zero so that the supervisor starts a new process, whose DuckDB
// recovers the file from its WAL, which holds committed transactions only.
package schedules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/robfig/cron/v3"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/ingest/contract"
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
	ingester fileIngester
	pullers  map[string]Puller
	spool    Spool
	publish  []Publisher
	log      *slog.Logger
	now      func() time.Time
	runs     runs
	health   *health
	guard    *writeGuard

	writer sync.Mutex     // held while a job writes the database
	active sync.WaitGroup // jobs under way, for a clean stop
	cron   *cron.Cron
	jobs   map[string]cron.Job // wrapped jobs by name, so every trigger goes through the same skip guard

	running runningJobs // runs under way, for Status and RunNow (status.go)
}

// seedTimeout bounds the read of the run history in New.
const seedTimeout = 30 * time.Second

// New makes a daemon for the configuration. It does not start anything;
// it reads the run history, so that its metrics start from the jobs'
// latest outcomes.
func New(cfg *config.Config, opt Options) (*Daemon, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var jobs, kinds []string
	for _, s := range cfg.Sources {
		if _, ok := opt.Pullers[s.Name]; !ok {
			return nil, fmt.Errorf("source %s: no puller", s.Name)
		}
		jobs = append(jobs, PullJob(s.Name))
		if !slices.Contains(kinds, s.Source) {
			kinds = append(kinds, s.Source)
		}
	}
	jobs = append(jobs, CycleJob)
	h := newHealth(jobs, kinds)
	guard := guardOf(opt.DB, log)
	d := &Daemon{
		cfg:     cfg,
		db:      opt.DB,
		pullers: opt.Pullers,
		spool:   opt.Spool,
		publish: opt.Publish,
		log:     log,
		now:     now,
		runs:    runs{db: opt.DB, now: now, guard: guard},
		health:  h,
		guard:   guard,
		jobs:    map[string]cron.Job{},
	}
	d.ingester = observedIngester{
		in:     &ingest.Ingester{DB: opt.DB, ResearchKey: opt.ResearchKey, Now: now},
		health: h,
		now:    now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), seedTimeout)
	defer cancel()
	if err := h.seed(ctx, opt.DB); err != nil {
		return nil, err
	}
	return d, nil
}

// Ready returns why the daemon cannot do its work, nil when it can: an
// error once a write to the working database failed (wrapping
// ErrDatabaseUnwritable), from then on until the process ends.
func (d *Daemon) Ready() error { return d.guard.allow() }

// DatabaseFailed is closed once a write to the working database failed
// and the daemon stopped writing it; Ready then returns why. serve exits
// non-zero on it, for the supervisor to start a new process.
func (d *Daemon) DatabaseFailed() <-chan struct{} { return d.guard.failed }

// Health returns what the daemon knows in memory of its jobs, refusals
// and database, for the metrics.
func (d *Daemon) Health() Health {
	h := d.health.snapshot()
	h.Database = d.guard.allow()
	return h
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
		// The cycle writes from its first step to its last.
		d.writer.Lock()
		defer d.writer.Unlock()
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

// Pull runs the pull job of the named source now. ctx cancels the
// download; a file being landed when it ends lands whole, the others wait
// in incoming for the next run.
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

// record runs fn as one run of job: it records the run's start and
// outcome in the run history, and its outcome in memory, where it stays
// when the history cannot be written. It holds the writer lock only for
// those two writes: fn takes it for its own, so that a pull waiting on a
// slow server does not hold up the other jobs (issue 16, finding 5). A
// job whose ctx ended before it began does not run and leaves no row.
func (d *Daemon) record(ctx context.Context, job string, fn func(ctx context.Context) (int, error)) (err error) {
	d.active.Add(1)
	defer d.active.Done()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: not started: %w", job, err)
	}
	defer d.running.enter(job, d.now())()
	start := time.Now()
	id, err := d.startRun(ctx, job)
	if err != nil {
		d.health.ended(job, false, false)
		d.log.Error("job failed", "job", job, "err", err)
		return err
	}
	d.log.Info("job started", "job", job, "run", id)
	rows := 0
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: panic: %v", job, p)
		}
		recorded := false
		if ferr := d.guard.check(err); ferr != nil {
			// A commit failed: the outcome is not written either, as
			// any later commit on this instance may land mangled.
			err = ferr
		} else {
			// The outcome is recorded even when ctx was cancelled.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			d.writer.Lock()
			rerr := d.runs.end(rctx, id, rows, err)
			d.writer.Unlock()
			cancel()
			recorded = rerr == nil
			if rerr != nil && err == nil {
				err = rerr
			}
		}
		d.health.ended(job, err == nil, recorded)
		if err != nil {
			d.log.Error("job failed", "job", job, "run", id, "duration", time.Since(start).Round(time.Millisecond), "err", err)
		} else {
			d.log.Info("job done", "job", job, "run", id, "duration", time.Since(start).Round(time.Millisecond), "rows", rows)
		}
	}()
	rows, err = fn(ctx)
	return err
}

// startRun writes the start of a run under the writer lock. A ctx
// cancelled meanwhile does not cut the write: the run is recorded, and
// fails with ctx's error.
func (d *Daemon) startRun(ctx context.Context, job string) (int64, error) {
	d.writer.Lock()
	defer d.writer.Unlock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return d.runs.start(wctx, job)
}

// ErrDatabaseUnwritable is wrapped by the error of every job and every
// run-history write after a write to the working database failed: the
// daemon stopped writing it, and only a new process writes it again.
var ErrDatabaseUnwritable = errors.New("the working database cannot be written")

// writeGuard stops the writes to a working database once one failed.
type writeGuard struct {
	log    *slog.Logger
	mu     sync.Mutex
	err    error         // why the writes stopped; nil while they go on
	failed chan struct{} // closed when they stop
}

// guards holds the write guard of each database handle a daemon was made
// on. It belongs to the handle, not to a daemon: serve's reload makes a new
// daemon on the same handle, which must not write through an instance
// that failed either. Handles are few (one per process, a few per test).
var (
	guardsMu sync.Mutex
	guards   = map[*sql.DB]*writeGuard{}
)

// guardOf returns the write guard of db, made on first use with log.
func guardOf(db *sql.DB, log *slog.Logger) *writeGuard {
	guardsMu.Lock()
	defer guardsMu.Unlock()
	g := guards[db]
	if g == nil {
		g = &writeGuard{log: log, failed: make(chan struct{})}
		guards[db] = g
	}
	return g
}

// allow returns the error of the failure that stopped the writes, nil
// while the database may be written.
func (g *writeGuard) allow() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// check returns, when a job's err shows that a commit failed or that
// DuckDB's instance can no longer be trusted, the error wrapping
// ErrDatabaseUnwritable that stopped the writes; nil otherwise.
func (g *writeGuard) check(err error) error {
	if errors.Is(err, ErrDatabaseUnwritable) {
		return err
	}
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return nil
	}
	switch de.Type {
	case duckdb.ErrorTypeTransaction, // a failed commit (one writer: no conflicts to expect)
		duckdb.ErrorTypeFatal,    // the instance is invalidated
		duckdb.ErrorTypeInternal: // DuckDB invalidates the instance on these too
		return g.fail(err)
	}
	return nil
}

// wrote takes the outcome of one of the daemon's own writes (the run
// history): any failure but the caller's cancellation means the database
// cannot be written, and stops the writes.
func (g *writeGuard) wrote(err error) error {
	var de *duckdb.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &de) && de.Type == duckdb.ErrorTypeInterrupt:
		return err
	}
	return g.fail(err)
}

// fail stops the writes for cause and returns the error every later write
// gets. Closing the database afterwards is safe: its checkpoint writes
// committed data only (tried). Disabling that checkpoint would be worse:
// DuckDB 1.4 cannot replay a WAL that holds the migrations of a new
// database.
func (g *writeGuard) fail(cause error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return g.err
	}
	g.err = fmt.Errorf("%w: %w", ErrDatabaseUnwritable, cause)
	g.log.Error("the working database cannot be written: no job writes it any more; restart the process", "err", cause)
	close(g.failed)
	return g.err
}

// RefusalReason is the kind of reason a delivery was not landed for: the
// reason label of zothuis_source_refusals_total, one of a fixed set.
type RefusalReason string

// The refusal reasons.
const (
	// RefusedBSN: a value that looks like a BSN where a pseudonym
	// belongs. The file was not pseudonymised: a possible data breach at
	// the source.
	RefusedBSN RefusalReason = "bsn"
	// RefusedColumns: the header is not the source's contract.
	RefusedColumns RefusalReason = "columns"
	// RefusedUnreadable: no CSV, Parquet or Arrow file the pipeline reads.
	RefusedUnreadable RefusalReason = "unreadable"
	// RefusedOther: a refusal that does not tell its kind.
	RefusedOther RefusalReason = "other"
)

// RefusalReasons are all the refusal reasons, in a fixed order.
func RefusalReasons() []RefusalReason {
	return []RefusalReason{RefusedBSN, RefusedColumns, RefusedUnreadable, RefusedOther}
}

// refusalReason returns why err kept a delivery out for good, from the
// error's types; false when err is no refusal. A research key mismatch
// (ingest.KeyMismatchError) is none: the file waits in incoming, and the
// pull job fails until the right key is given.
func refusalReason(err error) (RefusalReason, bool) {
	if !errors.Is(err, ingest.ErrRefused) {
		return "", false
	}
	var re *ingest.RefusedError
	if errors.As(err, &re) {
		switch re.Kind {
		case ingest.RefusedBSN:
			return RefusedBSN, true
		case ingest.RefusedColumns:
			return RefusedColumns, true
		case ingest.RefusedUnreadable:
			return RefusedUnreadable, true
		}
	}
	return RefusedOther, true
}

// fileIngester lands one delivery file.
type fileIngester interface {
	IngestFile(ctx context.Context, c *contract.Contract, path string) (ingest.Result, error)
}

// observedIngester counts the refusals of an ingester in the daemon's
// memory by reason: the refusals table has no reason kind, and cannot be
// written when the database cannot.
type observedIngester struct {
	in     fileIngester
	health *health
	now    func() time.Time
}

func (o observedIngester) IngestFile(ctx context.Context, c *contract.Contract, path string) (ingest.Result, error) {
	r, err := o.in.IngestFile(ctx, c, path)
	if reason, ok := refusalReason(err); ok {
		o.health.refused(c.Source, reason, o.now())
	}
	return r, err
}
