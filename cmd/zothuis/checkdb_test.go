package main

import (
	"context"
	dbsql "database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
)

// nobodyID is the unprivileged user check-config runs as in the tests
// when they run as root, for whom file modes stop nothing.
const nobodyID = 65534

// stateFixture writes a configuration with a working database at schema
// version v (0: none) into a folder user nobody may enter, and returns
// the configuration's path.
func stateFixture(t *testing.T, v int) string {
	t.Helper()
	root, err := os.MkdirTemp("", "zothuis-checkdb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	for _, d := range []string{"work", "keys", "inbox/jgz"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := pseudonymize.GenerateKey(filepath.Join(root, "keys", "research.key")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "zothuis.yaml")
	if err := os.WriteFile(cfg, []byte(`paths:
  database: work/zothuis.duckdb
  out: out
  spool: spool
research_key_file: keys/research.key
admin_listen: ""
sources:
  - source: jgz
    inbox: {dir: inbox/jgz}
`), 0o640); err != nil {
		t.Fatal(err)
	}
	if v > 0 {
		ms, err := zsql.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		db, err := dbsql.Open("duckdb", filepath.Join(root, "work", "zothuis.duckdb"))
		if err != nil {
			t.Fatal(err)
		}
		if err := zsql.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		if v > len(ms) {
			_, err = db.Exec(`INSERT INTO schema_migrations VALUES (?, 'future.sql', now())`, v)
		} else {
			_, err = db.Exec(`DELETE FROM schema_migrations WHERE version > ?`, v)
		}
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	// Everything belongs to nobody, the daemon's user here.
	if os.Geteuid() == 0 {
		filepath.Walk(root, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, nobodyID, nobodyID) })
		os.Chmod(root, 0o755)
	}
	return cfg
}

// checkConfigAs runs zothuis check-config as the daemon's user: nobody
// when the tests run as root.
func checkConfigAs(t *testing.T, cfg string) (int, string) {
	t.Helper()
	bin := binary(t)
	if os.Geteuid() == 0 {
		// The test binary's folder is root's alone: nobody runs a copy.
		b, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(filepath.Dir(cfg), "zothuis")
		if err := os.WriteFile(bin, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin, "check-config", "--config", cfg)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyID, Gid: nobodyID}}
	}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("check-config: %v\n%s", err, out)
	}
	return 0, string(out)
}

// TestCheckConfigState: check-config fails where the start would fail or
// restart-loop (issue 16, finding 9): a database of a newer schema, one
// the daemon's user cannot write.
func TestCheckConfigState(t *testing.T) {
	ms, err := zsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		version int
		// modes of the database file and its folder; 0 leaves them
		mode, dirMode os.FileMode
		code          int
		says          string
	}{
		{"current", len(ms), 0, 0, 0, ": OK:"},
		{"new", 0, 0, 0, 0, "does not exist yet"},
		{"older", len(ms) - 1, 0, 0, 0, "migrates it to"},
		{"newer", len(ms) + 1, 0, 0, 1, "a newer zothuis wrote it"},
		{"read-only file", len(ms), 0o440, 0, 1, "paths.database " + "%DB%" + " is not writable"},
		{"read-only folder", len(ms), 0, 0o550, 1, "the folder of paths.database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stateFixture(t, tc.version)
			db := filepath.Join(filepath.Dir(cfg), "work", "zothuis.duckdb")
			if tc.mode != 0 {
				os.Chmod(db, tc.mode)
			}
			if tc.dirMode != 0 {
				os.Chmod(filepath.Dir(db), tc.dirMode)
				t.Cleanup(func() { os.Chmod(filepath.Dir(db), 0o750) })
			}
			code, out := checkConfigAs(t, cfg)
			says := strings.ReplaceAll(tc.says, "%DB%", db)
			if code != tc.code || !strings.Contains(out, says) {
				t.Errorf("check-config: exit %d, want %d with %q:\n%s", code, tc.code, says, out)
			}
		})
	}
}

// TestCheckConfigSemantics: what package config no longer judges (it
// does not import ingest, pseudonymize or DuckDB) check-config and every
// command loading a configuration still refuse.
func TestCheckConfigSemantics(t *testing.T) {
	for _, tc := range []struct {
		name       string
		edit       func(t *testing.T, cfg string)
		code       int
		says       string
		alsoIngest bool // ingest --config refuses it too
	}{
		{"unknown source", func(t *testing.T, cfg string) { replaceIn(t, cfg, "source: jgz", "source: cjg") }, 1, `unknown source "cjg"`, true},
		{"short key", func(t *testing.T, cfg string) {
			os.WriteFile(filepath.Join(filepath.Dir(cfg), "keys", "research.key"), []byte("short\n"), 0o600)
		}, 1, "shorter than 32 bytes", false},
		{"unknown KPI target", func(t *testing.T, cfg string) { appendTo(t, cfg, "targets:\n  nope: 0.5\n") }, 1, "unknown KPIs [nope]", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := stateFixture(t, 0)
			if code, _, errs := zothuis(t, "check-config", "--config", cfg); code != 0 {
				t.Fatalf("the fixture fails check-config: %s", errs)
			}
			tc.edit(t, cfg)
			code, out, errs := zothuis(t, "check-config", "--config", cfg)
			if code != tc.code || !strings.Contains(errs, tc.says) {
				t.Errorf("check-config: exit %d, want %d with %q:\n%s%s", code, tc.code, tc.says, out, errs)
			}
			if tc.alsoIngest {
				code, _, errs := zothuis(t, "ingest", "--config", cfg, "--db", filepath.Join(t.TempDir(), "x.duckdb"),
					"--research-key-file", filepath.Join(filepath.Dir(cfg), "keys", "research.key"), "--source", "jgz", cfg)
				if code != 1 || !strings.Contains(errs, tc.says) {
					t.Errorf("ingest --config: exit %d: %s", code, errs)
				}
			}
		})
	}
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), old) {
		t.Fatalf("%s lacks %q (%v)", path, old, err)
	}
	os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o640)
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, append(b, s...), 0o640)
}
