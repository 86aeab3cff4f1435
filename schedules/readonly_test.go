//go:build unix

package schedules

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest/spool"
	zsql "github.com/zothuis/zothuis/sql"
)

// drillDirEnv names the folder the drill runs in when the test binary runs
// it as a child process.
const drillDirEnv = "ZOTHUIS_READONLY_DRILL_DIR"

// nobody is the unprivileged user the drill runs as when the tests run as
// root, for whom chmod does not stop writes.
const nobody = 65534

// TestReadOnlyDatabaseDrill is the operator's drill of issue 16 (finding
// 2): the working database made read-only while the daemon's jobs run
// (the file and its WAL 0440, the folder 0550), the jobs give up, the
// permissions come back.
//
// Before the fix, the daemon went on writing through the DuckDB instance
// whose commits had failed; the first commit after the permissions came
// back landed a job_runs row whose job name was the names of the failed
// runs run together (152 to 815 bytes here; 184 in the issue), not valid
// UTF-8 in memory, so the next scrape panicked in MustNewConstMetric. It
// takes what the issue saw: a WAL present at start, over a table with
// checkpointed rows. Now the first failed write stops every write: the
// daemon is not ready, its failures show in memory, nothing is written
// after the permissions come back, and the next process (what the
// supervisor starts when serve exits) opens the file cleanly.
//
// As root, chmod stops nothing, so the test binary runs the drill again
// as user nobody.
func TestReadOnlyDatabaseDrill(t *testing.T) {
	if dir := os.Getenv(drillDirEnv); dir != "" {
		readOnlyDrill(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("the drill takes seconds")
	}
	if os.Geteuid() != 0 {
		readOnlyDrill(t, t.TempDir())
		return
	}
	runDrillAsNobody(t)
}

// runDrillAsNobody runs this test binary's drill as user nobody, in a
// folder nobody owns, and fails with its output when it fails.
func runDrillAsNobody(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The go tool's build folder is root's alone: nobody runs a copy.
	root, err := os.MkdirTemp("", "zothuis-drill-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	bin := filepath.Join(root, "schedules.test")
	if err := copyFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "drill")
	for _, step := range []error{os.Chmod(root, 0o755), os.Mkdir(dir, 0o750), os.Chown(dir, nobody, nobody)} {
		if step != nil {
			t.Fatal(step)
		}
	}
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyDatabaseDrill$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), drillDirEnv+"="+dir, "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, syscall.EPERM) {
		t.Skipf("cannot run the drill as user nobody: %v", err)
	}
	if err != nil {
		t.Fatalf("drill as user nobody: %v\n%s", err, out)
	}
	t.Logf("drill as user nobody:\n%s", out)
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// drillSources are the drill's channels, one per source kind.
var drillSources = []string{"jgz", "verzuim", "toegang", "jzplus"}

// drillConfig runs every job every second, with quick retries.
func drillConfig() *config.Config {
	cfg := config.Default()
	for _, n := range drillSources {
		cfg.Sources = append(cfg.Sources, config.Source{Name: n, Source: n, Schedule: "@every 1s"})
	}
	cfg.Cycle.Schedule = "@every 1s"
	cfg.Retry = config.Retry{Attempts: 2, Backoff: 50 * time.Millisecond, MaxBackoff: 100 * time.Millisecond}
	return cfg
}

func drillDaemon(t *testing.T, dir string, cfg *config.Config, db *sql.DB) *Daemon {
	t.Helper()
	pullers := map[string]Puller{}
	for _, n := range drillSources {
		from := filepath.Join(dir, "from", n)
		if err := os.MkdirAll(from, 0o750); err != nil {
			t.Fatal(err)
		}
		pullers[n] = &folderPuller{from: from, given: map[string]bool{}}
	}
	d, err := New(cfg, Options{DB: db, ResearchKey: []byte("0123456789abcdef0123456789abcdef"),
		Pullers: pullers, Spool: spool.New(filepath.Join(dir, "spool"))})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// jobNames returns the job column of job_runs, one per run.
func jobNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	return queryStrings(t, db, `SELECT job FROM job_runs ORDER BY run_id`)
}

// queryStrings returns the one text column of query q's rows, in order.
func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// strangers returns the job names that are not configured jobs, quoted
// and shortened.
func strangers(cfg *config.Config, names []string) []string {
	known := map[string]bool{CycleJob: true}
	for _, s := range cfg.Sources {
		known[PullJob(s.Name)] = true
	}
	var out []string
	for _, n := range names {
		if !known[n] {
			q := n
			if len(q) > 40 {
				q = q[:40] + "…"
			}
			if !utf8.ValidString(n) {
				q += " (not UTF-8)"
			}
			out = append(out, q)
		}
	}
	return out
}

// jobView is the part of a job's health the drill can predict.
type jobView struct {
	Ran, LastRunOK, Failing, Unrecorded bool
}

func viewJobs(h Health) map[string]jobView {
	out := map[string]jobView{}
	for _, j := range h.Jobs {
		out[j.Name] = jobView{Ran: j.Ran, LastRunOK: j.LastRunOK, Failing: j.ConsecutiveFailures > 0, Unrecorded: j.UnrecordedFailures > 0}
	}
	return out
}

func readOnlyDrill(t *testing.T, dir string) {
	ctx := context.Background()
	cfg := drillConfig()
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(work, "zothuis.duckdb")

	// A year of history, checkpointed.
	db, err := zsql.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO job_runs (job, started_at, ended_at, status)
		SELECT 'pull:' || (['jgz', 'verzuim', 'toegang', 'jzplus'])[1 + i % 4], now(), now(), 'ok' FROM range(300) t(i)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A daemon that ended without a checkpoint (killed, or a crash), so
	// that the next one starts with a WAL.
	db, err = zsql.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d := drillDaemon(t, dir, cfg, db)
	for _, n := range drillSources {
		if _, err := d.Pull(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec("PRAGMA disable_checkpoint_on_shutdown"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(path + ".wal"); err != nil {
		t.Fatalf("no WAL at start, the drill would not drill: %v", err)
	}

	// serve, with the database made read-only under it.
	db, err = zsql.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	before := jobNames(t, db)
	d = drillDaemon(t, dir, cfg, db)
	readOnly(t, work, path, true)
	defer readOnly(t, work, path, false)
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.DatabaseFailed():
	case <-time.After(20 * time.Second):
		d.Stop()
		t.Fatal("the daemon did not notice that the database cannot be written")
	}
	if err := d.Ready(); !errors.Is(err, ErrDatabaseUnwritable) {
		t.Errorf("Ready() = %v, want an error wrapping ErrDatabaseUnwritable", err)
	}
	// Every job has been tried (each runs every second) and failed, and
	// the memory says so though job_runs cannot.
	want := map[string]jobView{}
	for _, j := range append(jobNamesOf(cfg), CycleJob) {
		want[j] = jobView{Ran: true, Failing: true, Unrecorded: true}
	}
	waitFor(t, func() bool { return cmp.Equal(want, viewJobs(d.Health())) })

	// The permissions come back; the daemon still writes nothing.
	readOnly(t, work, path, false)
	time.Sleep(2500 * time.Millisecond) // every job is triggered twice more
	d.Stop()
	if err := d.Ready(); !errors.Is(err, ErrDatabaseUnwritable) {
		t.Errorf("after the permissions came back, Ready() = %v, want ErrDatabaseUnwritable until a new process", err)
	}
	if diff := cmp.Diff(before, jobNames(t, db)); diff != "" {
		t.Errorf("job_runs changed after the first failed write (-before +after):\n%s", diff)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// The next process: DuckDB recovers the file, and the jobs run again.
	db, err = zsql.Open(ctx, path)
	if err != nil {
		t.Fatalf("the next process cannot open the database: %v", err)
	}
	if s := strangers(cfg, jobNames(t, db)); len(s) > 0 {
		t.Errorf("job_runs holds job names no job has: %q", s)
	}
	d = drillDaemon(t, dir, cfg, db)
	if err := d.Ready(); err != nil {
		t.Errorf("a new daemon is not ready: %v", err)
	}
	if _, err := d.Pull(ctx, "jgz"); err != nil {
		t.Fatalf("pull after the restart: %v", err)
	}
	if s := strangers(cfg, jobNames(t, db)); len(s) > 0 {
		t.Errorf("job_runs holds job names no job has: %q", s)
	}
}

func jobNamesOf(cfg *config.Config) []string {
	var out []string
	for _, s := range cfg.Sources {
		out = append(out, PullJob(s.Name))
	}
	return out
}

// readOnly takes write permission away from the database file, its WAL and
// their folder, or gives it back.
func readOnly(t *testing.T, dir, path string, on bool) {
	t.Helper()
	file, folder := os.FileMode(0o640), os.FileMode(0o750)
	if on {
		file, folder = 0o440, 0o550
	}
	for _, p := range []string{path, path + ".wal"} {
		if err := os.Chmod(p, file); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, folder); err != nil {
		t.Fatal(err)
	}
	if on && os.Geteuid() == 0 {
		t.Fatal("as root, chmod does not stop writes; the drill runs as user nobody")
	}
	if on {
		// What the drill needs: no new file in the folder.
		if f, err := os.CreateTemp(dir, "probe"); err == nil {
			f.Close()
			os.Remove(f.Name())
			t.Fatal("the folder is still writable")
		}
	}
}
