package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoWritesDashboard(t *testing.T) {
	dir := demoDir(t)
	index := filepath.Join(dir, "dashboard", "index.html")
	if !strings.Contains(demoLog, "Dashboard:") || !strings.Contains(demoLog, index) {
		t.Errorf("demo output does not name %s:\n%s", index, demoLog)
	}
	for _, p := range []string{index, filepath.Join(dir, "dashboard", "2026-10", "index.html"), filepath.Join(dir, "dashboard", "assets", "echarts.min.js")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("demo dashboard: %v", err)
		}
	}
}

func TestDashboardCommand(t *testing.T) {
	dir := demoDir(t)
	snap := filepath.Join(dir, "research", "zothuis.duckdb")
	out := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"one month on the snapshot", []string{"dashboard", "--db", snap, "--out", out, "--month", "2026-09"}, 0, filepath.Join(out, "dashboard", "index.html")},
		{"missing flags", []string{"dashboard", "--out", out}, 2, "missing --db"},
		{"bad month", []string{"dashboard", "--db", snap, "--out", out, "--month", "sept"}, 2, "not a month"},
		{"month outside the history", []string{"dashboard", "--db", snap, "--out", out, "--month", "2019-01"}, 1, "2019-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String()+stderr.String(), tt.want) {
				t.Errorf("exit %d, want %d; output lacks %q:\n%s%s", code, tt.code, tt.want, stdout.String(), stderr.String())
			}
		})
	}
	if _, err := os.Stat(filepath.Join(out, "dashboard", "2026-09", "index.html")); err != nil {
		t.Errorf("dashboard --month 2026-09: %v", err)
	}
}
