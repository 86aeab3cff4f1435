package schedules

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest/spool"
	zsql "github.com/zothuis/zothuis/sql"
)

// folderPuller hands over the files of a folder once each, as a source
// dropping files would; gate, when set, holds each Pull until it is
// closed, and fail makes the next Pulls fail or panic.
type folderPuller struct {
	from    string
	mu      sync.Mutex
	given   map[string]bool
	started chan struct{}
	gate    chan struct{}
	fail    []string // "error" or "panic", taken one per Pull
}

func (p *folderPuller) Pull(ctx context.Context, dir string) ([]string, error) {
	if p.started != nil {
		p.started <- struct{}{}
	}
	if p.gate != nil {
		<-p.gate
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.fail) > 0 {
		f := p.fail[0]
		p.fail = p.fail[1:]
		if f == "panic" {
			panic("puller broke")
		}
		return nil, errors.New("server unreachable")
	}
	entries, err := os.ReadDir(p.from)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if p.given[e.Name()] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(p.from, e.Name()))
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(dir, e.Name())
		if err := os.WriteFile(dst, b, 0o640); err != nil {
			return nil, err
		}
		p.given[e.Name()] = true
		out = append(out, dst)
	}
	return out, nil
}

type fixture struct {
	db     *sql.DB
	cfg    *config.Config
	spool  string
	from   string
	puller *folderPuller
	now    time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := zsql.Open(context.Background(), filepath.Join(dir, "work.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := config.Default()
	cfg.Sources = []config.Source{{Name: "jzplus-a", Source: "jzplus", Schedule: "0 6 1 1 *"}}
	cfg.Retry = config.Retry{Attempts: 3, Backoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond}
	from := filepath.Join(dir, "from")
	if err := os.Mkdir(from, 0o750); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, cfg: cfg, spool: filepath.Join(dir, "spool"), from: from,
		puller: &folderPuller{from: from, given: map[string]bool{}}, now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

func (f *fixture) daemon(t *testing.T, publish ...Publisher) *Daemon {
	t.Helper()
	d, err := New(f.cfg, Options{
		DB: f.db, ResearchKey: []byte("0123456789abcdef0123456789abcdef"),
		Pullers: map[string]Puller{"jzplus-a": f.puller}, Spool: spool.New(f.spool),
		Publish: publish, Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) drop(t *testing.T, fixture, as string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.from, as), b, 0o640); err != nil {
		t.Fatal(err)
	}
}

// history returns job_runs as "job status rows" lines in run order.
func (f *fixture) history(t *testing.T) []string {
	t.Helper()
	rows, err := f.db.Query(`SELECT job || ' ' || status || ' ' || rows FROM job_runs ORDER BY run_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestPullLandsArchivesAndRejects(t *testing.T) {
	f := newFixture(t)
	d := f.daemon(t)
	ctx := context.Background()
	f.drop(t, "jzplus_1.csv", "a_jzplus.csv")
	f.drop(t, "jzplus_missing_column.csv", "b_jzplus.csv")
	f.drop(t, "jzplus_1.csv", "c_again.csv") // the same bytes under another name
	res, err := d.Pull(ctx, "jzplus-a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(PullResult{Files: 3, Landed: 1, Duplicates: 1, Refused: 1, Rows: 10}, res); diff != "" {
		t.Errorf("pull (-want +got):\n%s", diff)
	}
	var deliveries, refusals int
	var reason string
	f.db.QueryRow(`SELECT count(*) FROM deliveries`).Scan(&deliveries)
	f.db.QueryRow(`SELECT count(*), any_value(reason) FROM refusals WHERE file_name = 'b_jzplus.csv'`).Scan(&refusals, &reason)
	if deliveries != 1 || refusals != 1 {
		t.Errorf("deliveries %d, refusals %d; want 1 and 1", deliveries, refusals)
	}
	if reason == "" {
		t.Error("the refusal has no reason")
	}
	if diff := cmp.Diff([]string{"pull:jzplus-a ok 10"}, f.history(t)); diff != "" {
		t.Errorf("run history (-want +got):\n%s", diff)
	}
	// Nothing stays in incoming: two files archived, one rejected with
	// its reason beside it.
	incoming, _ := spool.New(f.spool).Incoming("jzplus-a")
	if left := files(t, incoming); len(left) != 0 {
		t.Errorf("left in incoming: %v", left)
	}
	got := files(t, f.spool)
	var archived, rejected, reasons int
	for _, p := range got {
		switch {
		case filepath.Ext(p) == ".reason":
			reasons++
		case len(p) > 8 && p[:8] == "archive/" && filepath.Ext(p) == ".csv":
			archived++
		case len(p) > 9 && p[:9] == "rejected/":
			rejected++
		}
	}
	if archived != 2 || rejected != 1 || reasons != 1 {
		t.Errorf("spool holds %v; want 2 archived csv files, 1 rejected with 1 .reason", got)
	}
}

func TestRetryWithBackoffThenSuccess(t *testing.T) {
	f := newFixture(t)
	f.puller.fail = []string{"error", "panic"}
	f.drop(t, "jzplus_1.csv", "a.csv")
	d := f.daemon(t)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Start catches up the cycle first (none has run); then the pull.
	if err := d.Trigger(PullJob("jzplus-a")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(f.history(t)) == 4 })
	d.Stop()
	want := []string{"cycle ok 0", "pull:jzplus-a failed 0", "pull:jzplus-a failed 0", "pull:jzplus-a ok 10"}
	if diff := cmp.Diff(want, sortedByJob(f.history(t))); diff != "" {
		t.Errorf("run history (-want +got):\n%s", diff)
	}
	var msg string
	f.db.QueryRow(`SELECT string_agg(error, ' | ' ORDER BY run_id) FROM job_runs WHERE status = 'failed'`).Scan(&msg)
	if msg != "pull jzplus-a: server unreachable | pull:jzplus-a: panic: puller broke" {
		t.Errorf("errors recorded: %q", msg)
	}
}

// sortedByJob puts the cycle first and keeps the order of each job's runs.
func sortedByJob(h []string) []string {
	var cycle, rest []string
	for _, s := range h {
		if len(s) > 5 && s[:5] == "cycle" {
			cycle = append(cycle, s)
		} else {
			rest = append(rest, s)
		}
	}
	return append(cycle, rest...)
}

func TestOverlappingTriggerIsSkippedAndRecorded(t *testing.T) {
	f := newFixture(t)
	f.puller.started = make(chan struct{}, 4)
	f.puller.gate = make(chan struct{})
	d := f.daemon(t)
	f.cfg.Cycle.Schedule = "0 6 1 1 *"
	// A successful cycle this month: nothing to catch up.
	f.db.Exec(`INSERT INTO job_runs (job, started_at, ended_at, status) VALUES ('cycle', ?, ?, 'ok')`, f.now, f.now)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Trigger(PullJob("jzplus-a"))
	<-f.puller.started // the first run is inside Pull
	d.Trigger(PullJob("jzplus-a"))
	waitFor(t, func() bool {
		var n int
		f.db.QueryRow(`SELECT count(*) FROM job_runs WHERE status = 'skipped'`).Scan(&n)
		return n == 1
	})
	stopped := make(chan struct{})
	go func() { d.Stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("Stop returned while a job was still running")
	case <-time.After(200 * time.Millisecond):
	}
	close(f.puller.gate) // the job finishes; then Stop returns
	<-stopped
	// The first run's row was written when it began, before the skip.
	want := []string{"cycle ok 0", "pull:jzplus-a ok 0", "pull:jzplus-a skipped 0"}
	if diff := cmp.Diff(want, f.history(t)); diff != "" {
		t.Errorf("run history (-want +got):\n%s", diff)
	}
}

func TestCatchUpMissedCycle(t *testing.T) {
	tests := []struct {
		name    string
		lastOK  string // started_at of the last successful cycle; empty for none
		running bool   // a cycle a killed process left running
		wantDue bool
	}{
		{name: "never ran", wantDue: true},
		{name: "ran this month", lastOK: "2026-11-01 06:00:00+01", wantDue: false},
		{name: "last ran in October", lastOK: "2026-10-01 06:00:00+02", wantDue: true},
		{name: "killed during a run after this month's", lastOK: "2026-11-01 06:00:00+01", running: true, wantDue: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			if tt.lastOK != "" {
				f.db.Exec(`INSERT INTO job_runs (job, started_at, ended_at, status) VALUES ('cycle', ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, 'ok')`, tt.lastOK, tt.lastOK)
			}
			if tt.running {
				f.db.Exec(`INSERT INTO job_runs (job, started_at, status) VALUES ('cycle', '2026-11-20 06:00:00+01', 'running')`)
			}
			published := make(chan time.Time, 1)
			d := f.daemon(t, func(ctx context.Context, db *sql.DB, month time.Time) error {
				published <- month
				return nil
			})
			if err := d.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			d.Stop()
			ran := len(published) == 1
			if ran != tt.wantDue {
				t.Errorf("cycle ran at start: %v, want %v", ran, tt.wantDue)
			}
			var stale int
			f.db.QueryRow(`SELECT count(*) FROM job_runs WHERE status = 'running'`).Scan(&stale)
			if stale != 0 {
				t.Errorf("%d runs still marked running after start", stale)
			}
		})
	}
}

func TestCycleFailsWhenAPublisherFails(t *testing.T) {
	f := newFixture(t)
	d := f.daemon(t, func(ctx context.Context, db *sql.DB, month time.Time) error {
		return errors.New("disk full")
	})
	if _, err := d.Cycle(context.Background()); err == nil {
		t.Fatal("cycle succeeded although publishing failed")
	}
	if diff := cmp.Diff([]string{"cycle failed 0"}, f.history(t)); diff != "" {
		t.Errorf("run history (-want +got):\n%s", diff)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
