package systemd_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const unit = "zothuis.service"

// systemdAnalyze finds systemd-analyze: the test may skip without it on a
// developer's machine, never in CI.
func systemdAnalyze(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("systemd-analyze not found; CI must run this test (Debian package systemd)")
		}
		t.Skip("systemd-analyze not found; apt-get install systemd")
	}
	return bin
}

// installable copies the unit into a temporary folder with the binary's
// path replaced by one that exists, as verify checks that ExecStart and
// the other commands are executable.
func installable(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), unit)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/zothuis", self)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestVerify runs systemd-analyze verify: it exits 0 on a unit with
// unknown keys or bad values, only warning, so any line about the unit
// fails the test.
func TestVerify(t *testing.T) {
	bin := systemdAnalyze(t)
	path := installable(t)
	out, err := exec.Command(bin, "verify", "--man=no", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, unit) {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
}

// TestSecurityExposure holds the unit's exposure level, as systemd-analyze
// security rates it, at 2.5 or less (1.7 with systemd 252): a hardening
// line lost raises it. The rating differs a little between systemd
// versions, hence the margin.
func TestSecurityExposure(t *testing.T) {
	bin := systemdAnalyze(t)
	path := installable(t)
	out, err := exec.Command(bin, "security", "--offline=yes", "--threshold=25", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
}

// TestDirectives checks the directives operations rely on: reload by
// SIGHUP, and the hardening every service of this kind should have.
func TestDirectives(t *testing.T) {
	f, err := os.Open(unit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			got[k] = append(got[k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ExecReload":              "/bin/kill -HUP $MAINPID",
		"KillSignal":              "SIGTERM",
		"SystemCallFilter":        "@system-service",
		"SystemCallErrorNumber":   "EPERM",
		"SystemCallArchitectures": "native",
		"ProtectClock":            "yes",
		"ProtectKernelLogs":       "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectControlGroups":    "yes",
		"ProtectHostname":         "yes",
		"RestrictSUIDSGID":        "yes",
		"RestrictRealtime":        "yes",
		"RestrictNamespaces":      "yes",
		"ProtectProc":             "invisible",
		"ProcSubset":              "pid",
		"RemoveIPC":               "yes",
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"CapabilityBoundingSet":   "",
	}
	for k, v := range want {
		if vs := got[k]; len(vs) != 1 || vs[0] != v {
			t.Errorf("%s = %q, want once %q", k, vs, v)
		}
	}
}
