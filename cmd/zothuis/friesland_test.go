package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/zothuis/zothuis/kpi"
)

// friesland is the region that wants to join, with its 18 municipalities
// (CBS codes of 2024).
var friesland = []string{"GM0059", "GM0060", "GM0072", "GM0074", "GM0080", "GM0085", "GM0086", "GM0088", "GM0090",
	"GM0093", "GM0096", "GM0098", "GM0737", "GM1891", "GM1900", "GM1940", "GM1949", "GM1970"}

// TestAddingARegionIsConfiguration adds Friesland to the configuration of
// the demo's data and runs the full cycle: the KPIs, the dashboard, the
// metrics and the alert rules all follow, with no code that knows it.
func TestAddingARegionIsConfiguration(t *testing.T) {
	demo := demoDir(t)
	dir := t.TempDir()
	work := filepath.Join(dir, "work.duckdb")
	copyFile(t, filepath.Join(demo, "work", "zothuis.duckdb"), work)
	cfgPath := filepath.Join(dir, "zothuis.yaml")
	yaml := fmt.Sprintf(`regions:
  - key: groningen
    name: Groningen
    gemeenten: [GM0014, GM1966, GM1969, GM1952, GM1979, GM1895, GM0765, GM0037, GM0047, GM1950]
  - key: drenthe
    name: Drenthe
    gemeenten: [GM1680, GM0106, GM1681, GM0109, GM1690, GM0114, GM0118, GM0119, GM1731, GM1699, GM1730, GM1701]
  - key: friesland
    name: Fryslân
    gemeenten: [%s]
occupancy_targets:
  friesland: 3
paths:
  database: %s
  out: %s
  spool: %s
research_key_file: %s
`, strings.Join(friesland, ", "), work, filepath.Join(dir, "out"), filepath.Join(dir, "spool"), filepath.Join(demo, "keys", "research.key"))
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o640); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", "--config", cfgPath}, &stdout, &stderr); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	// KPIs: every KPI of the catalogue for the region and each of its
	// municipalities, raw and published.
	snap := filepath.Join(dir, "out", "research", "zothuis.duckdb")
	for _, raw := range []bool{false, true} {
		args := []string{"kpi", "--db", snap, "--config", cfgPath, "--format", "json"}
		if raw {
			args = append(args, "--raw")
		}
		stdout.Reset()
		if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
			t.Fatalf("kpi raw=%v: exit %d: %s", raw, code, stderr.String())
		}
		var out kpi.Output
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, r := range out.Rows {
			have[string(r.KPI)+" "+string(r.AreaType)+" "+r.Area] = true
		}
		for _, k := range kpi.Catalogue() {
			for _, a := range append([]string{"region friesland"}, prefixed("gemeente ", friesland)...) {
				if !have[string(k.ID)+" "+a] {
					t.Errorf("kpi raw=%v: no %s for %s", raw, k.ID, a)
				}
			}
		}
		// Leeuwarden's placements now count in all, not outside.
		if raw && !have["placements gemeente GM0080"] {
			t.Error("GM0080 is not a municipality of friesland in raw output")
		}
	}

	// The dashboard: Friesland on the headline cards and in the flow
	// section with its occupancy target.
	page, err := os.ReadFile(filepath.Join(dir, "out", "dashboard", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Fryslân", "Leeuwarden", "Súdwest-Fryslân"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("dashboard lacks %q", want)
		}
	}

	// The metrics textfile: Friesland's series, its occupancy target.
	prom := filepath.Join(dir, "out", "metrics", "zothuis.prom")
	text, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(text, []byte(`zothuis_kpi_occupancy_target{area="friesland",area_type="region"} 3`)) {
		t.Errorf("metrics lack friesland's occupancy target:\n%s", grepLines(text, "occupancy"))
	}
	if !bytes.Contains(text, []byte(`area="friesland"`)) {
		t.Error("metrics have no series of friesland")
	}

	// The alert rules: the expression of SpoedmachtigingShareHigh over the
	// scraped series gives the regions whose share, or lower bound where
	// the share is withheld, is above the threshold; and friesland on a
	// lower bound of its own.
	promtool := lookPromtool(t)
	series, expected := alertCase(t, text)
	series = append(series, `zothuis_kpi_ratio_lower_bound{job="zothuis",instance="a",kpi="spoed_share",area_type="region",area="friesland"}`, "0.8")
	expected = append(expected, `zothuis_kpi_ratio_lower_bound{area="friesland",area_type="region",instance="a",job="zothuis",kpi="spoed_share"} 0.8`)
	var b strings.Builder
	fmt.Fprintf(&b, "evaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n")
	for i := 0; i < len(series); i += 2 {
		fmt.Fprintf(&b, "      - series: '%s'\n        values: '%s'\n", series[i], series[i+1])
	}
	expr, err := json.Marshal(alertExpr(t, "SpoedmachtigingShareHigh"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "    promql_expr_test:\n      - expr: %s\n        eval_time: 0m\n        exp_samples:\n", expr)
	for _, e := range expected {
		labels, value, _ := strings.Cut(e, "} ")
		fmt.Fprintf(&b, "          - labels: '%s}'\n            value: %s\n", labels, value)
	}
	test := filepath.Join(dir, "alerts_test.yml")
	if err := os.WriteFile(test, []byte(b.String()), 0o640); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "test", "rules", test).CombinedOutput(); err != nil {
		t.Errorf("promtool test rules: %v\n%s\n%s", err, out, b.String())
	}
}

// alertExpr reads the expression of an alert from deploy/prometheus/alerts.yml.
func alertExpr(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct{ Alert, Expr string }
		}
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == name {
				return r.Expr
			}
		}
	}
	t.Fatalf("no alert %s in alerts.yml", name)
	return ""
}

var promLine = regexp.MustCompile(`^(zothuis_kpi_(?:ratio|ratio_lower_bound|threshold_ratio))\{([^}]*)\} (\S+)$`)

// alertCase turns the spoed series of a metrics textfile into promtool
// input series (as job zothuis, instance a) and lists, as promtool
// samples, the series of the regions whose share, or lower bound where the
// share is withheld, is above the threshold.
func alertCase(t *testing.T, text []byte) (series, samples []string) {
	t.Helper()
	threshold := -1.0
	value, bound := map[string]float64{}, map[string]float64{}
	sample := func(name, area string, v float64) string {
		return fmt.Sprintf(`%s{area="%s",area_type="region",instance="a",job="zothuis",kpi="spoed_share"} %v`, name, area, v)
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		m := promLine.FindStringSubmatch(sc.Text())
		if m == nil || !strings.Contains(m[2], `kpi="spoed_share"`) {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		series = append(series, m[1]+`{job="zothuis",instance="a",`+m[2]+`}`, m[3])
		area := regexp.MustCompile(`area="([^"]*)"`).FindStringSubmatch(m[2])
		switch {
		case m[1] == "zothuis_kpi_threshold_ratio":
			threshold = v
		case !strings.Contains(m[2], `area_type="region"`):
		case m[1] == "zothuis_kpi_ratio":
			value[area[1]] = v
		default:
			bound[area[1]] = v
		}
	}
	if threshold < 0 {
		t.Fatal("no zothuis_kpi_threshold_ratio in the textfile")
	}
	for a, v := range value {
		if v > threshold {
			samples = append(samples, sample("zothuis_kpi_ratio", a, v))
		}
	}
	for a, v := range bound {
		if _, ok := value[a]; !ok && v >= threshold {
			samples = append(samples, sample("zothuis_kpi_ratio_lower_bound", a, v))
		}
	}
	return series, samples
}

func prefixed(p string, s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = p + x
	}
	return out
}

func grepLines(text []byte, word string) string {
	var out []string
	for _, l := range strings.Split(string(text), "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// lookPromtool finds promtool: the test may skip without it on a
// developer's machine, never in CI.
func lookPromtool(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found; CI must run this test (make test installs Debian's prometheus)")
		}
		t.Skip("promtool not found; run make test")
	}
	return bin
}
