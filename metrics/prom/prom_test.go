package prom_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/metrics/prom"
	zsql "github.com/zothuis/zothuis/sql"
)

// fixtureDB returns a migrated database holding testdata/fixture.sql.
func fixtureDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "work.duckdb")
	db, err := zsql.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b, err := os.ReadFile(filepath.Join("testdata", "fixture.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(b)); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return db, path
}

// fixtureConfig is the SPEC's defaults with the regions of
// testdata/fixture.sql (groningen: GM0014 and GM1966; drenthe: GM0106),
// an occupancy target for each, and three channels of two source kinds;
// pull:jzplus-b has never run.
func fixtureConfig() *config.Config {
	cfg := config.Default()
	cfg.Regions = []config.Region{
		{Key: "groningen", Name: "Groningen", Gemeenten: []string{"GM0014", "GM1966"}},
		{Key: "drenthe", Name: "Drenthe", Gemeenten: []string{"GM0106"}},
	}
	cfg.OccupancyTargets = map[string]float64{"groningen": 15, "drenthe": 5}
	cfg.Sources = []config.Source{
		{Name: "jgz-inbox", Source: "jgz", StaleAfter: 35 * 24 * time.Hour},
		{Name: "jzplus-sftp", Source: "jzplus", StaleAfter: 72 * time.Hour},
		{Name: "jzplus-b", Source: "jzplus", StaleAfter: 48 * time.Hour},
	}
	return cfg
}

func register(t *testing.T, db *sql.DB, cfg *config.Config, opt prom.Options) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	if err := prom.Register(reg, db, cfg, opt); err != nil {
		t.Fatal(err)
	}
	return reg
}

// names lists the metric names of an exposition file, so a comparison
// also fails when a metric that the file holds is not exposed at all.
func names(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			out = append(out, f[2])
		}
	}
	return out
}

func TestGolden(t *testing.T) {
	db, _ := fixtureDB(t)
	reg := register(t, db, fixtureConfig(), prom.Options{})
	for _, file := range []string{"kpi.prom", "pipeline.prom"} {
		t.Run(file, func(t *testing.T) {
			path := filepath.Join("testdata", file)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := testutil.GatherAndCompare(reg, f, names(t, path)...); err != nil {
				t.Error(err)
			}
		})
	}
}

// gather returns every sample reg gathers as "name{labels}" to value.
func gather(t *testing.T, g prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	return parseText(t, buf.Bytes())
}

func parseText(t *testing.T, b []byte) map[string]float64 {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, b)
	}
	out := map[string]float64{}
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			key := name + "{" + strings.Join(ls, ",") + "}"
			switch {
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Untyped != nil:
				out[key] = m.GetUntyped().GetValue()
			}
		}
	}
	return out
}

func TestWithheldAreasAreAbsent(t *testing.T) {
	db, _ := fixtureDB(t)
	got := gather(t, register(t, db, fixtureConfig(), prom.Options{}))
	// GM1966 has 5 placements; GM0014 is withheld with it so that GM1966
	// cannot be recovered from groningen. No series may carry either.
	for k := range got {
		if strings.Contains(k, "GM1966") || strings.Contains(k, "GM0014") {
			t.Errorf("withheld area exposed: %s = %v", k, got[k])
		}
	}
}

func TestEmptyDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "work.duckdb")
	db, err := zsql.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg := config.Default()
	cfg.Alerts.SpoedShareAbove = 0.3
	got := gather(t, register(t, db, cfg, prom.Options{DatabasePath: path, SnapshotPath: filepath.Join(t.TempDir(), "research", "zothuis.duckdb")}))
	want := map[string]float64{
		"zothuis_kpi_threshold_ratio{kpi=spoed_share}":             0.3,
		"zothuis_source_rows_accepted_total{source=jzplus}":        0,
		"zothuis_job_failures_total{name=cycle}":                   0,
		"zothuis_scrape_collector_success{collector=kpi}":          1,
		"zothuis_scrape_collector_success{collector=sources}":      1,
		"zothuis_scrape_collector_success{collector=jobs}":         1,
		"zothuis_scrape_collector_success{collector=files}":        1,
		"zothuis_source_files_refused_total{source=toegang}":       0,
		"zothuis_source_rows_quarantined_total{source=verzuim}":    0,
		"zothuis_kpi_target_ratio{kpi=spoed_share}":                0,
		"zothuis_source_deliveries_total{source=jgz}":              0,
		"zothuis_kpi_target_ratio{kpi=perspective_housing}":        1,
		"zothuis_source_rows_accepted_total{source=verzuim}":       0,
		"zothuis_source_rows_accepted_total{source=toegang}":       0,
		"zothuis_source_rows_accepted_total{source=jgz}":           0,
		"zothuis_source_deliveries_total{source=jzplus}":           0,
		"zothuis_source_deliveries_total{source=toegang}":          0,
		"zothuis_source_deliveries_total{source=verzuim}":          0,
		"zothuis_source_files_refused_total{source=jgz}":           0,
		"zothuis_source_files_refused_total{source=jzplus}":        0,
		"zothuis_source_files_refused_total{source=verzuim}":       0,
		"zothuis_source_rows_quarantined_total{source=jgz}":        0,
		"zothuis_source_rows_quarantined_total{source=jzplus}":     0,
		"zothuis_source_rows_quarantined_total{source=toegang}":    0,
		"zothuis_kpi_target_ratio{kpi=va_coverage}":                1,
		"zothuis_kpi_target_ratio{kpi=va_timely}":                  1,
		"zothuis_kpi_target_ratio{kpi=ambulant_before}":            1,
		"zothuis_kpi_target_ratio{kpi=beraad_with_youth}":          1,
		"zothuis_kpi_target_ratio{kpi=perspective_education}":      1,
		"zothuis_scrape_collector_duration_seconds{collector=kpi}": -1, // any value
	}
	for k := range got {
		if strings.HasPrefix(k, "zothuis_scrape_collector_duration_seconds") || strings.HasPrefix(k, "zothuis_build_info") {
			got[k] = -1
		}
		if strings.HasPrefix(k, "zothuis_database_size_bytes") {
			if got[k] <= 0 {
				t.Errorf("%s = %v, want the file's size", k, got[k])
			}
			got[k] = -1
		}
	}
	for _, k := range []string{"sources", "jobs", "files"} {
		want["zothuis_scrape_collector_duration_seconds{collector="+k+"}"] = -1
	}
	want["zothuis_database_size_bytes{}"] = -1
	// build info: one series, whatever the labels
	for k := range got {
		if strings.HasPrefix(k, "zothuis_build_info{") {
			want[k] = -1
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("metrics of an empty database (-want +got):\n%s", diff)
	}
}

func TestDatabaseFailureIsReportedNotFatal(t *testing.T) {
	db, path := fixtureDB(t)
	reg := register(t, db, fixtureConfig(), prom.Options{DatabasePath: path})
	db.Close() // every query now fails
	got := gather(t, reg)
	for collector, want := range map[string]float64{"kpi": 0, "sources": 0, "jobs": 0, "files": 1} {
		if v, ok := got["zothuis_scrape_collector_success{collector="+collector+"}"]; !ok || v != want {
			t.Errorf("collector %s success = %v (present %v), want %v", collector, v, ok, want)
		}
	}
	// The config's threshold is there even while the database is not,
	// so the alert rule keeps its right-hand side.
	if got["zothuis_kpi_threshold_ratio{kpi=spoed_share}"] != 0.5 {
		t.Errorf("threshold missing with the database down: %v", got)
	}
}

func TestPromlint(t *testing.T) {
	db, path := fixtureDB(t)
	snap := filepath.Join(t.TempDir(), "zothuis.duckdb")
	if err := os.WriteFile(snap, []byte("snapshot"), 0o640); err != nil {
		t.Fatal(err)
	}
	reg := register(t, db, fixtureConfig(), prom.Options{DatabasePath: path, SnapshotPath: snap, Version: "v1.2.3"})
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	got := gather(t, reg)
	if got["zothuis_snapshot_size_bytes{}"] != float64(len("snapshot")) {
		t.Errorf("snapshot size = %v, want %d", got["zothuis_snapshot_size_bytes{}"], len("snapshot"))
	}
	found := false
	for k, v := range got {
		if strings.HasPrefix(k, "zothuis_build_info{") && strings.Contains(k, "version=v1.2.3") && v == 1 {
			found = true
		}
	}
	if !found {
		t.Errorf("no zothuis_build_info with version v1.2.3 in %v", got)
	}
}

func TestWriteTextfile(t *testing.T) {
	db, path := fixtureDB(t)
	reg := register(t, db, fixtureConfig(), prom.Options{DatabasePath: path})
	dir := t.TempDir()
	file := filepath.Join(dir, "metrics", prom.TextfileName)
	for range 2 { // the second write replaces the first
		if err := prom.WriteTextfile(reg, file); err != nil {
			t.Fatal(err)
		}
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(filepath.Dir(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var n []string
		for _, e := range entries {
			n = append(n, e.Name())
		}
		t.Errorf("metrics folder holds %v, want only %s (no temporary file left)", n, prom.TextfileName)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got := parseText(t, b)
	// all: 25 of 40 published; groningen: 17 of 25, withheld for its
	// complement of 8, lies above 1 - 10/25.
	for k, want := range map[string]float64{
		"zothuis_kpi_ratio{area=all,area_type=total,kpi=spoed_share}":                    0.63,
		"zothuis_kpi_ratio_lower_bound{area=groningen,area_type=region,kpi=spoed_share}": 0.6,
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("textfile has %s = %v (present %v), want %v:\n%s", k, v, ok, want, b)
		}
	}
	promtool(t, "check", "metrics")(b)
}

// promtool returns a function that runs promtool with args and the given
// standard input, and fails the test on a non-zero exit.
func promtool(t *testing.T, args ...string) func(stdin []byte) {
	t.Helper()
	bin := lookTool(t, "promtool")
	return func(stdin []byte) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// lookTool finds an external tool: a test may skip without it on a
// developer's machine, never in CI.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found; CI must run this test (make test installs Debian's prometheus)", name)
		}
		t.Skipf("%s not found; run make test", name)
	}
	return bin
}

// TestOperationalCountersExact: rows and files accepted, quarantined and
// refused describe deliveries, not youths, so they stay exact however
// small (SPEC §2): no rounding to 5, nothing withheld below 10.
func TestOperationalCountersExact(t *testing.T) {
	db, _ := fixtureDB(t)
	got := gather(t, register(t, db, fixtureConfig(), prom.Options{}))
	for k, want := range map[string]float64{
		"zothuis_source_rows_accepted_total{source=jgz}":       150,
		"zothuis_source_rows_accepted_total{source=jzplus}":    40,
		"zothuis_source_rows_quarantined_total{source=jgz}":    2,
		"zothuis_source_rows_quarantined_total{source=jzplus}": 6,
		"zothuis_source_files_refused_total{source=toegang}":   1,
		"zothuis_source_deliveries_total{source=jzplus}":       2,
		"zothuis_job_failures_total{name=cycle}":               1,
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want exactly %v", k, v, ok, want)
		}
	}
}

// TestInvalidLabelValueIsAnErrorNotAPanic: a configured region key that
// cannot be a label value (not UTF-8; the database cannot hold one, the
// config can) leaves its series out (here its occupancy target) and fails
// the kpi collector, which alerts operations; it must not panic, which
// would take zothuis serve down with the scrape, and the rest stays.
func TestInvalidLabelValueIsAnErrorNotAPanic(t *testing.T) {
	db, _ := fixtureDB(t)
	cfg := fixtureConfig()
	bad := "drenthe\xff"
	cfg.Regions[1].Key = bad
	cfg.OccupancyTargets = map[string]float64{bad: 5}
	got := gather(t, register(t, db, cfg, prom.Options{}))
	for k, want := range map[string]float64{
		"zothuis_scrape_collector_success{collector=kpi}":             0,
		"zothuis_scrape_collector_success{collector=sources}":         1,
		"zothuis_kpi_threshold_ratio{kpi=spoed_share}":                0.5,
		"zothuis_kpi_ratio{area=all,area_type=total,kpi=spoed_share}": 0.63,
		"zothuis_kpi_figure{area=all,area_type=total,kpi=placements}": 40,
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", k, v, ok, want)
		}
	}
	for k := range got {
		if strings.Contains(k, "drenthe") {
			t.Errorf("series with the invalid key exposed: %q", k)
		}
	}
}
