package schedules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/ingest/spool"
	zsql "github.com/zothuis/zothuis/sql"
)

// TestWriteFailureStopsWrites: a failed commit, an invalidated DuckDB or a
// run history that cannot be written stop every later write (DuckDB's
// next commit on the instance may land a mangled row), make the daemon
// not ready and keep the failures in memory; a job's other failures do
// not. Root cannot make a file read-only for itself, so the database
// fails here by the error DuckDB gives, or by being opened read-only;
// TestReadOnlyDatabaseDrill takes the permissions away.
func TestWriteFailureStopsWrites(t *testing.T) {
	failedCommit := &duckdb.Error{Type: duckdb.ErrorTypeTransaction,
		Msg: `TransactionContext Error: Failed to commit: Cannot open file "work.duckdb.wal": Permission denied`}
	invalidated := &duckdb.Error{Type: duckdb.ErrorTypeFatal,
		Msg: "FATAL Error: Failed: database has been invalidated because of a previous fatal error."}
	otherFile := &duckdb.Error{Type: duckdb.ErrorTypeIO,
		Msg: `IO Error: Cannot open file "out/research/.zothuis.duckdb.tmp": Permission denied`}
	// Stopped: DatabaseFailed is closed; Ready, the cycle's and the
	// pull's errors wrap ErrDatabaseUnwritable.
	type want struct {
		Stopped                                bool
		ReadyStopped, CycleStopped, PullFailed bool
		History                                []string
		Health                                 []JobHealth
	}
	stoppedHealth := []JobHealth{
		{Name: "pull:jzplus-a", Ran: true, ConsecutiveFailures: 1, UnrecordedFailures: 1},
		{Name: "cycle", Ran: true, ConsecutiveFailures: 1, UnrecordedFailures: 1},
	}
	tests := []struct {
		name     string
		publish  error // the cycle's publisher fails with it
		readOnly bool  // the database is opened read-only
		want     want
	}{
		{
			name:    "a commit fails in the cycle",
			publish: fmt.Errorf("snapshot: %w", failedCommit),
			// The run's start was written; its end is not.
			want: want{Stopped: true, ReadyStopped: true, CycleStopped: true, PullFailed: true,
				History: []string{"cycle running 0"}, Health: stoppedHealth},
		},
		{
			name:    "DuckDB invalidated its instance",
			publish: fmt.Errorf("dashboard: %w", invalidated),
			want: want{Stopped: true, ReadyStopped: true, CycleStopped: true, PullFailed: true,
				History: []string{"cycle running 0"}, Health: stoppedHealth},
		},
		{
			name:     "the run history cannot be written",
			readOnly: true,
			want: want{Stopped: true, ReadyStopped: true, CycleStopped: true, PullFailed: true,
				History: nil, Health: stoppedHealth},
		},
		{
			name:    "the cycle fails for another reason",
			publish: errors.New("disk full"),
			want: want{History: []string{"cycle failed 0", "pull:jzplus-a ok 0"}, Health: []JobHealth{
				{Name: "pull:jzplus-a", Ran: true, LastRunOK: true},
				{Name: "cycle", Ran: true, ConsecutiveFailures: 1},
			}},
		},
		{
			name:    "DuckDB fails on another file",
			publish: fmt.Errorf("snapshot: %w", otherFile),
			want: want{History: []string{"cycle failed 0", "pull:jzplus-a ok 0"}, Health: []JobHealth{
				{Name: "pull:jzplus-a", Ran: true, LastRunOK: true},
				{Name: "cycle", Ran: true, ConsecutiveFailures: 1},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.readOnly {
				path := filepath.Join(t.TempDir(), "ro.duckdb")
				rw, err := zsql.Open(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				rw.Close()
				if f.db, err = zsql.OpenReadOnly(context.Background(), path); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.db.Close() })
			}
			d := f.daemon(t, func(ctx context.Context, db *sql.DB, month time.Time) error { return tt.publish })
			ctx := context.Background()
			_, cycleErr := d.Cycle(ctx)
			_, pullErr := d.Pull(ctx, "jzplus-a")

			got := want{
				ReadyStopped: errors.Is(d.Ready(), ErrDatabaseUnwritable),
				CycleStopped: errors.Is(cycleErr, ErrDatabaseUnwritable),
				PullFailed:   errors.Is(pullErr, ErrDatabaseUnwritable),
				History:      f.history(t),
				Health:       d.Health().Jobs,
			}
			select {
			case <-d.DatabaseFailed():
				got.Stopped = true
			default:
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s\ncycle: %v\npull: %v", diff, cycleErr, pullErr)
			}
			if cycleErr == nil {
				t.Error("the cycle succeeded")
			}
		})
	}
}

// TestHealthStartsFromTheHistory: a new daemon (a restarted process)
// reports each configured job as the run history left it; a job the
// configuration does not have, such as a name the database mangled, is
// not reported.
func TestHealthStartsFromTheHistory(t *testing.T) {
	never := []JobHealth{{Name: "pull:jzplus-a"}, {Name: "cycle"}}
	tests := []struct {
		name string
		runs []string // job and status of each run, in order
		want []JobHealth
	}{
		{name: "nothing ran", want: never},
		{
			name: "ok after failures",
			runs: []string{"cycle failed", "cycle failed", "cycle ok"},
			want: []JobHealth{{Name: "pull:jzplus-a"}, {Name: "cycle", Ran: true, LastRunOK: true}},
		},
		{
			name: "failing since the last success; skips are no runs",
			runs: []string{"pull:jzplus-a ok", "pull:jzplus-a failed", "pull:jzplus-a skipped", "cycle ok", "pull:jzplus-a failed"},
			want: []JobHealth{
				{Name: "pull:jzplus-a", Ran: true, ConsecutiveFailures: 2},
				{Name: "cycle", Ran: true, LastRunOK: true},
			},
		},
		{
			name: "a run cut off by the end of a process failed",
			runs: []string{"cycle ok", "cycle running"},
			want: []JobHealth{{Name: "pull:jzplus-a"}, {Name: "cycle", Ran: true, ConsecutiveFailures: 1}},
		},
		{
			name: "jobs not configured are not reported",
			runs: []string{"pull:gone failed", "cyclepull:jzplus-apull:gone ok"},
			want: never,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			for _, r := range tt.runs {
				var job, status string
				fmt.Sscan(r, &job, &status)
				if _, err := f.db.Exec(`INSERT INTO job_runs (job, started_at, ended_at, status) VALUES (?, ?, ?, ?)`,
					job, f.now, f.now, status); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, f.daemon(t).Health().Jobs); diff != "" {
				t.Errorf("health (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRefusalReason(t *testing.T) {
	type result struct {
		Reason  RefusalReason
		Refusal bool
	}
	tests := []struct {
		name string
		err  error
		want result
	}{
		{"no error", nil, result{}},
		{"an operational failure", errors.New("disk full"), result{}},
		{"a refusal without a kind", fmt.Errorf("ingest a.csv: %w", fmt.Errorf("%w: unreadable", ingest.ErrRefused)), result{RefusedOther, true}},
		{"a BSN", fmt.Errorf("ingest a.csv: %w", &ingest.RefusedError{Kind: ingest.RefusedBSN}), result{RefusedBSN, true}},
		{"wrong columns", fmt.Errorf("ingest a.csv: %w", &ingest.RefusedError{Kind: ingest.RefusedColumns}), result{RefusedColumns, true}},
		{"unreadable", &ingest.RefusedError{Kind: ingest.RefusedUnreadable}, result{RefusedUnreadable, true}},
		{"a kind of no known reason", &ingest.RefusedError{Kind: "bsn; drop table"}, result{RefusedOther, true}},
		// The message says BSN; only the type decides.
		{"a BSN only in the text", fmt.Errorf("%w: a BSN where a pseudonym belongs", ingest.ErrRefused), result{RefusedOther, true}},
		{"a research key mismatch is no refusal", fmt.Errorf("ingest a.csv: %w", &ingest.KeyMismatchError{Database: "a", Given: "b"}), result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got result
			got.Reason, got.Refusal = refusalReason(tt.err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("refusalReason(%v) (-want +got):\n%s", tt.err, diff)
			}
		})
	}
}

// TestRefusalsCountedInMemory: a refused delivery counts by source kind
// and reason, every pair from 0: a file with a column missing counts as
// "columns".
func TestRefusalsCountedInMemory(t *testing.T) {
	f := newFixture(t)
	d := f.daemon(t)
	f.drop(t, "jzplus_missing_column.csv", "b_jzplus.csv")
	if _, err := d.Pull(context.Background(), "jzplus-a"); err != nil {
		t.Fatal(err)
	}
	want := []RefusalHealth{
		{Source: "jzplus", Reason: RefusedBSN},
		{Source: "jzplus", Reason: RefusedColumns, Files: 1, Last: f.now},
		{Source: "jzplus", Reason: RefusedUnreadable},
		{Source: "jzplus", Reason: RefusedOther},
	}
	if diff := cmp.Diff(want, d.Health().Refusals); diff != "" {
		t.Errorf("refusals (-want +got):\n%s", diff)
	}
}

// TestKeyMismatchFailsThePullNotTheDatabase: a delivery under another
// research key fails the pull, which the memory shows, and counts as no
// refusal; the database stays writable.
func TestKeyMismatchFailsThePullNotTheDatabase(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.drop(t, "jzplus_1.csv", "a.csv")
	if _, err := f.daemon(t).Pull(ctx, "jzplus-a"); err != nil {
		t.Fatal(err)
	}
	other, err := New(f.cfg, Options{
		DB: f.db, ResearchKey: []byte("another key of at least 32 bytes!"),
		Pullers: map[string]Puller{"jzplus-a": f.puller}, Spool: spool.New(f.spool),
		Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.drop(t, "jzplus_1.csv", "b.csv")
	if _, err := other.Pull(ctx, "jzplus-a"); !errors.Is(err, ingest.ErrResearchKeyMismatch) {
		t.Fatalf("pull under another key: %v, want ErrResearchKeyMismatch", err)
	}
	h := other.Health()
	type view struct {
		Pull       JobHealth
		Refused    int64
		DatabaseOK bool
	}
	got := view{Pull: h.Jobs[0], DatabaseOK: h.Database == nil}
	for _, r := range h.Refusals {
		got.Refused += r.Files
	}
	want := view{Pull: JobHealth{Name: "pull:jzplus-a", Ran: true, ConsecutiveFailures: 1}, DatabaseOK: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"pull:jzplus-a ok 10", "pull:jzplus-a failed 0"}, f.history(t)); diff != "" {
		t.Errorf("run history (-want +got):\n%s", diff)
	}
}

// TestANewDaemonOnAFailedDatabaseDoesNotWrite: serve's reload makes a new
// daemon on the same database handle; once a write through it failed,
// the new daemon does not write either, and says so.
func TestANewDaemonOnAFailedDatabaseDoesNotWrite(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	failing := f.daemon(t, func(ctx context.Context, db *sql.DB, month time.Time) error {
		return &duckdb.Error{Type: duckdb.ErrorTypeTransaction, Msg: "TransactionContext Error: Failed to commit"}
	})
	if _, err := failing.Cycle(ctx); !errors.Is(err, ErrDatabaseUnwritable) {
		t.Fatalf("cycle: %v, want ErrDatabaseUnwritable", err)
	}
	reloaded := f.daemon(t)
	_, pullErr := reloaded.Pull(ctx, "jzplus-a")
	// Stopped: Ready and the pull wrap ErrDatabaseUnwritable, and
	// DatabaseFailed is closed.
	type view struct {
		ReadyStopped, PullStopped, Closed bool
		History                           []string
	}
	got := view{ReadyStopped: errors.Is(reloaded.Ready(), ErrDatabaseUnwritable),
		PullStopped: errors.Is(pullErr, ErrDatabaseUnwritable), History: f.history(t)}
	select {
	case <-reloaded.DatabaseFailed():
		got.Closed = true
	default:
	}
	want := view{ReadyStopped: true, PullStopped: true, Closed: true, History: []string{"cycle running 0"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the new daemon (-want +got):\n%s", diff)
	}
}

// capRecorder records DuckDB's memory cap each time a file lands.
type capRecorder struct {
	in   fileIngester
	db   *sql.DB
	caps []string
}

func (c *capRecorder) IngestFile(ctx context.Context, ct *contract.Contract, path string) (ingest.Result, error) {
	var s string
	if err := c.db.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&s); err != nil {
		return ingest.Result{}, err
	}
	c.caps = append(c.caps, s)
	return c.in.IngestFile(ctx, ct, path)
}

// TestPullLandsUnderTheLoadingCap: deliveries land under
// zsql.LoadingMemoryLimit, and the cycle after them runs under
// zsql.MemoryLimit (shown by DuckDB in MiB: 128 MB and 256 MB).
func TestPullLandsUnderTheLoadingCap(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var cycleCap string
	d := f.daemon(t, func(ctx context.Context, db *sql.DB, _ time.Time) error {
		return db.QueryRowContext(ctx, `SELECT current_setting('memory_limit')`).Scan(&cycleCap)
	})
	rec := &capRecorder{in: d.ingester, db: f.db}
	d.ingester = rec
	f.drop(t, "jzplus_1.csv", "a.csv")
	f.drop(t, "jzplus_1.csv", "b.csv")
	if _, err := d.Pull(ctx, "jzplus-a"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Cycle(ctx); err != nil {
		t.Fatal(err)
	}
	want := struct {
		Landing []string
		Cycle   string
	}{[]string{"122.0 MiB", "122.0 MiB"}, "244.1 MiB"}
	got := want
	got.Landing, got.Cycle = rec.caps, cycleCap
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("memory caps (-want +got):\n%s", diff)
	}
}
