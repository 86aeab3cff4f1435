package prom_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
	"github.com/zothuis/zothuis/metrics/prom"
	zsql "github.com/zothuis/zothuis/sql"
)

// highShareConfig has three regions of two municipalities and an alert
// threshold of 0.6; the KPI history starts in 2026-09, so the glide paths
// start from a month that publishes much.
func highShareConfig() *config.Config {
	cfg := config.Default()
	cfg.Regions = []config.Region{
		{Key: "groningen", Name: "Groningen", Gemeenten: []string{"GM0014", "GM1966"}},
		{Key: "drenthe", Name: "Drenthe", Gemeenten: []string{"GM1680", "GM0106"}},
		{Key: "friesland", Name: "Friesland", Gemeenten: []string{"GM0080", "GM0074"}},
	}
	cfg.Alerts.SpoedShareAbove = 0.6
	cfg.FirstMonth = "2026-09"
	cfg.OccupancyTargets = map[string]float64{"drenthe": 5}
	return cfg
}

// highShareDB lands JZ+ placements through ingest, as a delivery would,
// and computes the KPI history for report month 2026-10. Drenthe has 40
// placements of which 35 began on a spoedmachtiging: numerator and
// denominator reach the threshold 10, the complement (5) does not, so its
// spoed_share is withheld because it is high. Groningen's 30 of 60 are
// below the threshold 0.6; friesland's 20 of 50 are withheld to protect
// drenthe (complementary suppression over the regions of all). Twelve
// placements lie in GM0037, which no region lists here.
func highShareDB(t *testing.T, cfg *config.Config) *sql.DB {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := zsql.Open(ctx, filepath.Join(dir, "work.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })

	var b strings.Builder
	b.WriteString("plaatsing_id,aanbieder,pseudonym,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen\n")
	n := 0
	for _, g := range []struct {
		gemeente          string
		placements, spoed int
	}{
		{"GM0014", 35, 15}, {"GM1966", 25, 15},
		{"GM1680", 20, 18}, {"GM0106", 20, 17},
		{"GM0080", 30, 10}, {"GM0074", 20, 10},
		{"GM0037", 12, 6},
	} {
		for i := range g.placements {
			n++
			machtiging := "regulier"
			if i < g.spoed {
				machtiging = "spoed"
			}
			// Starts spread over 2025-11 to 2026-08: inside the windows of
			// both report months.
			start := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (n*7)%300)
			end, reason := "", ""
			if n%3 == 0 { // a third ended, 8 weeks in
				end, reason = start.AddDate(0, 0, 56).Format("2006-01-02"), "01"
			}
			onderwijs, wonen := "ja", "nee"
			if n%4 == 0 {
				onderwijs, wonen = "nee", "ja"
			}
			fmt.Fprintf(&b, "P%d,ELKER,%032x,%s,%s,%s,%s,%s,%s,%s,%s\n", n, n, g.gemeente, machtiging,
				start.AddDate(0, 0, -14).Format("2006-01-02"), start.Format("2006-01-02"), end, reason, onderwijs, wonen)
		}
	}
	file := filepath.Join(dir, "jzplus.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := ingest.Source("jzplus")
	if err != nil {
		t.Fatal(err)
	}
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("high-share-research-key-0123456789abcdef")}
	res, err := in.IngestFile(ctx, c, file)
	if err != nil {
		t.Fatal(err)
	}
	if res.Quarantined != 0 || res.Accepted != n {
		t.Fatalf("ingest: %d of %d rows accepted, %d quarantined; the test data must land whole", res.Accepted, n, res.Quarantined)
	}
	if _, err := kpi.Refresh(ctx, db, cfg, time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return db
}

// published returns what report month m publishes under cfg.
func published(t *testing.T, db *sql.DB, cfg *config.Config, m time.Time) *kpi.Published {
	t.Helper()
	policy, err := disclosure.New(cfg.Disclosure.Threshold)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := kpi.Load(context.Background(), db, m)
	if err != nil {
		t.Fatal(err)
	}
	return kpi.Publish(rep, policy, cfg)
}

// publishedSeries is every zothuis_kpi_* series of the figures that pub
// publishes, keyed as parseText keys them: a value where there is one,
// else a bound where there is one, else nothing.
func publishedSeries(pub *kpi.Published) map[string]float64 {
	out := map[string]float64{}
	for _, f := range pub.Figures {
		labels := fmt.Sprintf("{area=%s,area_type=%s,kpi=%s}", f.Area.Key, f.Area.Type, f.KPI.ID)
		switch {
		case f.Value == nil && f.Bound != nil && f.Bound.Upper:
			out["zothuis_kpi_ratio_upper_bound"+labels] = f.Bound.Value
		case f.Value == nil && f.Bound != nil:
			out["zothuis_kpi_ratio_lower_bound"+labels] = f.Bound.Value
		case f.Value == nil:
		case f.KPI.Kind == kpi.KindRatio:
			out["zothuis_kpi_ratio"+labels] = *f.Value
		case f.KPI.Kind == kpi.KindCount:
			out["zothuis_kpi_figure"+labels] = *f.Value
		case f.KPI.Kind == kpi.KindMedian:
			out["zothuis_kpi_median_duration_seconds"+labels] = *f.Value * 86400
		}
	}
	return out
}

// kpiSeries keeps the per-area KPI series of got.
func kpiSeries(got map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range got {
		for _, name := range []string{"zothuis_kpi_ratio{", "zothuis_kpi_ratio_lower_bound{", "zothuis_kpi_ratio_upper_bound{", "zothuis_kpi_figure{", "zothuis_kpi_median_duration_seconds{"} {
			if strings.HasPrefix(k, name) {
				out[k] = v
			}
		}
	}
	return out
}

// checkRatios checks that every exported share is the published numerator
// over the published denominator of `zothuis kpi` output for the same
// month, to 0.01, and that every share that output publishes is exported.
func checkRatios(t *testing.T, got map[string]float64, out kpi.Output) {
	t.Helper()
	want := map[string]float64{}
	for _, r := range out.Rows {
		if r.Value == nil || r.Numerator == nil || r.Denominator == nil {
			continue // withheld, or a count or median
		}
		v := math.Round(float64(*r.Numerator)/float64(*r.Denominator)*100) / 100
		if v != *r.Value {
			t.Errorf("output %s %s/%s: value %v, want %d/%d = %v", r.KPI, r.AreaType, r.Area, *r.Value, *r.Numerator, *r.Denominator, v)
		}
		want[fmt.Sprintf("zothuis_kpi_ratio{area=%s,area_type=%s,kpi=%s}", r.Area, r.AreaType, r.KPI)] = v
	}
	ratios := map[string]float64{}
	for k, v := range got {
		if strings.HasPrefix(k, "zothuis_kpi_ratio{") {
			ratios[k] = v
		}
	}
	if len(want) == 0 {
		t.Error("the output publishes no share: the check proves nothing")
	}
	if diff := cmp.Diff(want, ratios); diff != "" {
		t.Errorf("exported shares against published numerator / denominator (-want +got):\n%s", diff)
	}
}

func TestSpoedShareWithheldHighCarriesLowerBound(t *testing.T) {
	cfg := highShareConfig()
	db := highShareDB(t, cfg)
	got := gather(t, register(t, db, cfg, prom.Options{}))
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	pub := published(t, db, cfg, month)

	// The premise: drenthe's spoed_share is withheld because it is high.
	drenthe := kpi.Area{Type: kpi.AreaRegion, Key: "drenthe"}
	if f, ok := pub.Get(kpi.SpoedShare, drenthe); !ok || f.Value != nil || f.Reason != kpi.SmallComplement {
		t.Fatalf("drenthe spoed_share = %+v; the test needs it withheld for a small complement", f)
	}
	if got["zothuis_scrape_collector_success{collector=kpi}"] != 1 {
		t.Errorf("kpi collector failed")
	}

	// The bound is 1 - T / published denominator, from the published
	// placements of drenthe beside it (40: the rounding of the bound to
	// 0.01 changes nothing here).
	den, ok := got["zothuis_kpi_figure{area=drenthe,area_type=region,kpi=placements}"]
	if !ok || den != 40 {
		t.Fatalf("drenthe's published placements = %v (present %v), want 40", den, ok)
	}
	bound, ok := got["zothuis_kpi_ratio_lower_bound{area=drenthe,area_type=region,kpi=spoed_share}"]
	if want := 1 - float64(cfg.Disclosure.Threshold)/den; !ok || bound != want {
		t.Errorf("drenthe spoed_share lower bound = %v (present %v), want 1 - %d/%v = %v", bound, ok, cfg.Disclosure.Threshold, den, want)
	}
	if v, ok := got["zothuis_kpi_ratio{area=drenthe,area_type=region,kpi=spoed_share}"]; ok {
		t.Errorf("drenthe's withheld spoed_share exported as %v", v)
	}

	// Every per-area series is what kpi.Publish publishes, nothing else,
	// and every share is published numerator / published denominator.
	if diff := cmp.Diff(publishedSeries(pub), kpiSeries(got)); diff != "" {
		t.Errorf("KPI series against kpi.Publish (-want +got):\n%s", diff)
	}
	checkRatios(t, got, pub.Output())

	// The glide paths start from the first month's published values.
	first := published(t, db, cfg, config.Month(cfg.FirstMonth))
	for _, a := range pub.Tree.Areas {
		if a.Type == kpi.AreaGemeente {
			continue
		}
		for _, k := range kpi.Targeted() {
			key := fmt.Sprintf("zothuis_kpi_glide_path_ratio{area=%s,area_type=%s,kpi=%s}", a.Key, a.Type, k.ID)
			target, _ := kpi.Target(cfg, k.ID)
			g, ok := kpi.GlidePath(first, k.ID, a, month, config.Month(cfg.TargetMonth), target)
			v, present := got[key]
			if present != ok || ok && v != math.Round(g*100)/100 {
				t.Errorf("%s = %v (present %v), want %v (present %v)", key, v, present, math.Round(g*100)/100, ok)
			}
		}
	}
	// drenthe alone has an occupancy target.
	g, ok := kpi.GlidePath(first, kpi.Occupancy, drenthe, month, config.Month(cfg.TargetMonth), cfg.OccupancyTargets["drenthe"])
	if !ok {
		t.Fatal("drenthe's occupancy of 2026-09 is withheld: the test needs it published")
	}
	for k, want := range map[string]float64{
		"zothuis_kpi_occupancy_target{area=drenthe,area_type=region}":     5,
		"zothuis_kpi_occupancy_glide_path{area=drenthe,area_type=region}": math.Round(g),
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", k, v, ok, want)
		}
	}
	for _, region := range []string{"groningen", "friesland"} {
		for _, name := range []string{"zothuis_kpi_occupancy_target", "zothuis_kpi_occupancy_glide_path"} {
			if k := name + "{area=" + region + ",area_type=region}"; got[k] != 0 {
				t.Errorf("%s = %v, but %s has no occupancy target", k, got[k], region)
			}
		}
	}
	if v, ok := got["zothuis_kpi_placements_outside_regions{}"]; !ok || v != 10 {
		t.Errorf("placements outside the regions = %v (present %v), want 12 published as 10", v, ok)
	}

	t.Run("promtool", func(t *testing.T) {
		bin := lookTool(t, "promtool")
		alertRulesTest(t, bin, got, cfg)
	})
	t.Run("prometheus", func(t *testing.T) {
		bin := lookTool(t, "prometheus")
		reg := prometheus.NewRegistry()
		if err := prom.Register(reg, db, cfg, prom.Options{}); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(prom.Handler(reg))
		defer srv.Close()
		target := strings.TrimPrefix(srv.URL, "http://")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		api := startPrometheus(ctx, t, bin, []string{target})
		// Prometheus scrapes and evaluates every second; the deadline
		// leaves ctx time for the last request.
		deadline := time.Now().Add(30 * time.Second)
		alerts := getAlerts(ctx, t, api)
		for firing(alerts, target, "drenthe") == nil {
			if time.Now().After(deadline) {
				t.Fatalf("SpoedmachtigingShareHigh did not fire for drenthe in time; alerts: %+v", alerts)
			}
			time.Sleep(250 * time.Millisecond)
			alerts = getAlerts(ctx, t, api)
		}
		a := firing(alerts, target, "drenthe")
		if want := "is meer dan 75% van de JZ+-plaatsingen"; !strings.Contains(a.Annotations["description"], want) {
			t.Errorf("description %q does not say %q", a.Annotations["description"], want)
		}
		// Two more evaluations: groningen (below) and friesland (withheld
		// without a bound) must stay quiet.
		time.Sleep(2500 * time.Millisecond)
		for _, a := range getAlerts(ctx, t, api) {
			if a.Labels["alertname"] == "SpoedmachtigingShareHigh" && a.Labels["area"] != "drenthe" {
				t.Errorf("alert for %s: %+v", a.Labels["area"], a)
			}
		}
	})
}

// alertRulesTest runs `promtool test rules` on deploy/prometheus/alerts.yml
// with the scraped series as input, as Prometheus would hold them for
// job zothuis: SpoedmachtigingShareHigh fires for drenthe alone.
func alertRulesTest(t *testing.T, bin string, got map[string]float64, cfg *config.Config) {
	t.Helper()
	rules, err := filepath.Abs(filepath.Join("..", "..", "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	const instance = "127.0.0.1:9617"
	var series []string
	for k, v := range got {
		name, rest, _ := strings.Cut(strings.TrimSuffix(k, "}"), "{")
		labels := []string{`job="zothuis"`, `instance="` + instance + `"`}
		if rest != "" {
			for _, kv := range strings.Split(rest, ",") {
				n, val, _ := strings.Cut(kv, "=")
				labels = append(labels, n+"="+strconv.Quote(val))
			}
		}
		s := name + "{" + strings.Join(labels, ",") + "}"
		if strings.Contains(s, "'") {
			t.Fatalf("series %s cannot be quoted for YAML", s)
		}
		series = append(series, fmt.Sprintf("      - series: '%s'\n        values: '%sx10'\n", s, strconv.FormatFloat(v, 'g', -1, 64)))
	}
	sort.Strings(series)
	threshold := strconv.FormatFloat(cfg.Alerts.SpoedShareAbove*100, 'g', -1, 64)
	test := fmt.Sprintf(`rule_files:
  - %q
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
%s    alert_rule_test:
      - eval_time: 5m
        alertname: SpoedmachtigingShareHigh
        exp_alerts:
          - exp_labels:
              severity: warning
              team: stuurgroep
              region: drenthe
              job: zothuis
              instance: %q
              kpi: spoed_share
              area_type: region
              area: drenthe
            exp_annotations:
              runbook_url: "docs/runbook.md#spoedmachtigingsharehigh"
              summary: "Aandeel spoedmachtigingen in regio drenthe boven de drempel"
              description: "Het aandeel spoedmachtigingen in regio drenthe is meer dan 75%% van de JZ+-plaatsingen in de twaalf maanden tot en met de rapportagemaand, boven de drempel van %s%%. Het aandeel zelf wordt niet gepubliceerd, omdat te weinig plaatsingen zonder spoedmachtiging begonnen; de ondergrens volgt uit de gepubliceerde aantallen."
`, rules, strings.Join(series, ""), instance, threshold)
	path := filepath.Join(t.TempDir(), "scraped_test.yml")
	if err := os.WriteFile(path, []byte(test), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "test", "rules", path).CombinedOutput()
	if err != nil {
		t.Errorf("promtool test rules on the scraped series: %v\n%s", err, out)
	}
}
