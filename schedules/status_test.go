package schedules

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/zothuis/zothuis/config"
)

// TestStatusWhileAPullRuns triggers a pull through RunNow and reads the
// status while it is inside the puller and after it ended: the running
// flag, the refusal of a second trigger, then the run, the refusal and
// the source's freshness, from the daemon and from the file.
func TestStatusWhileAPullRuns(t *testing.T) {
	f := newFixture(t)
	f.cfg.Sources[0].StaleAfter = config.DefaultStaleAfter
	f.puller.started = make(chan struct{}, 4)
	f.puller.gate = make(chan struct{})
	f.drop(t, "jzplus_1.csv", "a_jzplus.csv")
	f.drop(t, "jzplus_missing_column.csv", "b_jzplus.csv")
	ctx := context.Background()
	// A successful cycle this month: nothing to catch up at start.
	if _, err := f.db.Exec(`INSERT INTO job_runs (job, started_at, ended_at, status) VALUES ('cycle', ?, ?, 'ok')`, f.now, f.now); err != nil {
		t.Fatal(err)
	}
	d := f.daemon(t)
	pull := PullJob("jzplus-a")
	if err := d.RunNow(pull); !errors.Is(err, ErrNotScheduled) {
		t.Errorf("RunNow before Start: %v, want ErrNotScheduled", err)
	}
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if err := d.RunNow(pull); err != nil {
		t.Fatal(err)
	}
	<-f.puller.started

	during := d.Status(ctx)
	if j := during.Jobs[0]; !j.Running || !j.RunningSince.Equal(f.now) || j.LastRun == nil || j.LastRun.Status != StatusRunning {
		t.Errorf("during the pull: %+v (last run %+v), want it running since %s", j, j.LastRun, f.now)
	}
	if during.Jobs[1].Running {
		t.Error("the cycle shows as running")
	}
	for _, tt := range []struct {
		job  string
		want error
	}{
		{pull, ErrJobRunning},
		{"pull:nope", ErrUnknownJob},
		{"jzplus-a", ErrUnknownJob}, // a source's name is the client's shorthand, not a job
	} {
		if err := d.RunNow(tt.job); !errors.Is(err, tt.want) {
			t.Errorf("RunNow(%q) = %v, want %v", tt.job, err, tt.want)
		}
	}
	close(f.puller.gate)
	waitFor(t, func() bool {
		s := d.Status(ctx)
		return !s.Jobs[0].Running && s.Jobs[0].LastRun != nil && s.Jobs[0].LastRun.Status == StatusOK
	})

	dbPath, _ := filepath.Abs(f.cfg.Paths.Database)
	want := Status{
		Daemon:    true,
		Generated: f.now,
		Database:  DatabaseStatus{Path: dbPath, SchemaVersion: schemaVersion(t, f)},
		Jobs: []JobStatus{
			{Name: pull, Schedule: "0 6 1 1 *", NextRun: time.Date(2027, 1, 1, 5, 0, 0, 0, time.UTC),
				LastRun: &RunStatus{Started: f.now, Ended: f.now, Status: StatusOK, Rows: 10}, LastSuccess: f.now},
			{Name: CycleJob, Schedule: config.DefaultCycleSchedule, NextRun: time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC),
				LastRun: &RunStatus{Started: f.now, Ended: f.now, Status: StatusOK}, LastSuccess: f.now},
		},
		Refusals:      []RefusalStatus{{Source: "jzplus", File: "b_jzplus.csv", RefusedAt: f.now}},
		RefusalCounts: []RefusalCount{{Source: "jzplus", Reason: RefusedColumns, Files: 1, Last: f.now}},
		Sources: []SourceStatus{{Name: "jzplus-a", Source: "jzplus", LastDelivery: f.now, LastFile: "a_jzplus.csv",
			StaleAfter: config.DefaultStaleAfter.String()}},
	}
	opts := cmp.Options{
		cmpopts.IgnoreFields(RunStatus{}, "ID"),
		cmpopts.IgnoreFields(RefusalStatus{}, "Reason"), // its wording is the ingester's
		cmpopts.EquateApproxTime(0),
	}
	after := d.Status(ctx)
	if diff := cmp.Diff(want, after, opts); diff != "" {
		t.Errorf("daemon status after the pull (-want +got):\n%s", diff)
	}
	if len(after.Refusals) == 1 && after.Refusals[0].Reason == "" {
		t.Error("the refusal has no reason")
	}

	// From the file: the same but the daemon's memory.
	want.Daemon, want.RefusalCounts = false, nil
	if diff := cmp.Diff(want, ReadStatus(ctx, f.db, f.cfg, f.cfg.Paths.Database, f.now), opts); diff != "" {
		t.Errorf("status from the file (-want +got):\n%s", diff)
	}
}

func schemaVersion(t *testing.T, f *fixture) int {
	t.Helper()
	var v int
	if err := f.db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestStatusFromTheFile reads what a dead process left: a run still
// marked running was interrupted, failures in a row count since the
// latest success, and freshness follows stale_after, before any
// delivery from the first pull (as the ZothuisSourceStale alert does).
func TestStatusFromTheFile(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name         string
		delivered    time.Duration // age of the latest accepted delivery; 0 for none
		firstPull    time.Duration // age of the first pull run; 0 for none
		runs         []string      // statuses of the pull job's runs, oldest first
		wantStale    bool
		wantLast     string // status of the last run shown; "" for none
		wantFailures int
	}{
		{name: "fresh", delivered: 2 * day, firstPull: 90 * day, runs: []string{StatusOK}, wantLast: StatusOK},
		{name: "past stale_after", delivered: 36 * day, firstPull: 90 * day, runs: []string{StatusOK, StatusFailed, StatusFailed, StatusSkipped},
			wantStale: true, wantLast: StatusFailed, wantFailures: 2},
		{name: "never delivered, first pull long ago", firstPull: 40 * day, runs: []string{StatusFailed}, wantStale: true, wantLast: StatusFailed, wantFailures: 1},
		{name: "never delivered, first pull recent", firstPull: day, runs: []string{StatusOK, StatusRunning}, wantLast: StatusInterrupted, wantFailures: 1},
		{name: "never pulled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.cfg.Sources[0].StaleAfter = config.DefaultStaleAfter
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := f.db.Exec(q, args...); err != nil {
					t.Fatal(err)
				}
			}
			job := PullJob("jzplus-a")
			for i, st := range tt.runs {
				at := f.now.Add(-tt.firstPull + time.Duration(i)*time.Hour)
				exec(`INSERT INTO job_runs (job, started_at, ended_at, status, error) VALUES (?, ?, CASE WHEN ? = 'running' THEN NULL ELSE ?::TIMESTAMPTZ END, ?, CASE WHEN ? = 'failed' THEN 'server unreachable' END)`,
					job, at, st, at, st, st)
			}
			if tt.delivered > 0 {
				exec(`INSERT INTO deliveries (source, file_name, sha256, format, received_at, rows_accepted) VALUES ('jzplus', 'old.csv', 'a', 'csv', ?, 3)`, f.now.Add(-tt.delivered-day))
				exec(`INSERT INTO deliveries (source, file_name, sha256, format, received_at, rows_accepted) VALUES ('jzplus', 'new.csv', 'b', 'csv', ?, 5)`, f.now.Add(-tt.delivered))
				// Nothing accepted: no sign of life of the source.
				exec(`INSERT INTO deliveries (source, file_name, sha256, format, received_at, rows_accepted) VALUES ('jzplus', 'empty.csv', 'c', 'csv', ?, 0)`, f.now)
			}
			s := ReadStatus(context.Background(), f.db, f.cfg, f.cfg.Paths.Database, f.now)
			if s.Database.ReadError != "" {
				t.Fatal(s.Database.ReadError)
			}
			src := s.Sources[0]
			if src.Stale != tt.wantStale {
				t.Errorf("stale = %v, want %v", src.Stale, tt.wantStale)
			}
			if tt.delivered > 0 && (src.LastFile != "new.csv" || !src.LastDelivery.Equal(f.now.Add(-tt.delivered))) {
				t.Errorf("last delivery %s %s, want new.csv at %s", src.LastFile, src.LastDelivery, f.now.Add(-tt.delivered))
			}
			j := s.Jobs[0]
			last := ""
			if j.LastRun != nil {
				last = j.LastRun.Status
			}
			if last != tt.wantLast || j.ConsecutiveFailures != tt.wantFailures || j.Running {
				t.Errorf("job: last run %q, %d failures in a row, running %v; want %q, %d, false", last, j.ConsecutiveFailures, j.Running, tt.wantLast, tt.wantFailures)
			}
			if last == StatusFailed && j.LastRun.Error != "server unreachable" {
				t.Errorf("last error %q", j.LastRun.Error)
			}
		})
	}
}

// TestStatusWhenTheTablesCannotBeRead keeps the configured jobs and says
// why the rest is missing.
func TestStatusWhenTheTablesCannotBeRead(t *testing.T) {
	f := newFixture(t)
	f.db.Close()
	s := ReadStatus(context.Background(), f.db, f.cfg, f.cfg.Paths.Database, f.now)
	if s.Database.ReadError == "" {
		t.Error("no read error on a closed database")
	}
	var names []string
	for _, j := range s.Jobs {
		names = append(names, j.Name)
	}
	if diff := cmp.Diff([]string{PullJob("jzplus-a"), CycleJob}, names); diff != "" {
		t.Errorf("jobs (-want +got):\n%s", diff)
	}
}
