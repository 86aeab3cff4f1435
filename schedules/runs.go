package schedules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	zsql "github.com/zothuis/zothuis/sql"
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

// runs records the run history in table job_runs.
type runs struct {
	db  *sql.DB
	now func() time.Time
}

func (r runs) start(ctx context.Context, job string) (int64, error) {
	var id int64
	if err := r.db.QueryRowContext(ctx, zsql.Query("schedules/run_start.sql"), job, r.now()).Scan(&id); err != nil {
		return 0, fmt.Errorf("run history %s: %w", job, err)
	}
	return id, nil
}

func (r runs) end(ctx context.Context, id int64, rows int, runErr error) error {
	status, msg := StatusOK, sql.NullString{}
	if runErr != nil {
		status, msg = StatusFailed, sql.NullString{String: runErr.Error(), Valid: true}
	}
	if _, err := r.db.ExecContext(ctx, zsql.Query("schedules/run_end.sql"), id, r.now(), status, msg, rows); err != nil {
		return fmt.Errorf("run history: %w", err)
	}
	return nil
}

func (r runs) skipped(ctx context.Context, job string) error {
	if _, err := r.db.ExecContext(ctx, zsql.Query("schedules/run_skipped.sql"), job, r.now()); err != nil {
		return fmt.Errorf("run history %s: %w", job, err)
	}
	return nil
}

// interrupted marks the runs a dead process left running as failed.
func (r runs) interrupted(ctx context.Context) (int64, error) {
	res, err := r.db.ExecContext(ctx, zsql.Query("schedules/runs_interrupted.sql"), r.now())
	if err != nil {
		return 0, fmt.Errorf("run history: %w", err)
	}
	return res.RowsAffected()
}

// lastSuccess is when the job last started a run that succeeded; zero if
// it never did.
func (r runs) lastSuccess(ctx context.Context, job string) (time.Time, error) {
	var t sql.NullTime
	if err := r.db.QueryRowContext(ctx, zsql.Query("schedules/last_success.sql"), job).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("run history %s: %w", job, err)
	}
	return t.Time, nil
}

// lastStatus is the outcome of the job's latest run that was not
// skipped; empty if it never ran.
func (r runs) lastStatus(ctx context.Context, job string) (string, error) {
	var s string
	err := r.db.QueryRowContext(ctx, zsql.Query("schedules/last_status.sql"), job).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("run history %s: %w", job, err)
	}
	return s, nil
}
