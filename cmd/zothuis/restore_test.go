package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/pseudonymize"
)

// withAdmin gives the configuration at path its own administration
// address, so that daemons of parallel tests do not meet.
func withAdmin(t *testing.T, path, addr string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := regexp.MustCompile(`(?m)^admin_listen:.*\n`).ReplaceAllString(string(b), "")
	if err := os.WriteFile(path, []byte(s+"admin_listen: "+addr+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestSnapshotIsNoWorkingDatabase: the snapshot copied in as the working
// database (the obvious restore, which crashed DuckDB) is refused with a
// pointer to zothuis restore.
func TestSnapshotIsNoWorkingDatabase(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(demoDir(t), "research", "zothuis.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "zothuis.duckdb")
	if err := os.WriteFile(work, b, 0o640); err != nil {
		t.Fatal(err)
	}
	code, _, errs := zothuis(t, "ingest", "--db", work, "--research-key-file", filepath.Join(demoDir(t), "keys", "research.key"),
		"--source", "jgz", filepath.Join(demoDir(t), "deliveries", "jgz", "jgz_2026-Q3.csv"))
	if code != 1 || !strings.Contains(errs, "research snapshot") || !strings.Contains(errs, "zothuis restore") {
		t.Errorf("ingest into a snapshot: exit %d: %s", code, errs)
	}
}

// zothuis runs the command line in-process and returns its exit status
// and output.
func zothuis(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestRestoreThenServe is issue 16's restore drill: a working database
// restored from a backup, and one restored from the research snapshot,
// each followed by serve (with its catch-up cycle) and a new delivery.
// Copying the snapshot in as the working database crashed DuckDB.
func TestRestoreThenServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon")
	}
	for _, origin := range []string{"backup", "snapshot"} {
		t.Run(origin, func(t *testing.T) {
			dir := copyDemo(t)
			cfg := setSchedules(t, dir, "* * * * * *", "1s", "0 6 1 * *")
			withAdmin(t, cfg, freeAddr(t))
			work := filepath.Join(dir, "work", "zothuis.duckdb")
			kpiOf := func(db string) string {
				code, out, errs := zothuis(t, "kpi", "--db", db, "--month", "2026-10", "--raw", "--format", "json")
				if code != 0 {
					t.Fatalf("kpi on %s: exit %d: %s", db, code, errs)
				}
				return out
			}
			before := kpiOf(work)

			from := filepath.Join(dir, "research", "zothuis.duckdb")
			if origin == "backup" {
				code, out, errs := zothuis(t, "backup", "--config", cfg)
				if code != 0 {
					t.Fatalf("backup: exit %d: %s", code, errs)
				}
				from = strings.TrimSpace(strings.TrimPrefix(out, "backup written: "))
			}
			code, out, errs := zothuis(t, "restore", "--config", cfg, "--from", from)
			if code != 0 {
				t.Fatalf("restore: exit %d: %s", code, errs)
			}
			if !strings.Contains(out, "restored "+work+" from the "+origin) {
				t.Errorf("restore said %q", out)
			}
			if d := cmp.Diff(before, kpiOf(work)); d != "" {
				t.Errorf("KPIs of the restored database differ (-before +after):\n%s", d)
			}
			kept, _ := filepath.Glob(work + ".replaced-*")
			if len(kept) != 1 {
				t.Errorf("the replaced database is kept as %v, want one file", kept)
			}

			p := startServe(t, cfg, freeAddr(t))
			if code, _, errs := zothuis(t, "restore", "--config", cfg, "--from", from); code != 1 || !strings.Contains(errs, "is running") {
				t.Errorf("restore while the daemon runs: exit %d: %s", code, errs)
			}
			// A delivery not seen before: the last quarter less its last row.
			b, err := os.ReadFile(filepath.Join(dir, "deliveries", "jgz", "jgz_2026-Q4.csv"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(strings.TrimSuffix(string(b), "\n"), "\n")
			fresh := strings.Join(lines[:len(lines)-1], "")
			if err := os.WriteFile(filepath.Join(dir, "inbox", "jgz", "jgz_2026-Q4-restored.csv"), []byte(fresh), 0o640); err != nil {
				t.Fatal(err)
			}
			p.waitFor("the new delivery to land", 60*time.Second, func() bool {
				return p.logCount("delivery landed", "jgz_2026-Q4-restored.csv") == 1
			})
			if code := p.stop(syscall.SIGTERM); code != 0 {
				t.Fatalf("serve exited %d", code)
			}
			if n := p.logCount("level=ERROR"); n > 0 {
				t.Errorf("serve logged %d errors", n)
			}
			// The daemon accepts the restored file as its own on the next
			// start too, and its research key is now on record.
			code, _, errs = zothuis(t, "ingest", "--db", work, "--research-key-file", filepath.Join(dir, "keys", "research.key"),
				"--source", "jgz", filepath.Join(dir, "deliveries", "jgz", "jgz_2026-Q3.csv"))
			if code != 0 {
				t.Errorf("ingest after serve: exit %d: %s", code, errs)
			}
		})
	}
}

// TestRestoreRefusesAnotherKey: a restore under another research key
// than the file's research ids were made with is refused, from a backup
// (its fingerprint) and from a snapshot (snapshot_info), and the working
// database stays as it was.
func TestRestoreRefusesAnotherKey(t *testing.T) {
	dir := copyDemo(t)
	cfg := filepath.Join(dir, demoConfigName)
	withAdmin(t, cfg, freeAddr(t))
	code, out, errs := zothuis(t, "backup", "--config", cfg)
	if code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errs)
	}
	backup := strings.TrimSpace(strings.TrimPrefix(out, "backup written: "))
	key := filepath.Join(dir, "keys", "research.key")
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	if err := pseudonymize.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work", "zothuis.duckdb")
	before, err := os.ReadFile(work)
	if err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{backup, filepath.Join(dir, "research", "zothuis.duckdb")} {
		code, _, errs := zothuis(t, "restore", "--config", cfg, "--from", from)
		if code != 1 || !strings.Contains(errs, "research key") {
			t.Errorf("restore from %s under another key: exit %d: %s", filepath.Base(from), code, errs)
		}
	}
	after, err := os.ReadFile(work)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("a refused restore changed the working database (%v)", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "work", ".*restoring*")); len(left) > 0 {
		t.Errorf("a refused restore left %v", left)
	}
}
