package main

// Tests of the global command line: version, help and the log options.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestVersionOf(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"go install at a version", debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "v1.4.0"},
		{"module version wins over VCS", debug.BuildInfo{Main: debug.Module{Version: "v1.4.1-0.20261201120000-0123456789ab"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}}}, "v1.4.1-0.20261201120000-0123456789ab"},
		{"working tree, committed", debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}}, "devel-0123456789ab"},
		{"working tree, changed", debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}}}, "devel-0123456789ab-dirty"},
		{"-buildvcs=false", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "(devel)"},
		{"nothing", debug.BuildInfo{}, "(devel)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionOf(&tt.bi); got != tt.want {
				t.Errorf("versionOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	versionLine := fmt.Sprintf("zothuis version %s %s %s/%s\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	tests := []struct {
		name       string
		args       []string
		code       int
		wantOut    []string // each in stdout
		wantStderr string
	}{
		{"version", []string{"version"}, 0, []string{versionLine}, ""},
		{"--version", []string{"--version"}, 0, []string{versionLine}, ""},
		{"-version", []string{"-version"}, 0, []string{versionLine}, ""},
		{"version with log options", []string{"--log-format", "json", "version", "--log-level", "error"}, 0, []string{versionLine}, ""},
		{"version with arguments", []string{"version", "now"}, 2, nil, `unexpected arguments ["now"]`},
		{"help lists version and the global options", []string{"help"}, 0,
			[]string{"  version ", "--log-level LEVEL", "--log-format FORMAT", "--version", "SIGHUP"}, ""},
		{"--help", []string{"--help"}, 0, []string{"Commands:"}, ""},
		{"-h COMMAND", []string{"-h", "ingest"}, 0, []string{"usage: zothuis ingest", "-research-key-file", "-log-level"}, ""},
		{"help version", []string{"help", "version"}, 0, []string{"usage: zothuis version"}, ""},
		{"unknown global option", []string{"--verbose", "version"}, 2, nil, "zothuis: flag provided but not defined: -verbose"},
		{"bad log level", []string{"--log-level", "loud", "version"}, 2, nil, `invalid value "loud" for flag -log-level: want debug, info, warn or error`},
		{"bad log format among a command's flags", []string{"version", "--log-format", "xml"}, 2, nil, `invalid value "xml" for flag -log-format: want text or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout %q lacks %q", stdout.String(), want)
				}
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

var textRecord = regexp.MustCompile(`^time=\S+ level=([A-Z]+) msg=[a-z] k=1$`)

// TestLogOptions parses the log options as a command does, before the
// command or among its flags, and logs a record at every level.
func TestLogOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		json bool
		want []string // levels logged
	}{
		{"default", nil, false, []string{"INFO", "WARN", "ERROR"}},
		{"debug", []string{"--log-level", "debug"}, false, []string{"DEBUG", "INFO", "WARN", "ERROR"}},
		{"warn, upper case", []string{"-log-level=WARN"}, false, []string{"WARN", "ERROR"}},
		{"error, json", []string{"--log-level", "error", "--log-format", "json"}, true, []string{"ERROR"}},
		{"json", []string{"--log-format=json"}, true, []string{"INFO", "WARN", "ERROR"}},
		{"the last one counts", []string{"--log-format", "json", "--log-format", "text"}, false, []string{"INFO", "WARN", "ERROR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			e := &env{stdout: &bytes.Buffer{}, stderr: &stderr}
			e.log = newLogger(&stderr, e.logOpts)
			fs := newFlags(e, "serve")
			fs.String("config", "", "")
			if err := parse(fs, append([]string{"--config", "x.yaml"}, tt.args...)); err != nil {
				t.Fatal(err)
			}
			e.log.Debug("d", "k", 1)
			e.log.Info("i", "k", 1)
			e.log.Warn("w", "k", 1)
			e.log.Error("e", "k", 1)
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
				if line == "" {
					continue
				}
				if tt.json {
					var rec struct {
						Level string
						Msg   string
						K     int
					}
					if err := json.Unmarshal([]byte(line), &rec); err != nil {
						t.Fatalf("not JSON: %q: %v", line, err)
					}
					got = append(got, rec.Level)
					continue
				}
				m := textRecord.FindStringSubmatch(line)
				if m == nil {
					t.Fatalf("not a text record: %q", line)
				}
				got = append(got, m[1])
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("levels logged (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStampedVersion builds zothuis as make build does and checks that the
// stamp is what it reports.
func TestStampedVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "zothuis")
	const stamp = "v9.8.7-3-g0123abc-dirty"
	if out, err := exec.Command("go", "build", "-ldflags", "-X main.version="+stamp, "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want := fmt.Sprintf("zothuis version %s %s %s/%s\n", stamp, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("zothuis %s: %v", args[0], err)
		}
		if diff := cmp.Diff(want, string(out)); diff != "" {
			t.Errorf("zothuis %s (-want +got):\n%s", args[0], diff)
		}
	}
}
