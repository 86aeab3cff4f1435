package dashboards

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/synth"
)

// testNow is a day in 2026-11: the latest complete month is 2026-10.
var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// testYouths gives some 30–40 placements a year per region: the regions'
// figures are published, most municipalities' are withheld, and some
// route flows fall below the threshold, so both sides of disclosure
// control show up on every page.
const testYouths = 6000

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

// fixture builds, once per test binary, a working database from
// synthetic deliveries (synth → pseudonymize → ingest → KPI history) and
// the dashboard of its last 12 months.
func fixture(t *testing.T) (db *sql.DB, out string) {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "zothuis-dashboard-test-")
		if fixtureErr != nil {
			return
		}
		fixtureErr = buildFixture(context.Background(), fixtureDir)
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	db, err := zsql.OpenReadOnly(context.Background(), filepath.Join(fixtureDir, "work.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, filepath.Join(fixtureDir, "out")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func buildFixture(ctx context.Context, dir string) error {
	raw := filepath.Join(dir, "raw")
	gen, err := synth.Generate(ctx, raw, synth.Options{Youths: testYouths, Seed: 7,
		From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	db, err := zsql.Open(ctx, filepath.Join(dir, "work.duckdb"))
	if err != nil {
		return err
	}
	defer db.Close()
	key := []byte("dashboard-test-source-key-0123456789abcdef")
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("dashboard-test-research-key-0123456789abcdef")}
	for _, c := range ingest.Sources() {
		for _, rawPath := range gen.Files[c.Source] {
			delivery := filepath.Join(dir, "deliveries", c.Source, filepath.Base(rawPath))
			if err := os.MkdirAll(filepath.Dir(delivery), 0o750); err != nil {
				return err
			}
			src, err := os.Open(rawPath)
			if err != nil {
				return err
			}
			dst, err := os.Create(delivery)
			if err != nil {
				src.Close()
				return err
			}
			_, err = pseudonymize.Transform(ctx, src, dst, pseudonymize.Options{Key: key, Contract: c})
			src.Close()
			if cerr := dst.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if _, err := in.IngestFile(ctx, c, delivery); err != nil {
				return err
			}
		}
	}
	cfg := config.Default()
	if _, err := kpi.Refresh(ctx, db, cfg, testNow); err != nil {
		return err
	}
	// Four months keep the browser test near 30 s; the archive logic is
	// the same for twelve.
	_, err = Build(ctx, db, cfg, Options{OutDir: filepath.Join(dir, "out"), Months: 4, Now: testNow})
	return err
}

func TestBuildWritesMonthsIndexAndAssets(t *testing.T) {
	_, out := fixture(t)
	root := filepath.Join(out, "dashboard")
	months, err := builtMonths(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range months {
		got = append(got, m.Format("2006-01"))
	}
	want := []string{"2026-07", "2026-08", "2026-09", "2026-10"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("month pages (-want +got):\n%s", diff)
	}
	for _, f := range []string{"index.html", "assets/echarts.min.js", "assets/LICENSE", "assets/NOTICE", "assets/dashboard.css", "assets/dashboard.js", "2026-10/index.html", "2026-10/doelen.csv", "2026-10/klantroutes-all.csv", "2026-10/signaaltijd.csv", "2026-10/kwaliteit.csv"} {
		fi, err := os.Stat(filepath.Join(root, f))
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if fi.Mode().Perm() != fileMode {
			t.Errorf("%s: mode %v, want %v", f, fi.Mode().Perm(), os.FileMode(fileMode))
		}
	}
	fi, err := os.Stat(filepath.Join(root, "2026-10"))
	if err != nil || fi.Mode().Perm() != dirMode {
		t.Errorf("month folder: %v, mode %v; want %v", err, fi.Mode().Perm(), os.FileMode(dirMode))
	}
	index, err := os.ReadFile(filepath.Join(root, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="assets/dashboard.css"`, `href="2026-10/doelen.csv"`, "Dashboard oktober 2026", `href="2026-07/index.html"`, "Doelen 2027 in één oogopslag"} {
		if !strings.Contains(string(index), want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	// No temporary file is left behind.
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

var externalURL = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)

// TestNoExternalReferences checks that no page or stylesheet names
// another host: no CDN script, no web font, no go-echarts asset host.
func TestNoExternalReferences(t *testing.T) {
	_, out := fixture(t)
	root := filepath.Join(out, "dashboard")
	n := 0
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".css") || p == filepath.Join(root, "assets", "dashboard.js")) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		n++
		if m := externalURL.Find(b); m != nil {
			t.Errorf("%s names another host: %q", p, m)
		}
		if strings.Contains(string(b), "@font-face") || strings.Contains(string(b), "@import") {
			t.Errorf("%s loads a font or stylesheet", p)
		}
		return nil
	})
	if n < 6 {
		t.Errorf("checked %d files; want every page and stylesheet", n)
	}
}

func TestBuildUnknownMonth(t *testing.T) {
	db, _ := fixture(t)
	_, err := Build(context.Background(), db, config.Default(), Options{OutDir: t.TempDir(), Month: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "2019-01") {
		t.Errorf("Build for a month outside the history: err = %v, want ErrNoMonth naming 2019-01", err)
	}
}

// TestBuildOneMonthRewritesIndex builds an older month into a folder
// that already has a newer one: the index keeps showing the newest, and
// its archive lists both.
func TestBuildOneMonthRewritesIndex(t *testing.T) {
	db, _ := fixture(t)
	out := t.TempDir()
	ctx := context.Background()
	cfg := config.Default()
	if _, err := Build(ctx, db, cfg, Options{OutDir: out, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	index, err := Build(ctx, db, cfg, Options{OutDir: out, Month: time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"Dashboard oktober 2026", `href="2026-03/index.html">maart 2026`, "Andere maanden (2 in het archief)"} {
		if !strings.Contains(s, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}

func TestGlidePathAndJudge(t *testing.T) {
	first := time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)
	target := time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name   string
		start  float64
		m      time.Time
		goal   float64
		lower  bool
		value  *float64
		glide  float64
		status status
	}{
		{"start month", 0.7, first, 0, true, f(0.7), 0.7, statusOnTrack},
		{"halfway down, on the line", 0.7, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 0, true, f(0.35), 0.35, statusOnTrack},
		{"halfway down, above it", 0.7, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 0, true, f(0.45), 0.35, statusBehind},
		{"halfway up, below it", 0.2, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 1, false, f(0.5), 0.6, statusBehind},
		{"halfway up, above it", 0.2, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 1, false, f(0.61), 0.6, statusOnTrack},
		{"after the target month", 0.2, time.Date(2028, 3, 1, 0, 0, 0, 0, time.UTC), 1, false, f(0.9), 1, statusBehind},
		{"target reached", 0.2, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 1, false, f(1), 0.6, statusReached},
		{"withheld", 0.2, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 1, false, nil, 0.6, statusUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := glidePath(tt.start, first, target, tt.m, tt.goal)
			if diff := cmp.Diff(tt.glide, round2(g)); diff != "" {
				t.Errorf("glide path (-want +got):\n%s", diff)
			}
			if got := judge(tt.value, &g, tt.goal, tt.lower); got != tt.status {
				t.Errorf("judge = %v, want %v", got, tt.status)
			}
		})
	}
}

// TestTallyPublish checks derived counts under the policy by hand: a
// cell below the threshold is withheld, and complementary suppression
// withholds its smallest sibling so it cannot be recovered, within an
// area and across areas.
func TestTallyPublish(t *testing.T) {
	p := disclosure.Policy{Threshold: 10}
	rs := []route{
		{Region: "groningen", SignalBin: "d0_30", Placements: 40},
		{Region: "groningen", SignalBin: "d31_90", Placements: 12},
		{Region: "groningen", SignalBin: "d91_180", Placements: 3},
		{Region: "groningen", SignalBin: "geen", Placements: 20},
		{Region: "drenthe", SignalBin: "d0_30", Placements: 30},
		{Region: "drenthe", SignalBin: "d31_90", Placements: 25},
		{Region: "drenthe", SignalBin: "d91_180", Placements: 15},
		{Region: "drenthe", SignalBin: "d181_365", Placements: 11},
		{Region: "drenthe", SignalBin: "d366_730", Placements: 14},
		{Region: "drenthe", SignalBin: "geen", Placements: 16},
	}
	tl := signalTally([]string{"groningen", "drenthe"}, rs, false)
	five := func(n int) *int { return &n }
	totals := map[string]kpi.Figure{}
	got := tl.publish(p, totals)
	want := map[string]map[string]count{
		// Across areas all = groningen + drenthe. Groningen's d181_365 and
		// d366_730 (0) are withheld alone in their breakdowns; all and
		// drenthe tie there (11 and 11, 14 and 14) and the first, all,
		// goes. Groningen's d91_180 (3) takes drenthe's (15 < 18).
		"all": {
			"total": {Value: five(185)}, "d0_30": {Value: five(70)}, "d31_90": {Value: five(35)},
			"d91_180": {Value: five(20)}, "d181_365": {}, "d366_730": {}, "geen": {Value: five(35)},
		},
		"groningen": {
			// 3 (d91_180) and the two zeros are below 10: three withheld,
			// so nothing more within the area.
			"total": {Value: five(75)}, "d0_30": {Value: five(40)}, "d31_90": {Value: five(10)},
			"d91_180": {BelowThreshold: true}, "d181_365": {BelowThreshold: true}, "d366_730": {BelowThreshold: true}, "geen": {Value: five(20)},
		},
		"drenthe": {
			// d91_180 withheld alone within drenthe: its smallest open
			// sibling, d181_365 (11), goes too.
			"total": {Value: five(110)}, "d0_30": {Value: five(30)}, "d31_90": {Value: five(25)},
			"d91_180": {}, "d181_365": {}, "d366_730": {Value: five(15)}, "geen": {Value: five(15)},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}
	// A total metrics withheld stays withheld.
	got = tl.publish(p, map[string]kpi.Figure{"groningen": {Suppressed: true}})
	if got["groningen"]["total"].Value != nil {
		t.Errorf("groningen total published although metrics withheld it")
	}
}

// TestRouteTally checks the exact counts of the klantroutes by hand: two
// groups of placements in Groningen, one in Drenthe, one outside the
// regions.
func TestRouteTally(t *testing.T) {
	rs := []route{
		{Region: "groningen", FirstSignal: "jgz", VA: true, Ambulant: true, Beraad: false, Machtiging: "spoed", SignalBin: "d0_30", Placements: 12},
		{Region: "groningen", FirstSignal: "geen", VA: false, Ambulant: true, Beraad: true, Machtiging: "regulier", SignalBin: "geen", Placements: 5},
		{Region: "drenthe", FirstSignal: "jgz", VA: true, Ambulant: false, Beraad: false, Machtiging: "spoed", SignalBin: "d31_90", Placements: 7},
		{Region: "", FirstSignal: "toegang", VA: false, Ambulant: false, Beraad: false, Machtiging: "onbekend", SignalBin: "d91_180", Placements: 1},
	}
	stages := routeStages(rs)
	if got := stages[4].Cats[len(stages[4].Cats)-1].ID; got != "onbekend" {
		t.Errorf("machtiging stage ends with %q; want onbekend, as a placement lacks one", got)
	}
	tl := routeTally([]string{"groningen", "drenthe"}, rs, stages, false)
	if diff := cmp.Diff([]string{"all", "groningen", "drenthe", ""}, tl.areas); diff != "" {
		t.Errorf("areas (-want +got):\n%s", diff)
	}
	got := map[string]int{}
	for _, k := range []string{totalKey, nodeKey(0, "jgz"), nodeKey(1, "ja"), nodeKey(4, "spoed"), linkKey(0, "jgz", "ja"), linkKey(2, "ja", "nee"), linkKey(3, "nee", "spoed"), linkKey(3, "nee", "onbekend")} {
		got["all "+k] = tl.raw[allArea][k]
		got["groningen "+k] = tl.raw["groningen"][k]
	}
	want := map[string]int{
		"all total": 25, "groningen total": 17,
		"all 0:jgz": 19, "groningen 0:jgz": 12,
		"all 1:ja": 19, "groningen 1:ja": 12,
		"all 4:spoed": 19, "groningen 4:spoed": 12,
		"all 0:jgz>1:ja": 19, "groningen 0:jgz>1:ja": 12,
		"all 2:ja>3:nee": 12, "groningen 2:ja>3:nee": 12,
		"all 3:nee>4:spoed": 19, "groningen 3:nee>4:spoed": 12,
		"all 3:nee>4:onbekend": 1, "groningen 3:nee>4:onbekend": 0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("exact counts (-want +got):\n%s", diff)
	}
	// Every stage adds up to the total, in every area.
	for _, a := range tl.areas {
		for s, st := range stages {
			sum := 0
			for _, c := range st.Cats {
				sum += tl.raw[a][nodeKey(s, c.ID)]
			}
			if sum != tl.raw[a][totalKey] {
				t.Errorf("area %q stage %s adds up to %d, total %d", a, st.Title, sum, tl.raw[a][totalKey])
			}
		}
	}
}

func TestTexts(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	n := func(v int) *int { return &v }
	tests := []struct {
		name, got, want string
	}{
		{"share", pct(f(0.46)), "46%"},
		{"withheld share", pct(nil), "–"},
		{"count", countText(count{Value: n(85)}, 10), "85"},
		{"count below threshold", countText(count{BelowThreshold: true}, 10), "<10"},
		{"count withheld for a neighbour", countText(count{}, 10), "–"},
		{"fall where lower is better", first(deltaText(f(-0.03), true)), "▼ −3 %-punt"},
		{"fall is better", second(deltaText(f(-0.03), true)), "better"},
		{"fall where higher is better", second(deltaText(f(-0.02), false)), "worse"},
		{"rise", first(deltaText(f(0.04), false)), "▲ +4 %-punt"},
		{"no change", first(deltaText(f(0), false)), "= gelijk"},
		{"month", monthLabel(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)), "oktober 2026"},
		{"short month", shortMonth(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)), "mrt '27"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func first(a, _ string) string  { return a }
func second(_, b string) string { return b }
