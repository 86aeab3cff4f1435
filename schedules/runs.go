package schedules

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"sync"
	"time"
)

// The statements of the run history; a missing file fails the build.
var (
	//go:embed sql/run_start.sql
	runStartSQL string
	//go:embed sql/run_end.sql
	runEndSQL string
	//go:embed sql/run_skipped.sql
	runSkippedSQL string
	//go:embed sql/runs_interrupted.sql
	runsInterruptedSQL string
	//go:embed sql/last_success.sql
	lastSuccessSQL string
	//go:embed sql/last_status.sql
	lastStatusSQL string
	//go:embed sql/job_health.sql
	jobHealthSQL string
)

// Job names in the run history.
const (
	// CycleJob is the monthly cycle.
	CycleJob = "cycle"
	// pullPrefix plus a source's name is its pull job.
	pullPrefix = "pull:"
)

// PullJob is the name of the pull job of the named source.
func PullJob(source string) string { return pullPrefix + source }

// Run statuses in job_runs.status.
const (
	StatusRunning = "running"
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// runs records the run history in table job_runs. Its writes go through
// guard: none once one failed.
type runs struct {
	db    *sql.DB
	now   func() time.Time
	guard *writeGuard
}

func (r runs) start(ctx context.Context, job string) (int64, error) {
	if err := r.guard.allow(); err != nil {
		return 0, err
	}
	var id int64
	if err := r.db.QueryRowContext(ctx, runStartSQL, job, r.now()).Scan(&id); err != nil {
		return 0, r.guard.wrote(fmt.Errorf("run history %s: %w", job, err))
	}
	return id, nil
}

func (r runs) end(ctx context.Context, id int64, rows int, runErr error) error {
	if err := r.guard.allow(); err != nil {
		return err
	}
	status, msg := StatusOK, sql.NullString{}
	if runErr != nil {
		status, msg = StatusFailed, sql.NullString{String: runErr.Error(), Valid: true}
	}
	if _, err := r.db.ExecContext(ctx, runEndSQL, id, r.now(), status, msg, rows); err != nil {
		return r.guard.wrote(fmt.Errorf("run history: %w", err))
	}
	return nil
}

func (r runs) skipped(ctx context.Context, job string) error {
	if err := r.guard.allow(); err != nil {
		return err
	}
	if _, err := r.db.ExecContext(ctx, runSkippedSQL, job, r.now()); err != nil {
		return r.guard.wrote(fmt.Errorf("run history %s: %w", job, err))
	}
	return nil
}

// interrupted marks the runs a dead process left running as failed.
func (r runs) interrupted(ctx context.Context) (int64, error) {
	if err := r.guard.allow(); err != nil {
		return 0, err
	}
	res, err := r.db.ExecContext(ctx, runsInterruptedSQL, r.now())
	if err != nil {
		return 0, r.guard.wrote(fmt.Errorf("run history: %w", err))
	}
	return res.RowsAffected()
}

// lastSuccess is when the job last started a run that succeeded; zero if
// it never did.
func (r runs) lastSuccess(ctx context.Context, job string) (time.Time, error) {
	var t sql.NullTime
	if err := r.db.QueryRowContext(ctx, lastSuccessSQL, job).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("run history %s: %w", job, err)
	}
	return t.Time, nil
}

// lastStatus is the outcome of the job's latest run that was not
// skipped; empty if it never ran.
func (r runs) lastStatus(ctx context.Context, job string) (string, error) {
	var s string
	err := r.db.QueryRowContext(ctx, lastStatusSQL, job).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("run history %s: %w", job, err)
	}
	return s, nil
}

// health is what the daemon knows of its jobs and refusals in memory,
// beside the job_runs and refusals tables: it still shows when the
// database cannot record it. It is seeded from job_runs when the daemon
// is made, so a restart keeps a failing job failing.
type health struct {
	mu       sync.Mutex
	jobs     []string // the configured jobs, in the order they are exposed
	job      map[string]*jobHealth
	refusals []*RefusalHealth // every configured source kind × reason
}

// jobHealth is one job's part of health.
type jobHealth struct {
	ran         bool
	lastOK      bool
	consecutive int
	unrecorded  int64
}

func newHealth(jobs, kinds []string) *health {
	h := &health{jobs: jobs, job: map[string]*jobHealth{}}
	for _, j := range jobs {
		h.job[j] = &jobHealth{}
	}
	for _, k := range kinds {
		for _, r := range RefusalReasons() {
			h.refusals = append(h.refusals, &RefusalHealth{Source: k, Reason: r})
		}
	}
	return h
}

// seed takes the configured jobs' latest outcomes from the run history.
func (h *health) seed(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, jobHealthSQL)
	if err != nil {
		return fmt.Errorf("run history: %w", err)
	}
	defer rows.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	for rows.Next() {
		var job string
		var lastOK bool
		var consecutive int
		if err := rows.Scan(&job, &lastOK, &consecutive); err != nil {
			return fmt.Errorf("run history: %w", err)
		}
		// A job no longer configured (or a name the database mangled)
		// is not the daemon's to report.
		if j, ok := h.job[job]; ok {
			j.ran, j.lastOK, j.consecutive = true, lastOK, consecutive
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("run history: %w", err)
	}
	return nil
}

// ended records the outcome of a run of job; recorded says whether
// job_runs holds it too.
func (h *health) ended(job string, ok, recorded bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	j := h.job[job]
	if j == nil {
		return
	}
	j.ran, j.lastOK = true, ok
	if ok {
		j.consecutive = 0
		return
	}
	j.consecutive++
	if !recorded {
		j.unrecorded++
	}
}

// refused counts a delivery of the source kind refused for reason.
func (h *health) refused(kind string, reason RefusalReason, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.refusals {
		if r.Source == kind && r.Reason == reason {
			r.Files++
			r.Last = at
			return
		}
	}
}

func (h *health) snapshot() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	var s Health
	for _, name := range h.jobs {
		j := h.job[name]
		s.Jobs = append(s.Jobs, JobHealth{Name: name, Ran: j.ran, LastRunOK: j.lastOK,
			ConsecutiveFailures: j.consecutive, UnrecordedFailures: j.unrecorded})
	}
	for _, r := range h.refusals {
		s.Refusals = append(s.Refusals, *r)
	}
	return s
}

// Health is what the daemon knows in memory, for its metrics: it shows
// failures also when the database cannot record them.
type Health struct {
	// Jobs are the configured jobs: the pull job of each source in the
	// order of the configuration, then the cycle.
	Jobs []JobHealth
	// Refusals are per configured source kind and reason, every pair
	// (counting from 0 when the process started).
	Refusals []RefusalHealth
	// Database is why the daemon stopped writing the working database;
	// nil while it accepts writes.
	Database error
}

// JobHealth is one configured job's state.
type JobHealth struct {
	Name string
	// Ran is whether a run of the job has ended, in this process or in the
	// history it started with.
	Ran bool
	// LastRunOK is whether the latest run that ended succeeded.
	LastRunOK bool
	// ConsecutiveFailures are the runs that failed since the latest
	// success (each retry is a run).
	ConsecutiveFailures int
	// UnrecordedFailures are the runs that failed in this process and
	// that job_runs does not hold, because the database could not be
	// written.
	UnrecordedFailures int64
}

// RefusalHealth counts the deliveries of one source kind the daemon
// refused for one reason since the process started.
type RefusalHealth struct {
	Source string // source kind: jgz, verzuim, toegang or jzplus
	Reason RefusalReason
	Files  int64
	Last   time.Time // when the latest was refused; zero while none was
}
