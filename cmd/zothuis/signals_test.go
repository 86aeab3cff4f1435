package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/pseudonymize"
	"github.com/zothuis/zothuis/schedules"
)

// reloadConfig is a small configuration of its own for the reload tests:
// no demo needed, an empty database, inbox sources only.
type reloadConfig struct {
	listen   string
	key      string // research_key_file
	jgzStale string // stale_after of the jgz source
	jzplus   bool   // with a jzplus source pulled every second
	extra    string // appended as is, to break the file
}

func (c reloadConfig) write(t *testing.T, path string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "paths:\n  database: work/zothuis.duckdb\n  out: out\n  spool: spool\n")
	fmt.Fprintf(&b, "research_key_file: %s\nlisten: %s\n", c.key, c.listen)
	fmt.Fprintf(&b, "cycle:\n  schedule: \"0 6 1 * *\"\nsources:\n")
	fmt.Fprintf(&b, "  - source: jgz\n    stale_after: %s\n    inbox:\n      dir: inbox/jgz\n", c.jgzStale)
	if c.jzplus {
		fmt.Fprintf(&b, "  - source: jzplus\n    schedule: \"@every 1s\"\n    inbox:\n      dir: inbox/jzplus\n")
	}
	b.WriteString(c.extra)
	if err := os.WriteFile(path, []byte(b.String()), 0o640); err != nil {
		t.Fatal(err)
	}
}

// jsonLogs returns the log records of p (run with --log-format json)
// whose msg starts with prefix.
func (p *serveProc) jsonLogs(prefix string) []map[string]any {
	p.t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(p.log.String(), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			p.t.Fatalf("log line is not JSON: %q", line)
		}
		if msg, _ := rec["msg"].(string); strings.HasPrefix(msg, prefix) {
			recs = append(recs, rec)
		}
	}
	return recs
}

// hangup sends SIGHUP and waits for the reload to end: one more log
// record starting with done (or with refused).
func (p *serveProc) hangup(done string) map[string]any {
	p.t.Helper()
	before := len(p.jsonLogs(done))
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		p.t.Fatal(err)
	}
	p.waitFor("the reload to end: "+done, 30*time.Second, func() bool { return len(p.jsonLogs(done)) > before })
	return p.jsonLogs(done)[before]
}

// TestServeReloadsOnSIGHUP runs the daemon, changes its configuration and
// sends SIGHUP: it keeps serving, under the new configuration (schedules
// and metrics), and says that the listen address waits for a restart.
// A broken file, a missing or short research key, a research key other
// than the database's: each is refused at ERROR, and the daemon keeps the
// configuration it runs. SIGTERM then ends it with status 0.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon")
	}
	dir := t.TempDir()
	for _, d := range []string{"work", "inbox/jgz", "inbox/jzplus"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"research.key", "other.key"} {
		if err := pseudonymize.GenerateKey(filepath.Join(dir, k)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "short.key"), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// One delivery lands first, so the database records the research
	// key's fingerprint.
	good, _ := filepath.Abs("../../ingest/testdata/jzplus_2.csv")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"ingest", "--db", filepath.Join(dir, "work", "zothuis.duckdb"),
		"--research-key-file", filepath.Join(dir, "research.key"), "--source", "jzplus", good}, &out, &out); code != 0 {
		t.Fatalf("ingest: exit %d\n%s", code, out.String())
	}

	addr := freeAddr(t)
	cfgPath := filepath.Join(dir, "zothuis.yaml")
	base := reloadConfig{listen: addr, key: "research.key", jgzStale: "100h"}
	base.write(t, cfgPath)
	p := startServeArgs(t, "http://"+addr, "--log-format", "json", "serve", "--config", cfgPath)
	// Only a configured source has a stale_after; the other series of a
	// source follow its kind, configured or not.
	staleLine := func(source, value string) string {
		return fmt.Sprintf("zothuis_source_stale_after_seconds{source=%q} %s", source, value)
	}
	metrics := func() string {
		t.Helper()
		code, body := p.get("/metrics")
		if code != 200 {
			t.Fatalf("/metrics = %d %.200q", code, body)
		}
		return body
	}
	if m := metrics(); !strings.Contains(m, staleLine("jgz", "360000\n")) || strings.Contains(m, staleLine("jzplus", "")) {
		t.Fatalf("metrics before the reload do not follow the configuration:\n%s", m)
	}

	// A sound change: a longer stale_after, a source more, and another
	// listen address, which cannot change while serving.
	changed := base
	changed.jgzStale, changed.jzplus, changed.listen = "200h", true, freeAddr(t)
	changed.write(t, cfgPath)
	rec := p.hangup("configuration reloaded")
	// listen is not among them: it keeps its running value.
	if diff := cmp.Diff([]any{"sources"}, rec["changed"]); diff != "" {
		t.Errorf("reload log: changed keys (-want +got):\n%s", diff)
	}
	if n := len(p.jsonLogs("reload: listen cannot change while serving")); n != 1 {
		t.Errorf("%d log records say the listen address waits for a restart, want 1", n)
	}
	m := metrics() // still on the first address
	if !strings.Contains(m, staleLine("jgz", "720000\n")) || !strings.Contains(m, staleLine("jzplus", "")) {
		t.Errorf("metrics after the reload do not follow the new configuration:\n%s", m)
	}
	pulled := func() int {
		n := 0
		for _, r := range p.jsonLogs("job started") {
			if r["job"] == schedules.PullJob("jzplus") {
				n++
			}
		}
		return n
	}
	p.waitFor("the new source's schedule to run", 30*time.Second, func() bool { return pulled() > 0 })

	// Each refused reload keeps the configuration that runs.
	tests := []struct {
		name    string
		config  reloadConfig
		wantErr string
	}{
		{"unknown key", func() reloadConfig { c := changed; c.extra = "retries: 3\n"; return c }(), "retries"},
		{"not YAML", func() reloadConfig { c := changed; c.extra = "sources: [\n"; return c }(), "yaml"},
		{"missing research key", func() reloadConfig { c := changed; c.key = "gone.key"; return c }(), "gone.key"},
		{"short research key", func() reloadConfig { c := changed; c.key = "short.key"; return c }(), "shorter than 32 bytes"},
		{"other research key", func() reloadConfig { c := changed; c.key = "other.key"; c.jgzStale = "300h"; return c }(), "research key mismatch"},
		{"bad schedule", func() reloadConfig {
			c := changed
			c.extra = "  - name: jgz-2\n    source: jgz\n    schedule: \"30 2 * * *\"\n    inbox:\n      dir: inbox/jgz\n"
			return c
		}(), "between 02:00 and 03:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.config.write(t, cfgPath)
			rec := p.hangup("reload refused")
			if rec["level"] != "ERROR" {
				t.Errorf("refusal logged at %v, want ERROR", rec["level"])
			}
			if msg, _ := rec["err"].(string); !strings.Contains(msg, tt.wantErr) {
				t.Errorf("refusal %q does not say %q", msg, tt.wantErr)
			}
			if code, _ := p.get("/readyz"); code != 200 {
				t.Errorf("/readyz = %d after a refused reload", code)
			}
			if m := metrics(); !strings.Contains(m, staleLine("jgz", "720000\n")) {
				t.Errorf("a refused reload changed the running configuration:\n%s", m)
			}
			before := pulled()
			p.waitFor("the running schedules to go on", 30*time.Second, func() bool { return pulled() > before })
		})
	}

	if n := len(p.jsonLogs("configuration reloaded")); n != 1 {
		t.Errorf("%d reloads logged, want 1", n)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d", code)
	}
	if n := len(p.jsonLogs("stopped")); n != 1 {
		t.Errorf("%d log records say stopped, want 1", n)
	}
}

// TestHangupStopsOneShotCommands sends the test process SIGHUP while
// stopOnHangup listens: the context a one-shot command runs with ends,
// and the process lives on (the default action would have killed it).
func TestHangupStopsOneShotCommands(t *testing.T) {
	ctx, stop := stopOnHangup(context.Background())
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGHUP did not end the command's context")
	}
}

// TestHangupStopsRun runs a one-shot cycle whose HTTPS source hangs and
// hangs up on it: run stops as on SIGINT, through its error path (exit
// status 1, the database closed), instead of being killed by the signal.
func TestHangupStopsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	asked := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "work"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := pseudonymize.GenerateKey(filepath.Join(dir, "research.key")); err != nil {
		t.Fatal(err)
	}
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	for name, b := range map[string][]byte{"ca.pem": ca, "token": []byte("secret\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "zothuis.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`paths: {database: work/zothuis.duckdb, out: out, spool: spool}
research_key_file: research.key
sources:
  - name: hanging
    source: verzuim
    https: {url: %q, token_file: token, ca_file: ca.pem, timeout: 10m}
`, srv.URL+"/verzuim.csv")), 0o640); err != nil {
		t.Fatal(err)
	}

	var stderr lockedBuffer
	cmd := exec.Command(binary(t), "run", "--config", cfg)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-asked:
	case err := <-exited:
		t.Fatalf("run exited (%v) before its pull hung:\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("run did not pull:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("run did not stop on SIGHUP:\n%s", stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("run ended with %v after SIGHUP, want exit status 1 (a stop, not death by the signal)\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "zothuis run: ") {
		t.Errorf("run said nothing of why it stopped:\n%s", stderr.String())
	}
}
