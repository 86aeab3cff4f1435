package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	zsql "github.com/zothuis/zothuis/sql"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds zothuis once for the tests that need a real process:
// signals reach it, and it holds the database as the daemon does.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zothuis-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "zothuis")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// lockedBuffer collects a process's stderr while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type serveProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	log    *lockedBuffer
	base   string
	exited chan error
}

func startServe(t *testing.T, config, addr string) *serveProc {
	t.Helper()
	return startServeArgs(t, "http://"+addr, "serve", "--config", config, "--listen", addr)
}

// startServeArgs starts zothuis with args and waits until base answers
// /readyz.
func startServeArgs(t *testing.T, base string, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	p := &serveProc{t: t, cmd: cmd, log: &lockedBuffer{}, base: base, exited: make(chan error, 1)}
	cmd.Stderr = p.log
	cmd.Stdout = p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("serve log:\n%s", p.log.String())
		}
	})
	p.waitFor("ready", 60*time.Second, func() bool {
		code, _ := p.get("/readyz")
		return code == http.StatusOK
	})
	return p
}

func (p *serveProc) get(path string) (int, string) {
	resp, err := http.Get(p.base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *serveProc) waitFor(what string, timeout time.Duration, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		select {
		case err := <-p.exited:
			p.exited <- err
			p.t.Fatalf("serve exited (%v) while waiting for %s", err, what)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logCount counts the log lines holding every one of parts.
func (p *serveProc) logCount(parts ...string) int {
	n := 0
	for _, line := range strings.Split(p.log.String(), "\n") {
		all := true
		for _, s := range parts {
			all = all && strings.Contains(line, s)
		}
		if all {
			n++
		}
	}
	return n
}

// stop sends sig and returns the exit status.
func (p *serveProc) stop(sig os.Signal) int {
	p.t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case err := <-p.exited:
		p.exited <- err
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			p.t.Fatal(err)
		}
		return 0
	case <-time.After(2 * time.Minute):
		p.t.Fatal("serve did not exit")
		return -1
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// copyDemo copies the demo folder, so that a daemon may change it.
func copyDemo(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command("cp", "-a", demoDir(t), dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	return dst
}

// setSchedules rewrites the demo's configuration with test schedules.
func setSchedules(t *testing.T, dir, pull, settle, cycle string) string {
	t.Helper()
	path := filepath.Join(dir, demoConfigName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.NewReplacer(`schedule: "* * * * *"`, `schedule: "`+pull+`"`, "settle: 10s", "settle: "+settle,
		`schedule: "0 6 1 * *"`, `schedule: "`+cycle+`"`).Replace(string(b))
	out := filepath.Join(dir, "test-"+strings.NewReplacer(" ", "", "*", "x", "/", "_").Replace(cycle)+".yaml")
	if err := os.WriteFile(out, []byte(s), 0o640); err != nil {
		t.Fatal(err)
	}
	return out
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// TestServe runs the daemon on the demo's own configuration with
// seconds-fast schedules: deliveries dropped into the inboxes land or are
// rejected, cycles publish, an overlapping trigger is skipped and
// recorded, a cycle killed with SIGKILL is caught up at the next start,
// and SIGTERM during a cycle lets it finish and exits 0.
func TestServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon several times")
	}
	dir := copyDemo(t)
	addr := freeAddr(t)

	// 1. Landing: monthly cycle (done by the demo), pulls every second.
	monthly := setSchedules(t, dir, "* * * * * *", "1s", "0 6 1 * *")
	p := startServe(t, monthly, addr)
	if code, body := p.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := p.get("/metrics"); code != 200 || !strings.Contains(body, "# TYPE") {
		t.Errorf("/metrics = %d %.200q", code, body)
	}
	if p.logCount("catching up") != 0 {
		t.Error("caught up a cycle although the demo ran this month's")
	}
	delivered, _ := filepath.Glob(filepath.Join(dir, "deliveries", "jzplus", "*.csv"))
	if len(delivered) == 0 {
		t.Fatal("the demo left no jzplus deliveries")
	}
	b, err := os.ReadFile(delivered[len(delivered)-1])
	if err != nil {
		t.Fatal(err)
	}
	// A new delivery: the last one without its last row (new bytes).
	lines := strings.SplitAfter(strings.TrimRight(string(b), "\r\n"), "\n")
	part := filepath.Join(dir, "inbox", "jzplus", "z-correction.csv.part")
	if err := os.WriteFile(part, []byte(strings.Join(lines[:len(lines)-1], "")), 0o640); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // two pulls pass by the .part file
	if !exists(part) {
		t.Fatal("a .part file was taken from the inbox")
	}
	os.Rename(part, strings.TrimSuffix(part, ".part"))
	bad := filepath.Join(dir, "inbox", "jgz", "bad.csv")
	os.WriteFile(bad, []byte("pseudonym;bsn\nabc;123\n"), 0o640)
	p.waitFor("the delivery to land and the bad one to be rejected", 60*time.Second, func() bool {
		landed, _ := filepath.Glob(filepath.Join(dir, "spool", "archive", "jzplus", "*", "*", "z-correction*.csv"))
		reason, _ := filepath.Glob(filepath.Join(dir, "spool", "rejected", "jgz", "bad*.reason"))
		return len(landed) == 1 && len(reason) == 1
	})
	if exists(bad) || exists(strings.TrimSuffix(part, ".part")) {
		t.Error("files remain in the inbox")
	}
	// Nothing outside the dashboard is served.
	for _, path := range []string{"/../keys/research.key", "/%2e%2e/keys/research.key", "/..%2fkeys%2fresearch.key", "/../zothuis.yaml", "/assets/"} {
		req, _ := http.NewRequest("GET", p.base+path, nil)
		req.URL.Opaque = path // sent as written, not cleaned by the client
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 || strings.Contains(string(body), "research") && strings.Contains(string(body), "key") {
			t.Errorf("GET %s = %d: served something outside the dashboard", path, resp.StatusCode)
		}
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM while idle: exit %d", code)
	}

	// 2. Cycles every second: a trigger that comes while one runs is
	// skipped; SIGKILL during a cycle.
	snapshotFile := filepath.Join(dir, "research", "zothuis.duckdb")
	before, _ := os.Stat(snapshotFile)
	fast := setSchedules(t, dir, "0 6 1 1 *", "1s", "* * * * * *")
	p = startServe(t, fast, addr)
	p.waitFor("a skipped cycle trigger", 60*time.Second, func() bool { return p.logCount("trigger skipped", "job=cycle") > 0 })
	p.waitFor("a cycle to finish", 60*time.Second, func() bool { return p.logCount("job done", "job=cycle") > 0 })
	after, err := os.Stat(snapshotFile)
	if err != nil || !after.ModTime().After(before.ModTime()) {
		t.Errorf("the cycle did not publish a new snapshot (%v)", err)
	}
	started := p.logCount("job started", "job=cycle")
	p.waitFor("the next cycle to start", 60*time.Second, func() bool { return p.logCount("job started", "job=cycle") > started })
	if code := p.stop(syscall.SIGKILL); code != -1 && code != 137 {
		t.Logf("SIGKILL exit %d", code)
	}

	// 3. Restart with the monthly schedule: the killed cycle is caught
	// up; SIGTERM during it lets it finish, then exit 0.
	p = startServe(t, monthly, addr)
	p.waitFor("the catch-up cycle to start", 60*time.Second, func() bool {
		return p.logCount("catching up") > 0 && p.logCount("job started", "job=cycle") > 0
	})
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM during a cycle: exit %d", code)
	}
	if p.logCount("job done", "job=cycle") != 1 {
		t.Errorf("the cycle under way at SIGTERM did not finish")
	}

	// The run history in the working database, which the daemon closed.
	db, err := zsql.Open(context.Background(), filepath.Join(dir, "work", "zothuis.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string, args ...any) int {
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	checks := []struct {
		what string
		q    string
		min  int
	}{
		{"skipped cycle triggers", `SELECT count(*) FROM job_runs WHERE job = 'cycle' AND status = 'skipped'`, 1},
		{"cycles cut off by SIGKILL", `SELECT count(*) FROM job_runs WHERE job = 'cycle' AND status = 'failed' AND error LIKE 'interrupted%'`, 1},
		{"running rows left", `SELECT count(*) FROM job_runs WHERE status = 'running'`, 0},
		{"the landed delivery", `SELECT count(*) FROM deliveries WHERE file_name = 'z-correction.csv'`, 1},
		{"the refused file", `SELECT count(*) FROM refusals WHERE file_name = 'bad.csv' AND source = 'jgz'`, 1},
	}
	for _, c := range checks {
		n := count(c.q)
		if (c.min == 0 && n != 0) || n < c.min {
			t.Errorf("%s: %d", c.what, n)
		}
	}
	var lastStatus string
	db.QueryRow(`SELECT status FROM job_runs WHERE job = 'cycle' AND status <> 'skipped' ORDER BY run_id DESC LIMIT 1`).Scan(&lastStatus)
	if lastStatus != "ok" {
		t.Errorf("last cycle: %q, want ok", lastStatus)
	}
}

// TestServeDemoConfigAsIs runs the daemon on the configuration the demo
// wrote, unchanged, and reads /healthz, /metrics and the dashboard.
func TestServeDemoConfigAsIs(t *testing.T) {
	dir := copyDemo(t)
	config := filepath.Join(dir, demoConfigName)
	// The demo's configuration listens on 127.0.0.1:9617; only when that
	// port is taken on this machine does the test move.
	addr := "127.0.0.1:9617"
	if ln, err := net.Listen("tcp", addr); err != nil {
		t.Logf("%s is taken (%v); listening elsewhere", addr, err)
		addr = freeAddr(t)
	} else {
		ln.Close()
	}
	var p *serveProc
	if addr == "127.0.0.1:9617" {
		p = startServeArgs(t, "http://"+addr, "serve", "--config", config)
	} else {
		p = startServe(t, config, addr)
	}
	if code, body := p.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	// The demo's 6,000 youths give some 25 placements in all in a
	// window: their count is published, a share with fewer than 10 on
	// either side is not (SPEC §2).
	if code, body := p.get("/metrics"); code != 200 || !strings.Contains(body, `zothuis_kpi_figure{area="all",area_type="total",kpi="placements"}`) {
		t.Errorf("/metrics = %d, lacks the published placements of all:\n%.500s", code, body)
	}
	for _, path := range []string{"/", "/2026-10/", "/assets/echarts.min.js"} {
		if code, body := p.get(path); code != 200 || len(body) < 1000 {
			t.Errorf("GET %s = %d (%d bytes)", path, code, len(body))
		}
	}
	if code, _ := p.get("/2026-10"); code != 200 { // redirected to the folder
		t.Errorf("GET /2026-10 = %d", code)
	}
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("SIGTERM: exit %d", code)
	}
}
