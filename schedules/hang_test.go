package schedules

import (
	"context"
	"database/sql"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest/httpspull"
	"github.com/zothuis/zothuis/ingest/spool"
	zsql "github.com/zothuis/zothuis/sql"
)

// hangingServer is an HTTPS server whose handler blocks until the client
// gives up or the test ends; hit tells when a request is inside it.
type hangingServer struct {
	*httptest.Server
	hit      chan struct{}
	released atomic.Bool // a request left the handler
}

func newHangingServer(t *testing.T) *hangingServer {
	t.Helper()
	s := &hangingServer{hit: make(chan struct{}, 8)}
	done := make(chan struct{})
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hit <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-done:
		}
		s.released.Store(true)
	}))
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	t.Cleanup(func() { close(done) }) // before Close, which waits for the handlers
	return s
}

// deliveryServer is an HTTPS server that serves one delivery file.
func deliveryServer(t *testing.T, fixture string) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Disposition", `attachment; filename="`+fixture+`"`)
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

// httpsDaemon makes a daemon on a fresh working database whose sources
// "hang" and "ok" (both jzplus) pull from the given HTTPS servers, with one
// attempt per run and a successful cycle this month (nothing to catch up).
func httpsDaemon(t *testing.T, hang, ok *httptest.Server, timeout time.Duration) (*Daemon, *sql.DB) {
	t.Helper()
	dir := t.TempDir()
	db, err := zsql.Open(context.Background(), filepath.Join(dir, "work.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if _, err := db.Exec(`INSERT INTO job_runs (job, started_at, ended_at, status) VALUES ('cycle', ?, ?, 'ok')`, now, now); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Cycle.Schedule = "0 6 1 1 *"
	cfg.Retry = config.Retry{Attempts: 1, Backoff: 10 * time.Millisecond, MaxBackoff: 10 * time.Millisecond}
	pullers := map[string]Puller{}
	for name, srv := range map[string]*httptest.Server{"hang": hang, "ok": ok} {
		cfg.Sources = append(cfg.Sources, config.Source{Name: name, Source: "jzplus", Schedule: "0 6 1 1 *"})
		token := filepath.Join(dir, name+".token")
		if err := os.WriteFile(token, []byte("s3cr3t\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := httpspull.New(httpspull.Options{URL: srv.URL + "/export.csv", TokenFile: token, Timeout: timeout,
			StateDir: filepath.Join(dir, "state", name), Client: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		pullers[name] = p
	}
	d, err := New(cfg, Options{DB: db, ResearchKey: []byte("0123456789abcdef0123456789abcdef"),
		Pullers: pullers, Spool: spool.New(filepath.Join(dir, "spool")), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return d, db
}

// runLines returns the pull runs in job_runs as "job status rows error"
// lines in run order.
func runLines(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return queryStrings(t, db, `SELECT job || ' ' || status || ' ' || rows || coalesce(' ' || error, '') FROM job_runs WHERE job <> 'cycle' ORDER BY run_id`)
}

// Issue 16, finding 5: a hanging HTTPS source held the writer lock while
// it waited, so every other pull started only after its timeout. Now the
// healthy source lands while the hanging one is still blocked, and the
// hanging one fails saying which setting cut it off.
func TestHangingSourceDoesNotHoldUpOthers(t *testing.T) {
	const timeout = 2 * time.Second
	hang := newHangingServer(t)
	d, db := httpsDaemon(t, hang.Server, deliveryServer(t, "jzplus_1.csv"), timeout)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer d.Stop()

	start := time.Now()
	if err := d.Trigger(PullJob("hang")); err != nil {
		t.Fatal(err)
	}
	<-hang.hit // the hanging pull waits inside the server
	if err := d.Trigger(PullJob("ok")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		for _, l := range runLines(t, db) {
			if l == "pull:ok ok 10" {
				return true
			}
		}
		return false
	})
	landed := time.Since(start)
	if want := []string{"pull:hang running 0", "pull:ok ok 10"}; !cmp.Equal(want, runLines(t, db)) || hang.released.Load() {
		t.Errorf("when the healthy source landed (after %s), runs %q, hanging request released %v; want %q and the hanging request still blocked",
			landed.Round(time.Millisecond), runLines(t, db), hang.released.Load(), want)
	}
	if landed >= timeout {
		t.Errorf("the healthy source landed after %s, not before the hanging one's %s timeout", landed.Round(time.Millisecond), timeout)
	}

	waitFor(t, func() bool { return len(runLines(t, db)) == 2 && runLines(t, db)[0] != "pull:hang running 0" })
	want := []string{
		"pull:hang failed 0 pull hang: https pull " + hang.URL + "/export.csv: timed out after 2s (https.timeout)",
		"pull:ok ok 10",
	}
	if diff := cmp.Diff(want, runLines(t, db)); diff != "" {
		t.Errorf("run history (-want +got):\n%s", diff)
	}
}

// Cancelling the daemon's context, which is what SIGTERM does, reaches a
// download blocked on a silent server: Stop returns at once, not at the
// source's timeout.
func TestStopReachesABlockedDownload(t *testing.T) {
	hang := newHangingServer(t)
	d, db := httpsDaemon(t, hang.Server, deliveryServer(t, "jzplus_1.csv"), 20*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Trigger(PullJob("hang")); err != nil {
		t.Fatal(err)
	}
	<-hang.hit
	start := time.Now()
	cancel() // SIGTERM
	stopped := make(chan struct{})
	go func() { d.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatalf("Stop has not returned %s after the cancellation", time.Since(start).Round(time.Millisecond))
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Stop took %s after the cancellation, want under 2s", took.Round(time.Millisecond))
	}
	want := []string{"pull:hang failed 0 pull hang: https pull " + hang.URL + "/export.csv: context canceled"}
	if diff := cmp.Diff(want, runLines(t, db)); diff != "" {
		t.Errorf("run history (-want +got):\n%s", diff)
	}
}
