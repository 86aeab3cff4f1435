package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/schedules"
)

// TestAdminListenMustBeLoopback: whoever reaches admin_listen may trigger
// jobs, so the configuration check refuses any address but loopback.
func TestAdminListenMustBeLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"", true}, // turned off
		{"127.0.0.1:9618", true},
		{"127.0.0.2:9618", true},
		{"[::1]:9618", true},
		{"localhost:9618", true},
		{"0.0.0.0:9618", false},
		{"[::]:9618", false},
		{":9618", false}, // every interface
		{"192.0.2.1:9618", false},
		{"zothuis.example:9618", false},
		{"127.0.0.1", false},      // no port
		{"127.0.0.1:9617", false}, // the same as listen
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			_, err := config.Parse(strings.NewReader("admin_listen: \"" + tt.addr + "\"\n"))
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && (!errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), "admin_listen")) {
				t.Errorf("accepted, or refused for another reason: %v", err)
			}
		})
	}
	// check-config says so and fails.
	path := filepath.Join(t.TempDir(), "zothuis.yaml")
	if err := os.WriteFile(path, []byte("admin_listen: 0.0.0.0:9618\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"check-config", "--config", path}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "admin_listen") {
		t.Errorf("check-config with admin_listen 0.0.0.0: exit %d\n%s", code, stderr.String())
	}
}

// TestAdminRefusesStrangers: a request from another host, one whose Host
// header is a DNS name (rebinding) and a browser's cross-origin post are
// refused before any endpoint; a loopback request reaches them (503: no
// daemon is set here).
func TestAdminRefusesStrangers(t *testing.T) {
	h := newAdminHandler(slog.New(slog.DiscardHandler))
	tests := []struct {
		name, method, remote, host string
		header                     map[string]string
		want                       int
	}{
		{"loopback", "GET", "127.0.0.1:5000", "127.0.0.1:9618", nil, http.StatusServiceUnavailable},
		{"localhost", "GET", "127.0.0.1:5000", "localhost:9618", nil, http.StatusServiceUnavailable},
		{"IPv6 loopback", "POST", "[::1]:5000", "[::1]:9618", nil, http.StatusServiceUnavailable},
		{"another host", "GET", "192.0.2.7:5000", "127.0.0.1:9618", nil, http.StatusForbidden},
		{"rebound DNS name", "GET", "127.0.0.1:5000", "attacker.example:9618", nil, http.StatusForbidden},
		{"rebound DNS name, no port", "GET", "127.0.0.1:5000", "attacker.example", nil, http.StatusForbidden},
		{"all interfaces", "GET", "127.0.0.1:5000", "0.0.0.0:9618", nil, http.StatusForbidden},
		{"cross-origin post", "POST", "127.0.0.1:5000", "127.0.0.1:9618",
			map[string]string{"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := adminStatusPath
			if tt.method == http.MethodPost {
				path = adminJobRunPath(schedules.CycleJob)
			}
			r := httptest.NewRequest(tt.method, path, nil)
			r.RemoteAddr, r.Host = tt.remote, tt.host
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("%s %s from %s, Host %s: %d, want %d: %s", tt.method, path, tt.remote, tt.host, w.Code, tt.want, w.Body)
			}
		})
	}
}

// TestAdminClientNoDaemon: with nothing on admin_listen the client's
// error says so by its type, trigger exits 1 saying no daemon runs, and
// admin_listen "" is its own error.
func TestAdminClientNoDaemon(t *testing.T) {
	cfg := config.Default()
	cfg.AdminListen = freeAddr(t) // closed again: nothing listens
	_, err := adminPost(context.Background(), cfg, adminBackupPath)
	var nd *noDaemonError
	if !errors.As(err, &nd) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("adminPost with nothing listening: %v (%T), want a *noDaemonError", err, err)
	}
	cfg.AdminListen = ""
	if _, err := adminGet(context.Background(), cfg, adminStatusPath); !errors.Is(err, errAdminOff) {
		t.Errorf("adminGet with admin_listen off: %v, want errAdminOff", err)
	}
}

// adminConfig writes a configuration of the demo folder dir with the
// pulls and the cycle scheduled far away (they run when triggered) and
// the administration on adminAddr.
func adminConfig(t *testing.T, dir, adminAddr string) string {
	t.Helper()
	path := setSchedules(t, dir, "0 6 1 1 *", "1s", "0 6 1 1 *")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("admin_listen: \"" + adminAddr + "\"\n"); err != nil {
		t.Fatal(err)
	}
	return path
}

// zothuisCmd runs a command in this process and returns its exit status
// and output.
func zothuisCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// daemonStatus runs zothuis status --format json.
func daemonStatus(t *testing.T, cfg string) schedules.Status {
	t.Helper()
	code, out, errOut := zothuisCmd("status", "--config", cfg, "--format", "json")
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errOut)
	}
	var st schedules.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	return st
}

func jobOf(t *testing.T, st schedules.Status, name string) schedules.JobStatus {
	t.Helper()
	for _, j := range st.Jobs {
		if j.Name == name {
			return j
		}
	}
	t.Fatalf("status lists no job %s", name)
	return schedules.JobStatus{}
}

// TestStatusAndTriggerWithADaemon runs the daemon on the demo folder: a
// cycle triggered through the CLI shows as running in zothuis status
// while it runs, a second trigger is refused, a triggered pull lands in
// job_runs, a DNS-rebound request is refused; with the daemon stopped,
// status reads the file and trigger says no daemon runs.
func TestStatusAndTriggerWithADaemon(t *testing.T) {
	dir := copyDemo(t)
	addr, adminAddr := freeAddr(t), freeAddr(t)
	cfg := adminConfig(t, dir, adminAddr)
	p := startServe(t, cfg, addr)

	st := daemonStatus(t, cfg)
	var names []string
	for _, j := range st.Jobs {
		names = append(names, j.Name)
	}
	if diff := cmp.Diff([]string{"pull:jgz", "pull:verzuim", "pull:toegang", "pull:jzplus", "cycle"}, names); diff != "" {
		t.Errorf("jobs (-want +got):\n%s", diff)
	}
	if !st.Daemon || len(st.Sources) != 4 || st.Database.SchemaVersion == 0 {
		t.Errorf("status from the daemon: daemon %v, %d sources, schema version %d", st.Daemon, len(st.Sources), st.Database.SchemaVersion)
	}
	before := jobOf(t, st, "cycle").LastRun

	// A cycle triggered now shows as running while it runs.
	if code, out, errOut := zothuisCmd("trigger", "--config", cfg, "cycle"); code != 0 || !strings.Contains(out, "cycle triggered") {
		t.Fatalf("trigger cycle: exit %d\n%s%s", code, out, errOut)
	}
	p.waitFor("status to show the cycle running", 30*time.Second, func() bool {
		j := jobOf(t, daemonStatus(t, cfg), "cycle")
		return j.Running && j.LastRun != nil && j.LastRun.Status == schedules.StatusRunning
	})
	// The demo's cycle takes seconds: a second trigger comes while it runs.
	if code, _, errOut := zothuisCmd("trigger", "--config", cfg, "cycle"); code != 1 || !strings.Contains(errOut, "409") || !strings.Contains(errOut, "running") {
		t.Errorf("trigger of a running cycle: exit %d: %s", code, errOut)
	}
	// A pull, named by its source: it waits for the cycle, then runs.
	if code, out, errOut := zothuisCmd("trigger", "--config", cfg, "jzplus"); code != 0 || !strings.Contains(out, "pull:jzplus triggered") {
		t.Errorf("trigger jzplus: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := zothuisCmd("trigger", "--config", cfg, "nope"); code != 1 || !strings.Contains(errOut, "404") || !strings.Contains(errOut, "pull:jgz") {
		t.Errorf("trigger of an unknown job: exit %d: %s", code, errOut)
	}
	p.waitFor("the cycle and the pull to end", 60*time.Second, func() bool {
		st := daemonStatus(t, cfg)
		c, j := jobOf(t, st, "cycle"), jobOf(t, st, "pull:jzplus")
		return !c.Running && c.LastRun.Status == schedules.StatusOK && !j.Running && j.LastRun != nil && j.LastRun.Status == schedules.StatusOK
	})
	if after := jobOf(t, daemonStatus(t, cfg), "cycle").LastRun; before != nil && after.ID <= before.ID {
		t.Errorf("the cycle's last run is still run %d", after.ID)
	}

	// A request naming another host (DNS rebinding) is refused.
	req, _ := http.NewRequest(http.MethodGet, "http://"+adminAddr+adminStatusPath, nil)
	req.Host = "attacker.example:" + strings.Split(adminAddr, ":")[1]
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status with Host %s: %d, want 403", req.Host, resp.StatusCode)
	}

	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("SIGTERM: exit %d", code)
	}
	// Stopped: status reads the file, trigger says no daemon runs.
	st = daemonStatus(t, cfg)
	if j := jobOf(t, st, "pull:jzplus"); st.Daemon || j.LastRun == nil || j.LastRun.Status != schedules.StatusOK {
		t.Errorf("status from the file: daemon %v, pull:jzplus last run %+v", st.Daemon, j.LastRun)
	}
	code, out, _ := zothuisCmd("status", "--config", cfg)
	if code != 0 || !strings.Contains(out, "not running") || !strings.Contains(out, "pull:jzplus") {
		t.Errorf("status table with the daemon stopped: exit %d\n%s", code, out)
	}
	if code, _, errOut := zothuisCmd("trigger", "--config", cfg, "cycle"); code != 1 || !strings.Contains(errOut, "no daemon answers") {
		t.Errorf("trigger with the daemon stopped: exit %d: %s", code, errOut)
	}
}
