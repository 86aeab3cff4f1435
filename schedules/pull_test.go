package schedules

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/robfig/cron/v3"

	"github.com/zothuis/zothuis/ingest/spool"
)

// The reason recorded for a refusal is the refusal's, read from its type:
// not the error text of the layers above it with a prefix trimmed.
func TestRefusalReasonRecorded(t *testing.T) {
	f := newFixture(t)
	d := f.daemon(t)
	f.drop(t, "jzplus_missing_column.csv", "b_jzplus.csv")
	if _, err := d.Pull(context.Background(), "jzplus-a"); err != nil {
		t.Fatal(err)
	}
	var reason string
	if err := f.db.QueryRow(`SELECT reason FROM refusals WHERE file_name = 'b_jzplus.csv'`).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	rejected := filepath.Join(f.spool, "rejected", "jzplus-a")
	var reasonFile string
	filepath.WalkDir(rejected, func(p string, e os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".reason") {
			b, _ := os.ReadFile(p)
			for _, l := range strings.Split(string(b), "\n") {
				if r, ok := strings.CutPrefix(l, "reason: "); ok {
					reasonFile = r
				}
			}
		}
		return nil
	})
	want := "delivery refused: jzplus contract: missing columns: perspectief_wonen (want plaatsing_id,aanbieder,pseudonym,gemeente," +
		"machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen)"
	if diff := cmp.Diff([]string{want, want}, []string{reason, reasonFile}); diff != "" {
		t.Errorf("reason in refusals and in the .reason file (-want +got):\n%s", diff)
	}
}

// The skip guard decides a skip itself (no log text to listen to), and a
// run that panicked leaves it ready for the next run.
func TestSkipIfStillRunning(t *testing.T) {
	var skips, runs atomic.Int32
	gate := make(chan struct{})
	inside := make(chan struct{}, 1)
	var panicNext atomic.Bool
	job := cron.NewChain(
		skipIfStillRunning(func() { skips.Add(1) }),
		cron.Recover(cronLogger{log: slog.New(slog.DiscardHandler)}),
	).Then(cron.FuncJob(func() {
		runs.Add(1)
		if panicNext.Swap(false) {
			panic("job broke")
		}
		inside <- struct{}{}
		<-gate
	}))

	done := make(chan struct{})
	go func() { job.Run(); close(done) }()
	<-inside
	job.Run() // while the first run is under way: skipped
	job.Run()
	close(gate)
	<-done
	panicNext.Store(true)
	job.Run() // panics inside Recover
	gate = make(chan struct{})
	close(gate)
	go func() { <-inside }()
	job.Run() // runs: the panic did not leave the guard taken

	if diff := cmp.Diff([2]int32{3, 2}, [2]int32{runs.Load(), skips.Load()}); diff != "" {
		t.Errorf("[runs, skips] (-want +got):\n%s", diff)
	}
}

// A pull whose context has ended before it begins neither runs nor
// leaves a run in the history; one cancelled while waiting on the server
// is recorded as failed (TestStopReachesABlockedDownload).
func TestPullNotStartedAfterStop(t *testing.T) {
	f := newFixture(t)
	d := f.daemon(t)
	f.drop(t, "jzplus_1.csv", "a.csv")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.Pull(ctx, "jzplus-a"); err == nil {
		t.Fatal("a pull ran on a cancelled context")
	}
	if h := f.history(t); len(h) != 0 {
		t.Errorf("run history %q, want none", h)
	}
	incoming, _ := spool.New(f.spool).Incoming("jzplus-a")
	if got := files(t, incoming); len(got) != 0 {
		t.Errorf("incoming holds %v, want nothing pulled", got)
	}
}
