package dashboards

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pageReport is what testdata/browser/check.mjs reports for one page.
type pageReport struct {
	Page          string   `json:"page"`
	ConsoleErrors []string `json:"consoleErrors"`
	Requests      []string `json:"requests"`
	Failure       string   `json:"failure"`
	pageCheck
	Print    *pageCheck `json:"print"`
	PDFBytes int        `json:"pdfBytes"`
	PDFMagic string     `json:"pdfMagic"`
}

type pageCheck struct {
	Charts        int      `json:"charts"`
	NoCharts      int      `json:"noCharts"`
	EmptyCharts   []string `json:"emptyCharts"`
	Figures       int      `json:"figures"`
	MissingTables []string `json:"missingTables"`
	Tables        int      `json:"tables"`
	Overflow      []string `json:"overflow"`
}

// browserDir returns the folder of the Chromium checker, or skips (fails
// on CI) when node, Chromium or playwright-core is missing.
func browserDir(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs(filepath.Join("testdata", "browser"))
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		missing = "Debian's chromium is not installed"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core")); err != nil {
		missing = "dashboards/testdata/browser has no node_modules (make test runs npm ci)"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s; CI must run this test", missing)
		}
		t.Skipf("%s; run make test", missing)
	}
	return dir
}

// servedCSP is the Content-Security-Policy of zothuis serve
// (cmd/zothuis/server.go): the pages must work under it, so no <base>, no
// script or style from elsewhere.
const servedCSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// TestPagesInChromium loads every page of the dashboard in headless
// Chromium from file:// with all network access blocked, and prints each
// to an A4 PDF; then the index and the latest month as served. It fails on any console error, any request that is not
// for a local file, a chart that drew nothing, a figure without its
// table, a chart wider than its block in print, or a failed print.
func TestPagesInChromium(t *testing.T) {
	dir := browserDir(t)
	_, out := fixture(t)
	root := filepath.Join(out, "dashboard")
	pages := []string{filepath.Join(root, "index.html")}
	months, err := builtMonths(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range months {
		pages = append(pages, filepath.Join(root, m.Format("2006-01"), "index.html"))
	}
	// The index and the latest month once more as a server serves them,
	// under the Content-Security-Policy zothuis serve sets.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", servedCSP)
		http.FileServer(http.Dir(root)).ServeHTTP(w, r)
	}))
	defer srv.Close()
	pages = append(pages, srv.URL+"/", srv.URL+"/"+months[len(months)-1].Format("2006-01")+"/index.html")

	pdfDir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join(dir, "check.mjs"), pdfDir}, pages...)...)
	cmd.Env = append(os.Environ(), "ALLOW_ORIGIN="+srv.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	runErr := cmd.Run()
	t.Logf("checked %d pages in Chromium in %s", len(pages), time.Since(start).Round(time.Millisecond))

	var reports []pageReport
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r pageReport
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("checker output %q: %v", sc.Text(), err)
		}
		reports = append(reports, r)
	}
	if runErr != nil {
		t.Errorf("checker: %v\n%s", runErr, stderr.String())
	}
	if len(reports) != len(pages) {
		t.Fatalf("checker reported %d pages, want %d\n%s", len(reports), len(pages), stderr.String())
	}
	for _, r := range reports {
		name := strings.TrimPrefix(strings.TrimPrefix(r.Page, root+"/"), srv.URL)
		if r.Failure != "" {
			t.Errorf("%s: %s", name, r.Failure)
			continue
		}
		for _, e := range r.ConsoleErrors {
			t.Errorf("%s: console error: %s", name, e)
		}
		for _, u := range r.Requests {
			t.Errorf("%s: request to another host: %s", name, u)
		}
		// 8 trends, 8 comparisons, 5 of flow, 3 klantroutes, signal time,
		// link rates;
		// a figure with nothing it may draw says so, its table open.
		if r.Figures != 26 || r.Charts+r.NoCharts != r.Figures || r.Charts < 22 {
			t.Errorf("%s: %d figures, %d charts and %d without, want 26 figures, at least 22 charts", name, r.Figures, r.Charts, r.NoCharts)
		}
		if len(r.EmptyCharts) > 0 {
			t.Errorf("%s: charts that drew nothing: %v", name, r.EmptyCharts)
		}
		if len(r.MissingTables) > 0 {
			t.Errorf("%s: figures without a table: %v", name, r.MissingTables)
		}
		// Every figure's table, the 7 headline tables and data quality.
		if r.Tables < r.Figures+7+1 {
			t.Errorf("%s: %d tables, want at least %d", name, r.Tables, r.Figures+8)
		}
		if r.Print == nil {
			t.Errorf("%s: no print check", name)
		} else {
			if len(r.Print.Overflow) > 0 {
				t.Errorf("%s: charts cut off in print: %v", name, r.Print.Overflow)
			}
			if len(r.Print.EmptyCharts) > 0 {
				t.Errorf("%s: charts empty in print: %v", name, r.Print.EmptyCharts)
			}
		}
		if r.PDFMagic != "%PDF-" || r.PDFBytes < 10000 {
			t.Errorf("%s: PDF of %d bytes starting %q", name, r.PDFBytes, r.PDFMagic)
		}
	}
}
