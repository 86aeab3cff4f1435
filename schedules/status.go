package schedules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/zothuis/zothuis/config"
)

// Status is what zothuis status shows: the jobs with their latest runs,
// the latest refusals and each source's freshness. A running daemon adds
// what it keeps in memory (Daemon.Status); ReadStatus reads the file
// alone, when no daemon holds it.
type Status struct {
	// Daemon is whether a running daemon made this status; false when it
	// was read from the database file, without the daemon's memory.
	Daemon    bool           `json:"daemon"`
	Generated time.Time      `json:"generated_at"`
	Database  DatabaseStatus `json:"database"`
	Jobs      []JobStatus    `json:"jobs"`
	// Refusals are the latest delivery files refused whole, newest first
	// (at most RefusalsShown).
	Refusals []RefusalStatus `json:"refusals"`
	// RefusalCounts are the daemon's refusals since it started, per
	// source kind and reason kind, those with any; empty from the file.
	RefusalCounts []RefusalCount `json:"refusal_counts,omitempty"`
	Sources       []SourceStatus `json:"sources"`
}

// DatabaseStatus is the working database as the status saw it.
type DatabaseStatus struct {
	Path          string `json:"path"`
	SchemaVersion int    `json:"schema_version"`
	// Unwritable is why the daemon stopped writing the database (it
	// exits for its supervisor to restart it); empty while it writes.
	Unwritable string `json:"unwritable,omitempty"`
	// ReadError is why the status could not read the tables; what it
	// shows then comes from the configuration and the daemon's memory.
	ReadError string `json:"read_error,omitempty"`
}

// JobStatus is one configured job.
type JobStatus struct {
	Name     string    `json:"name"`
	Schedule string    `json:"schedule"`
	NextRun  time.Time `json:"next_run,omitzero"`
	// Running is whether a run is under way in the daemon (waiting for
	// the writer lock included); always false from the file.
	Running      bool       `json:"running"`
	RunningSince time.Time  `json:"running_since,omitzero"`
	LastRun      *RunStatus `json:"last_run,omitempty"`
	LastSuccess  time.Time  `json:"last_success,omitzero"`
	// ConsecutiveFailures are the runs that failed since the latest
	// success; the daemon's memory counts those job_runs could not hold.
	ConsecutiveFailures int   `json:"consecutive_failures"`
	UnrecordedFailures  int64 `json:"unrecorded_failures,omitempty"`
}

// RunStatus is one row of job_runs.
type RunStatus struct {
	ID      int64     `json:"run_id"`
	Started time.Time `json:"started_at"`
	Ended   time.Time `json:"ended_at,omitzero"`
	// Status is a job_runs status, or StatusInterrupted.
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	Rows   int64  `json:"rows"`
}

// StatusInterrupted is shown, read from the file with no daemon running,
// for a run that job_runs still marks running: the process that ran it
// ended during it. The next daemon records it as failed.
const StatusInterrupted = "interrupted"

// RefusalStatus is one row of refusals.
type RefusalStatus struct {
	Source    string    `json:"source"`
	File      string    `json:"file"`
	Reason    string    `json:"reason"`
	RefusedAt time.Time `json:"refused_at"`
}

// RefusalCount is how many deliveries of a source kind the daemon refused
// for one reason kind since it started.
type RefusalCount struct {
	Source string        `json:"source"`
	Reason RefusalReason `json:"reason"`
	Files  int64         `json:"files"`
	Last   time.Time     `json:"last"`
}

// SourceStatus is a configured source's freshness: its latest delivery
// that accepted rows, against its stale_after. Deliveries are recorded
// per source kind, so two channels of one kind share it.
type SourceStatus struct {
	Name         string    `json:"name"`
	Source       string    `json:"source"`
	LastDelivery time.Time `json:"last_delivery,omitzero"`
	LastFile     string    `json:"last_file,omitempty"`
	StaleAfter   string    `json:"stale_after"`
	// Stale is whether the latest accepted delivery is older than
	// stale_after; before any, whether the first pull is (as the
	// ZothuisSourceStale alert judges).
	Stale bool `json:"stale"`
}

// RefusalsShown is how many of the latest refusals a status lists.
const RefusalsShown = 20

// The status's queries. They read the operations tables only, never a
// data table, and are small enough to keep beside the code.
const (
	schemaVersionSQL = `SELECT coalesce(max(version), 0) FROM schema_migrations`
	// The latest run of each job that was not a skipped trigger, and the
	// end of its latest success and its first run.
	lastRunsSQL = `
WITH latest AS (
    SELECT job, run_id, started_at, ended_at, status, error, rows
    FROM job_runs
    WHERE status <> 'skipped'
    QUALIFY row_number() OVER (PARTITION BY job ORDER BY run_id DESC) = 1
),
summary AS (
    SELECT job, max(ended_at) FILTER (WHERE status = 'ok') AS last_success, min(started_at) AS first_run
    FROM job_runs
    GROUP BY job
)
SELECT s.job, l.run_id, l.started_at, l.ended_at, l.status, l.error, l.rows, s.last_success, s.first_run
FROM summary s LEFT JOIN latest l USING (job)`
	latestRefusalsSQL = `SELECT source, file_name, reason, refused_at FROM refusals ORDER BY refusal_id DESC LIMIT ?`
	// Per source kind, the latest delivery that accepted rows.
	freshnessSQL = `
SELECT source, max(received_at), arg_max(file_name, received_at)
FROM deliveries
WHERE rows_accepted > 0
GROUP BY source`
)

// ReadStatus reads the status from the database file alone, as zothuis
// status does when no daemon answers: no running flags, no refusal
// counts, and a run still marked running shows as interrupted.
func ReadStatus(ctx context.Context, db *sql.DB, cfg *config.Config, path string, now time.Time) Status {
	return readStatus(ctx, db, cfg, path, now, false)
}

// Status returns the daemon's status: the tables as ReadStatus reads
// them, with what the daemon keeps in memory over them, which holds also
// when the database cannot be read.
func (d *Daemon) Status(ctx context.Context) Status {
	s := readStatus(ctx, d.db, d.cfg, d.cfg.Paths.Database, d.now(), true)
	s.Daemon = true
	h := d.Health()
	if h.Database != nil {
		s.Database.Unwritable = h.Database.Error()
	}
	mem := map[string]JobHealth{}
	for _, j := range h.Jobs {
		mem[j.Name] = j
	}
	for i := range s.Jobs {
		j := &s.Jobs[i]
		j.RunningSince, j.Running = d.running.since(j.Name)
		if m, ok := mem[j.Name]; ok {
			j.ConsecutiveFailures = m.ConsecutiveFailures
			j.UnrecordedFailures = m.UnrecordedFailures
		}
	}
	for _, r := range h.Refusals {
		if r.Files > 0 {
			s.RefusalCounts = append(s.RefusalCounts, RefusalCount{Source: r.Source, Reason: r.Reason, Files: r.Files, Last: r.Last})
		}
	}
	return s
}

// readStatus builds the status of cfg's jobs and sources from the
// configuration, then fills in what db holds; a failed read is noted in
// Database.ReadError and leaves the rest as the configuration has it.
// live says a daemon runs the jobs, so that a run marked running runs.
func readStatus(ctx context.Context, db *sql.DB, cfg *config.Config, path string, now time.Time, live bool) Status {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	s := Status{Generated: now, Database: DatabaseStatus{Path: path}, Refusals: []RefusalStatus{}}
	for _, src := range cfg.Sources {
		s.Jobs = append(s.Jobs, jobStatus(PullJob(src.Name), src.Schedule, now))
		s.Sources = append(s.Sources, SourceStatus{Name: src.Name, Source: src.Source, StaleAfter: src.StaleAfter.String()})
	}
	s.Jobs = append(s.Jobs, jobStatus(CycleJob, cfg.Cycle.Schedule, now))
	if err := readTables(ctx, db, &s, now, live); err != nil {
		s.Database.ReadError = err.Error()
	}
	return s
}

func jobStatus(name, expr string, now time.Time) JobStatus {
	j := JobStatus{Name: name, Schedule: expr}
	if sch, err := config.ParseSchedule(expr); err == nil {
		j.NextRun = sch.Next(now)
	}
	return j
}

// readTables fills s from the operations tables.
func readTables(ctx context.Context, db *sql.DB, s *Status, now time.Time, live bool) error {
	if err := db.QueryRowContext(ctx, schemaVersionSQL).Scan(&s.Database.SchemaVersion); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	firstRun := map[string]time.Time{}
	if err := readLastRuns(ctx, db, s, firstRun, live); err != nil {
		return err
	}
	if err := readConsecutive(ctx, db, s); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, latestRefusalsSQL, RefusalsShown)
	if err != nil {
		return fmt.Errorf("refusals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r RefusalStatus
		if err := rows.Scan(&r.Source, &r.File, &r.Reason, &r.RefusedAt); err != nil {
			return fmt.Errorf("refusals: %w", err)
		}
		s.Refusals = append(s.Refusals, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("refusals: %w", err)
	}
	return readFreshness(ctx, db, s, firstRun, now)
}

func readLastRuns(ctx context.Context, db *sql.DB, s *Status, firstRun map[string]time.Time, live bool) error {
	rows, err := db.QueryContext(ctx, lastRunsSQL)
	if err != nil {
		return fmt.Errorf("job runs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			job                    string
			id, n                  sql.NullInt64
			started, ended, lastOK sql.NullTime
			first                  time.Time
			status, msg            sql.NullString
		)
		if err := rows.Scan(&job, &id, &started, &ended, &status, &msg, &n, &lastOK, &first); err != nil {
			return fmt.Errorf("job runs: %w", err)
		}
		firstRun[job] = first
		i := slices.IndexFunc(s.Jobs, func(j JobStatus) bool { return j.Name == job })
		if i < 0 {
			continue // a job no longer configured
		}
		j := &s.Jobs[i]
		j.LastSuccess = lastOK.Time
		if !id.Valid {
			continue // only skipped triggers
		}
		r := &RunStatus{ID: id.Int64, Started: started.Time, Ended: ended.Time, Status: status.String, Error: msg.String, Rows: n.Int64}
		if r.Status == StatusRunning && !live {
			r.Status = StatusInterrupted
		}
		j.LastRun = r
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("job runs: %w", err)
	}
	return nil
}

// readConsecutive counts each job's failures since its latest success,
// as the daemon seeds its memory.
func readConsecutive(ctx context.Context, db *sql.DB, s *Status) error {
	h := newHealth(nil, nil)
	for _, j := range s.Jobs {
		h.jobs = append(h.jobs, j.Name)
		h.job[j.Name] = &jobHealth{}
	}
	if err := h.seed(ctx, db); err != nil {
		return err
	}
	for i := range s.Jobs {
		s.Jobs[i].ConsecutiveFailures = h.job[s.Jobs[i].Name].consecutive
	}
	return nil
}

func readFreshness(ctx context.Context, db *sql.DB, s *Status, firstRun map[string]time.Time, now time.Time) error {
	type latest struct {
		at   time.Time
		file string
	}
	last := map[string]latest{}
	rows, err := db.QueryContext(ctx, freshnessSQL)
	if err != nil {
		return fmt.Errorf("deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind string
		var l latest
		if err := rows.Scan(&kind, &l.at, &l.file); err != nil {
			return fmt.Errorf("deliveries: %w", err)
		}
		last[kind] = l
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("deliveries: %w", err)
	}
	for i := range s.Sources {
		src := &s.Sources[i]
		stale, _ := time.ParseDuration(src.StaleAfter)
		l, delivered := last[src.Source]
		if delivered {
			src.LastDelivery, src.LastFile = l.at, l.file
		}
		if stale <= 0 {
			continue // not judged (a configuration not read from a file)
		}
		if delivered {
			src.Stale = now.Sub(l.at) > stale
		} else if first, ok := firstRun[PullJob(src.Name)]; ok {
			src.Stale = now.Sub(first) > stale
		}
	}
	return nil
}

// Errors of RunNow, told apart with errors.Is.
var (
	// ErrUnknownJob: no such job in the configuration.
	ErrUnknownJob = errors.New("no such job")
	// ErrJobRunning: a run of the job is under way; a trigger now would
	// be skipped.
	ErrJobRunning = errors.New("the job is running")
	// ErrNotScheduled: the daemon's schedules are not started (or were
	// stopped), so no job can be triggered.
	ErrNotScheduled = errors.New("the schedules are not running")
)

// Jobs returns the names of the configured jobs: the pull job of each
// source in configuration order, then the cycle.
func (d *Daemon) Jobs() []string {
	return slices.Clone(d.health.jobs)
}

// RunNow triggers the configured job now, through the same skip guard as
// its schedule, and returns at once. It refuses, with ErrJobRunning, a job
// whose run is under way; a trigger that comes while the job waits to be
// retried is skipped by the guard and recorded as skipped. Call it only
// after Start.
func (d *Daemon) RunNow(job string) error {
	if !slices.Contains(d.health.jobs, job) {
		return fmt.Errorf("%w: %q", ErrUnknownJob, job)
	}
	if since, ok := d.running.since(job); ok {
		return fmt.Errorf("%w: %s since %s", ErrJobRunning, job, since.Format(time.RFC3339))
	}
	if _, ok := d.jobs[job]; !ok {
		return fmt.Errorf("%w: %s", ErrNotScheduled, job)
	}
	return d.Trigger(job)
}

// runningJobs are the jobs whose run is under way, with when it began:
// the status's running flag and RunNow's refusal. Its zero value is ready
// for use.
type runningJobs struct {
	mu    sync.Mutex
	start map[string]time.Time
}

// enter marks job running from at; the function it returns ends that.
func (r *runningJobs) enter(job string, at time.Time) func() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.start == nil {
		r.start = map[string]time.Time{}
	}
	r.start[job] = at
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.start, job)
	}
}

// since returns when the job's run under way began; false when none is.
func (r *runningJobs) since(job string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.start[job]
	return t, ok
}
