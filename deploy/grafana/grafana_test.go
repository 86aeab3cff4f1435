package grafana_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/metrics/prom"
)

// declared returns the series the collectors of metrics/prom declare, by
// name, with their label names. Describe needs no database.
func declared(t *testing.T) map[string][]string {
	t.Helper()
	r := &describer{series: map[string][]string{}}
	if err := prom.Register(r, nil, config.Default(), prom.Options{DatabasePath: "db", SnapshotPath: "snap"}); err != nil {
		t.Fatal(err)
	}
	if len(r.series) == 0 {
		t.Fatal("metrics/prom declares no series")
	}
	// Prometheus adds up to every scrape target.
	r.series["up"] = nil
	return r.series
}

// describer is a prometheus.Registerer that keeps what collectors
// describe.
type describer struct{ series map[string][]string }

// descString reads a Desc's name and label names from its String form,
// the only way the client library shows them.
var descString = regexp.MustCompile(`^Desc\{fqName: "([^"]+)", .*constLabels: \{([^}]*)\}, variableLabels: \{([^}]*)\}\}$`)

func (d *describer) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc)
	go func() { c.Describe(ch); close(ch) }()
	for desc := range ch {
		m := descString.FindStringSubmatch(desc.String())
		if m == nil {
			return fmt.Errorf("cannot read %s", desc)
		}
		var labels []string
		for _, l := range strings.Split(m[2], ",") {
			if name, _, ok := strings.Cut(l, "="); ok {
				labels = append(labels, name)
			}
		}
		for _, l := range strings.Split(m[3], ",") {
			if l != "" {
				labels = append(labels, strings.TrimSuffix(strings.TrimPrefix(l, "c("), ")"))
			}
		}
		d.series[m[1]] = labels
	}
	return nil
}

func (d *describer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := d.Register(c); err != nil {
			panic(err)
		}
	}
}

func (d *describer) Unregister(prometheus.Collector) bool { return false }

// query is one PromQL expression of the dashboard and where it is.
type query struct {
	where string
	expr  string
}

// queries returns every expression of the dashboard: the panels' targets
// (rows' panels too) and the query variables' label_values.
func queries(t *testing.T) []query {
	t.Helper()
	b, err := os.ReadFile("zothuis.json")
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string
		Type    string
		Targets []struct{ Expr string }
		Panels  json.RawMessage
	}
	var d struct {
		UID        string
		Title      string
		Panels     []panel
		Templating struct {
			List []struct {
				Name  string
				Type  string
				Query json.RawMessage
			}
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("zothuis.json: %v", err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("the dashboard has uid %q, title %q; want both", d.UID, d.Title)
	}
	var qs []query
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type != "row" && len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for i, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("panel %q: target %d has no expression", p.Title, i)
				}
				qs = append(qs, query{fmt.Sprintf("panel %q", p.Title), tg.Expr})
			}
			if len(p.Panels) > 0 {
				var nested []panel
				if err := json.Unmarshal(p.Panels, &nested); err != nil {
					t.Fatalf("row %q: %v", p.Title, err)
				}
				walk(nested)
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct{ Query string }
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(SERIES, LABEL)", v.Name, q.Query)
			continue
		}
		// As an expression: the series, grouped by the label it lists.
		qs = append(qs, query{"variable " + v.Name, fmt.Sprintf("count by (%s) (%s)", m[2], m[1])})
	}
	return qs
}

var labelValues = regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// grafanaVars are what Grafana puts in for its variables; any other
// $variable stands in a label matcher's string.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__range", "90d", "$__interval", "1m")

// PromQL's lexical pieces, enough to find the series and label names of
// an expression: strings, matchers, grouping clauses and ranges are taken
// out first, so what is left are functions, keywords, numbers and series.
var (
	stringLit = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	matchers  = regexp.MustCompile(`\{[^{}]*\}`)
	matcher   = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
	grouping  = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)`)
	ranges    = regexp.MustCompile(`\[[^\[\]]*\]`)
	ident     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	number    = regexp.MustCompile(`\b[0-9][0-9a-zA-Z_.]*`)
	keywords  = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN"}
)

// names returns the series and label names expr uses.
func names(expr string) (series, labels []string) {
	s := stringLit.ReplaceAllString(grafanaVars.Replace(expr), `""`)
	for _, m := range matchers.FindAllString(s, -1) {
		for _, l := range matcher.FindAllStringSubmatch(m, -1) {
			labels = append(labels, l[1])
		}
	}
	s = matchers.ReplaceAllString(s, " ")
	for _, g := range grouping.FindAllStringSubmatch(s, -1) {
		for _, l := range strings.Split(g[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				labels = append(labels, l)
			}
		}
	}
	s = grouping.ReplaceAllString(s, " ")
	s = ranges.ReplaceAllString(s, " ")
	s = number.ReplaceAllString(s, " ")
	for _, m := range ident.FindAllStringSubmatch(s, -1) {
		if m[1] != "" || slices.Contains(keywords, m[0]) {
			continue // a function or aggregation, or a keyword
		}
		series = append(series, m[0])
	}
	return series, labels
}

func TestNames(t *testing.T) {
	tests := []struct {
		expr           string
		series, labels []string
	}{
		{`up{job="zothuis"} == 0`, []string{"up"}, []string{"job"}},
		{`time() - max by (source) (a_b{x=~"$instance", y!="}"}) > on (source) group_left () min(c[5m] offset 1h)`,
			[]string{"a_b", "c"}, []string{"x", "y", "source", "source"}},
		{`sum by (name) (increase(f_total[$__rate_interval])) * 1e3 or vector(0)`, []string{"f_total"}, []string{"name"}},
		{`count by (area) (g{area_type="region"})`, []string{"g"}, []string{"area_type", "area"}},
	}
	for _, tt := range tests {
		series, labels := names(tt.expr)
		if diff := cmp.Diff(tt.series, series); diff != "" {
			t.Errorf("names(%q): series (-want +got):\n%s", tt.expr, diff)
		}
		if diff := cmp.Diff(tt.labels, labels); diff != "" {
			t.Errorf("names(%q): labels (-want +got):\n%s", tt.expr, diff)
		}
	}
}

// TestSeriesAreDeclared checks that every expression of the dashboard
// reads only series that metrics/prom declares, and only labels that one
// of its series has (or that Prometheus adds: job, instance).
func TestSeriesAreDeclared(t *testing.T) {
	known := declared(t)
	qs := queries(t)
	if len(qs) < 10 {
		t.Fatalf("found %d expressions in the dashboard; the test reads it wrong", len(qs))
	}
	used := map[string]bool{}
	for _, q := range qs {
		series, labels := names(q.expr)
		if len(series) == 0 {
			t.Errorf("%s: %q reads no series", q.where, q.expr)
		}
		have := map[string]bool{"job": true, "instance": true}
		for _, s := range series {
			ls, ok := known[s]
			if !ok {
				t.Errorf("%s: %q reads %s, which metrics/prom does not declare", q.where, q.expr, s)
			}
			used[s] = true
			for _, l := range ls {
				have[l] = true
			}
		}
		for _, l := range labels {
			if !have[l] {
				t.Errorf("%s: %q uses label %s, which none of its series has", q.where, q.expr, l)
			}
		}
	}
	// The dashboard covers what the issue asks of it.
	for _, s := range []string{
		"zothuis_kpi_ratio", "zothuis_kpi_threshold_ratio", "zothuis_source_last_delivery_timestamp_seconds",
		"zothuis_source_stale_after_seconds", "zothuis_job_failures_total", "zothuis_source_files_refused_total", "zothuis_build_info",
	} {
		if !used[s] {
			t.Errorf("no panel shows %s", s)
		}
	}
}

// TestExpressionsParse has promtool parse every expression, as the
// recording rules of a rule file: promtool needs no server for that.
func TestExpressionsParse(t *testing.T) {
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not found; CI must run this test")
		}
		t.Skip("promtool not found; run make test")
	}
	var b strings.Builder
	b.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, q := range queries(t) {
		expr, err := json.Marshal(grafanaVars.Replace(q.expr)) // a JSON string is a YAML string
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "      - record: dashboard:expr_%d\n        expr: %s\n", i, expr)
	}
	path := filepath.Join(t.TempDir(), "dashboard.rules.yml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "check", "rules", path).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
