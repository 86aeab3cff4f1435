package prom_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
	"github.com/zothuis/zothuis/metrics/prom"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/synth"
)

var (
	pipelineOnce sync.Once
	pipelinePath string
	pipelineErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pipelinePath != "" {
		os.RemoveAll(filepath.Dir(pipelinePath))
	}
	os.Exit(code)
}

// pipelineDB returns the path of a working database made as the demo
// makes it, at a small scale: synthetic exports, pseudonymised, ingested,
// KPI history computed. It is made once for the package's tests.
func pipelineDB(t *testing.T) string {
	t.Helper()
	pipelineOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zothuis-prom-test-")
		if err != nil {
			pipelineErr = err
			return
		}
		pipelinePath = filepath.Join(dir, "work.duckdb")
		pipelineErr = buildPipeline(context.Background(), dir, pipelinePath)
	})
	if pipelineErr != nil {
		t.Fatal(pipelineErr)
	}
	return pipelinePath
}

func buildPipeline(ctx context.Context, dir, dbPath string) error {
	sourceKey, researchKey := bytes.Repeat([]byte("s"), 32), bytes.Repeat([]byte("r"), 32)
	// The data run to the start of this month, so that the latest complete
	// month has a full window whenever the test runs: `zothuis serve`
	// recomputes the KPIs at the real now. Enough youths that both regions
	// publish their spoed_share in every month.
	now := time.Now()
	to := kpi.LatestCompleteMonth(now).AddDate(0, 1, 0)
	gen, err := synth.Generate(ctx, filepath.Join(dir, "raw"), synth.Options{
		Youths: 20000, Seed: 7, From: to.AddDate(-2, -9, 0), To: to,
	})
	if err != nil {
		return err
	}
	db, err := zsql.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	in := &ingest.Ingester{DB: db, ResearchKey: researchKey}
	for _, c := range ingest.Sources() {
		for _, raw := range gen.Files[c.Source] {
			out := filepath.Join(dir, "deliveries", c.Source+"-"+filepath.Base(raw))
			if err := pseudonymizeFile(ctx, raw, out, pseudonymize.Options{Key: sourceKey, Contract: c}); err != nil {
				return err
			}
			if _, err := in.IngestFile(ctx, c, out); err != nil {
				return err
			}
		}
	}
	_, err = kpi.Refresh(ctx, db, config.Default(), now)
	return err
}

func pseudonymizeFile(ctx context.Context, in, out string, opt pseudonymize.Options) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o750); err != nil {
		return err
	}
	r, err := os.Open(in)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := pseudonymize.Transform(ctx, r, w, opt); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// zothuisBinary builds cmd/zothuis once: the alert test scrapes the real
// daemon.
func zothuisBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zothuis-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "zothuis")
		if out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/zothuis").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// startServe runs `zothuis serve` on a copy of the pipeline database with
// alerts.spoed_share_above set to threshold, and returns its host:port
// once its first cycle has published the KPIs.
func startServe(ctx context.Context, t *testing.T, threshold float64) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(pipelineDB(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "work.duckdb"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "research.key"), bytes.Repeat([]byte("r"), 32), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	conf := fmt.Sprintf("paths: {database: work.duckdb, out: out, spool: spool}\nresearch_key_file: research.key\nlisten: %q\nalerts: {spoed_share_above: %v}\n", addr, threshold)
	confPath := filepath.Join(dir, "zothuis.yaml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(zothuisBinary(t), "serve", "--config", confPath)
	var log bytes.Buffer
	var mu sync.Mutex
	cmd.Stdout, cmd.Stderr = lockedWriter{&mu, &log}, lockedWriter{&mu, &log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			mu.Lock()
			t.Logf("zothuis serve log:\n%s", log.String())
			mu.Unlock()
		}
	})
	// The database has no cycle yet: serve catches one up at start.
	for {
		if ctx.Err() != nil {
			t.Fatal("zothuis serve did not publish a cycle in time")
		}
		if m, err := scrape(addr); err == nil && strings.Contains(string(m), `zothuis_job_last_success_timestamp_seconds{name="cycle"}`) {
			return addr
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func scrape(addr string) ([]byte, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s", resp.Status)
	}
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	return b.Bytes(), err
}

// TestPrometheusFiresSpoedAlert runs the real Prometheus server against
// two `zothuis serve` daemons over the same data: one whose threshold is
// below the data's spoed_share of every region, one whose threshold is
// above it. The alert must fire for the first and stay quiet for the
// second.
func TestPrometheusFiresSpoedAlert(t *testing.T) {
	bin := lookTool(t, "prometheus")
	promtoolCheck := promtool(t, "check", "metrics")
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
	defer cancel()

	const low = 0.01
	lowTarget := startServe(ctx, t, low)
	scraped, err := scrape(lowTarget)
	if err != nil {
		t.Fatal(err)
	}
	promtoolCheck(scraped) // a scrape of serve passes promtool check metrics

	// The regions' published values, as serve exposes them.
	got := parseText(t, scraped)
	values := map[string]float64{}
	hi := 0.0
	for _, r := range config.Default().Regions {
		v, ok := got["zothuis_kpi_ratio{area="+r.Key+",area_type=region,kpi=spoed_share}"]
		if !ok {
			t.Fatalf("no published spoed_share for %s; the test data is too small:\n%s", r.Key, scraped)
		}
		if v <= low {
			t.Fatalf("spoed_share of %s is %v: no threshold below it", r.Key, v)
		}
		values[r.Key] = v
		hi = max(hi, v)
	}
	high := math.Round((hi+0.05)*100) / 100
	if high >= 1 {
		t.Fatalf("spoed_share %v leaves no room for a threshold above", values)
	}
	highTarget := startServe(ctx, t, high)

	api := startPrometheus(ctx, t, bin, []string{lowTarget, highTarget})

	// Wait until both targets are scraped and the rules evaluated twice
	// since, then read the alerts.
	var alerts []alert
	for {
		if ctx.Err() != nil {
			t.Fatalf("SpoedmachtigingShareHigh did not fire for every region (%v) with threshold %.2f in time; alerts: %+v", values, low, alerts)
		}
		alerts = getAlerts(ctx, t, api)
		all := true
		for region := range values {
			all = all && firing(alerts, lowTarget, region) != nil
		}
		if all {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	want := fmt.Sprintf("boven de drempel van %.4g%%", low*100) // as humanizePercentage
	for region, v := range values {
		a := firing(alerts, lowTarget, region)
		if a.Labels["region"] != region || !strings.Contains(a.Annotations["description"], want) ||
			!strings.Contains(a.Annotations["description"], fmt.Sprintf("is %.4g%%", v*100)) {
			t.Errorf("alert %+v: want label region=%s and a description saying %.4g%% and %q", a, region, v*100, want)
		}
	}
	// The high target: once Prometheus holds a scrape of it, give the
	// rules two more evaluations and check it never alerted.
	for !scrapedOK(ctx, t, api, highTarget) {
		if ctx.Err() != nil {
			t.Fatalf("Prometheus never scraped %s: the quiet case would prove nothing", highTarget)
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond)
	for _, a := range getAlerts(ctx, t, api) {
		if a.Labels["alertname"] == "SpoedmachtigingShareHigh" && a.Labels["instance"] == highTarget {
			t.Errorf("alert for threshold %.2f above every region's value %v: %+v", high, values, a)
		}
	}
}

type alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
	Value       string            `json:"value"`
}

// firing returns the firing SpoedmachtigingShareHigh of a target and
// region, or nil.
func firing(alerts []alert, instance, region string) *alert {
	for i, a := range alerts {
		if a.Labels["alertname"] == "SpoedmachtigingShareHigh" && a.Labels["instance"] == instance &&
			a.Labels["area"] == region && a.State == "firing" {
			return &alerts[i]
		}
	}
	return nil
}

func apiGet(ctx context.Context, t *testing.T, u string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("prometheus api: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("prometheus api %s: status %q, %v", u, body.Status, err)
	}
	if err := json.Unmarshal(body.Data, v); err != nil {
		t.Fatalf("prometheus api %s: %v", u, err)
	}
}

func getAlerts(ctx context.Context, t *testing.T, api string) []alert {
	t.Helper()
	var data struct {
		Alerts []alert `json:"alerts"`
	}
	apiGet(ctx, t, api+"/api/v1/alerts", &data)
	return data.Alerts
}

// scrapedOK says whether Prometheus holds up == 1 for the target.
func scrapedOK(ctx context.Context, t *testing.T, api, instance string) bool {
	t.Helper()
	var data struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	apiGet(ctx, t, api+"/api/v1/query?query="+url.QueryEscape(`up{instance="`+instance+`"}`), &data)
	return len(data.Result) == 1 && data.Result[0].Value[1] == "1"
}

// startPrometheus runs the prometheus server on a free loopback port,
// scraping targets every second with the project's alerting rules, and
// returns its base URL once it is ready.
func startPrometheus(ctx context.Context, t *testing.T, bin string, targets []string) string {
	t.Helper()
	dir := t.TempDir()
	rules, err := filepath.Abs(filepath.Join("..", "..", "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	quoted := make([]string, len(targets))
	for i, tg := range targets {
		quoted[i] = strconv.Quote(tg)
	}
	conf := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: zothuis
    static_configs:
      - targets: [%s]
`, rules, strings.Join(quoted, ", "))
	confPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	cmd := exec.CommandContext(ctx, bin,
		"--config.file="+confPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log.String())
		}
	})
	api := "http://" + addr
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, api+"/-/ready", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return api
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("prometheus not ready in time: %v\n%s", err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestPipelineTextfile writes the textfile of a one-shot run over a
// database made as the demo makes it: promlint and promtool accept it,
// and no published ratio rests on fewer placements than disclosure
// control allows.
func TestPipelineTextfile(t *testing.T) {
	check := promtool(t, "check", "metrics")
	ctx := context.Background()
	path := pipelineDB(t)
	db, err := zsql.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := prometheus.NewRegistry()
	if err := prom.Register(reg, db, config.Default(), prom.Options{DatabasePath: path}); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	file := filepath.Join(t.TempDir(), "metrics", prom.TextfileName)
	if err := prom.WriteTextfile(reg, file); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	check(b)

	got := parseText(t, b)
	ratios := 0
	for k := range got {
		if !strings.HasPrefix(k, "zothuis_kpi_ratio{") {
			continue
		}
		ratios++
		labels := map[string]string{}
		for _, kv := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(k, "zothuis_kpi_ratio{"), "}"), ",") {
			name, value, _ := strings.Cut(kv, "=")
			labels[name] = value
		}
		var den int64
		err := db.QueryRowContext(ctx, `SELECT denominator FROM kpi_history
			WHERE month = (SELECT max(month) FROM kpi_history) AND kpi = ? AND area_type = ? AND area = ?`,
			labels["kpi"], labels["area_type"], labels["area"]).Scan(&den)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if den < 10 {
			t.Errorf("%s published over %d placements", k, den)
		}
	}
	if ratios == 0 {
		t.Errorf("no zothuis_kpi_ratio in the textfile:\n%s", b)
	}

	// Every per-area series is what kpi.Publish publishes for the month,
	// and every share its published numerator over its denominator.
	var month time.Time
	if err := db.QueryRowContext(ctx, `SELECT max(month) FROM kpi_history`).Scan(&month); err != nil {
		t.Fatal(err)
	}
	pub := published(t, db, config.Default(), month)
	if diff := cmp.Diff(publishedSeries(pub), kpiSeries(got)); diff != "" {
		t.Errorf("KPI series against kpi.Publish (-want +got):\n%s", diff)
	}
	checkRatios(t, got, pub.Output())
}
