package dashboards

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
const testYouths = 15000

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

// TestMain removes the fixture, unless ZOTHUIS_KEEP_FIXTURE is set: then
// it says where the fixture's dashboard is, to look at or screenshot.
func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		if os.Getenv("ZOTHUIS_KEEP_FIXTURE") != "" {
			fmt.Fprintln(os.Stderr, "fixture kept:", filepath.Join(fixtureDir, "out", "dashboard"))
		} else {
			os.RemoveAll(fixtureDir)
		}
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
	// Deliveries land a few days before the pages are made, whatever the
	// clock of the machine says, so the data-quality section has them.
	landed := testNow.AddDate(0, 0, -3)
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("dashboard-test-research-key-0123456789abcdef"), Now: func() time.Time { return landed }}
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
	cfg := testConfig()
	if _, err := kpi.Refresh(ctx, db, cfg, testNow); err != nil {
		return err
	}
	// Four months keep the browser test near 30 s; the archive logic is
	// the same for twelve.
	_, err = Build(ctx, db, cfg, Options{OutDir: filepath.Join(dir, "out"), Months: 4, Now: testNow})
	return err
}

// testConfig is the default configuration with occupancy targets for
// both regions, so that the flow section draws its glide paths.
func testConfig() *config.Config {
	cfg := config.Default()
	cfg.OccupancyTargets = map[string]float64{"groningen": 15, "drenthe": 10}
	return cfg
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
	for _, f := range []string{"index.html", "assets/echarts.min.js", "assets/LICENSE", "assets/NOTICE", "assets/dashboard.css", "assets/dashboard.js", "2026-10/index.html", "2026-10/doelen.csv", "2026-10/trend-spoed_share.csv", "2026-10/vergelijking-spoed_share.csv",
		"2026-10/stroom-stand.csv", "2026-10/stroom-bezetting.csv", "2026-10/stroom-in-uit.csv", "2026-10/stroom-wachttijd.csv", "2026-10/stroom-terugval.csv",
		"2026-10/klantroutes-all.csv", "2026-10/klantroutes-groningen.csv", "2026-10/klantroutes-drenthe.csv", "2026-10/signaaltijd.csv",
		"2026-10/kwaliteit.csv", "2026-10/buiten-regios.csv", "2026-10/koppeling.csv"} {
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
	for _, want := range []string{`href="assets/dashboard.css"`, `href="2026-10/doelen.csv"`, "Dashboard oktober 2026", `href="2026-07/index.html"`,
		"Doelen 2027 in één oogopslag", "In- en uitstroom en bezetting", `href="2026-10/stroom-stand.csv"`,
		"elk percentage is berekend uit de afgeronde aantallen ernaast"} {
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
	_, err := Build(context.Background(), db, testConfig(), Options{OutDir: t.TempDir(), Month: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), Now: testNow})
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
	cfg := testConfig()
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

// TestNoOldRatioNote: the percentages are now computed from the rounded
// counts beside them; no page may still say the opposite.
func TestNoOldRatioNote(t *testing.T) {
	_, out := fixture(t)
	b, err := os.ReadFile(filepath.Join(out, "dashboard", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "onafgeronde") {
		t.Error("index.html still says a percentage comes from the unrounded counts")
	}
}

func TestJudge(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name         string
		value, glide *float64
		target       float64
		lower, share bool
		want         status
	}{
		{"on the line going down", f(0.35), f(0.35), 0, true, true, statusOnTrack},
		{"rounds onto the line", f(0.35), f(0.3549), 0, true, true, statusOnTrack},
		{"above the line going down", f(0.45), f(0.35), 0, true, true, statusBehind},
		{"below the line going up", f(0.5), f(0.6), 1, false, true, statusBehind},
		{"above the line going up", f(0.61), f(0.6), 1, false, true, statusOnTrack},
		{"target reached", f(1), f(0.6), 1, false, true, statusReached},
		{"no glide path", f(0.5), nil, 1, false, true, statusUnknown},
		{"withheld", nil, f(0.6), 1, false, true, statusUnknown},
		{"occupancy on the line", f(20), f(20), 10, true, false, statusOnTrack},
		{"occupancy above the line", f(25), f(23.4), 10, true, false, statusBehind},
		{"occupancy below the line", f(20), f(23.4), 10, true, false, statusOnTrack},
		{"occupancy at the target", f(10), f(23.4), 10, true, false, statusReached},
	}
	for _, tt := range tests {
		if got := judge(tt.value, tt.glide, tt.target, tt.lower, tt.share); got != tt.want {
			t.Errorf("%s: judge = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestTallyPublish checks derived counts under the policy by hand: a
// cell below the threshold is withheld, complementary suppression
// withholds its smallest sibling so that it cannot be recovered, within
// an area and across areas (all = the regions), the totals are the
// published placements, and an area whose placements are withheld shows
// none of its parts.
func TestTallyPublish(t *testing.T) {
	p := disclosure.Policy{Threshold: 10}
	drenthe := []route{
		{Region: "drenthe", SignalBin: "d0_30", Placements: 30},
		{Region: "drenthe", SignalBin: "d31_90", Placements: 25},
		{Region: "drenthe", SignalBin: "d91_180", Placements: 15},
		{Region: "drenthe", SignalBin: "d181_365", Placements: 11},
		{Region: "drenthe", SignalBin: "d366_730", Placements: 14},
		{Region: "drenthe", SignalBin: "geen", Placements: 16},
		// A region the configuration does not list counts nowhere.
		{Region: "friesland", SignalBin: "d0_30", Placements: 40},
	}
	shown := func(n int) kpi.Count { return kpi.Count{Value: n} }
	small, protected := kpi.Count{Reason: kpi.Small}, kpi.Count{Reason: kpi.Protected}
	all, gr, dr := kpi.All(), kpi.Area{Type: kpi.AreaRegion, Key: "groningen"}, kpi.Area{Type: kpi.AreaRegion, Key: "drenthe"}
	tests := []struct {
		name   string
		rs     []route
		totals map[kpi.Area]kpi.Count // the published placements
		want   map[kpi.Area]map[string]kpi.Count
	}{
		{
			name: "both regions published",
			rs: append([]route{
				{Region: "groningen", SignalBin: "d0_30", Placements: 40},
				{Region: "groningen", SignalBin: "d31_90", Placements: 12},
				{Region: "groningen", SignalBin: "d91_180", Placements: 3},
				{Region: "groningen", SignalBin: "geen", Placements: 20},
			}, drenthe...),
			totals: map[kpi.Area]kpi.Count{all: shown(185), gr: shown(75), dr: shown(110)},
			want: map[kpi.Area]map[string]kpi.Count{
				// all = groningen + drenthe: nothing small, all shown.
				all: {totalKey: shown(185), "d0_30": shown(70), "d31_90": shown(35), "d91_180": shown(20),
					"d181_365": shown(10), "d366_730": shown(15), "geen": shown(35)},
				// 3 and the two zeros are below 10: three withheld within
				// groningen, so nothing more there.
				gr: {totalKey: shown(75), "d0_30": shown(40), "d31_90": shown(10), "d91_180": small,
					"d181_365": small, "d366_730": small, "geen": shown(20)},
				// Across areas each of groningen's withheld groups takes
				// drenthe's with it: all − drenthe would give groningen's.
				dr: {totalKey: shown(110), "d0_30": shown(30), "d31_90": shown(25), "d91_180": protected,
					"d181_365": protected, "d366_730": protected, "geen": shown(15)},
			},
		},
		{
			name: "a region withheld",
			rs:   append([]route{{Region: "groningen", SignalBin: "d0_30", Placements: 5}}, drenthe...),
			// Groningen has 5 placements: withheld, and drenthe with it (all
			// − drenthe would give groningen). Neither shows a part, or the
			// parts would add up to it.
			totals: map[kpi.Area]kpi.Count{all: shown(115), gr: small, dr: protected},
			want: map[kpi.Area]map[string]kpi.Count{
				all: {totalKey: shown(115), "d0_30": shown(35), "d31_90": shown(25), "d91_180": shown(15),
					"d181_365": shown(10), "d366_730": shown(15), "geen": shown(15)},
				gr: {totalKey: small, "d0_30": small, "d31_90": small, "d91_180": small, "d181_365": small, "d366_730": small, "geen": small},
				dr: {totalKey: protected, "d0_30": protected, "d31_90": protected, "d91_180": protected,
					"d181_365": protected, "d366_730": protected, "geen": protected},
			},
		},
		{
			name: "totals the audit would have to withhold",
			rs:   append([]route{{Region: "groningen", SignalBin: "d0_30", Placements: 5}}, drenthe...),
			// Not what kpi.Publish gives (drenthe's total would be
			// protected with groningen's): the audit of all = the regions
			// would withhold drenthe's total, which the dashboard shows
			// anyway, so every part goes.
			totals: map[kpi.Area]kpi.Count{all: shown(115), gr: small, dr: shown(110)},
			want: map[kpi.Area]map[string]kpi.Count{
				all: {totalKey: shown(115), "d0_30": protected, "d31_90": protected, "d91_180": protected,
					"d181_365": protected, "d366_730": protected, "geen": protected},
				gr: {totalKey: small, "d0_30": protected, "d31_90": protected, "d91_180": protected,
					"d181_365": protected, "d366_730": protected, "geen": protected},
				dr: {totalKey: shown(110), "d0_30": protected, "d31_90": protected, "d91_180": protected,
					"d181_365": protected, "d366_730": protected, "geen": protected},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := signalTally(kpi.AreaTree(config.Default()).Areas, tt.rs).publish(p, tt.totals)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("published (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRouteTally checks the exact counts of the klantroutes by hand: two
// groups of placements in Groningen, one in Drenthe, and one of a region
// the configuration does not list, which counts nowhere.
func TestRouteTally(t *testing.T) {
	rs := []route{
		{Region: "groningen", FirstSignal: "jgz", VA: true, Ambulant: true, Beraad: false, Machtiging: "spoed", SignalBin: "d0_30", Placements: 12},
		{Region: "groningen", FirstSignal: "geen", VA: false, Ambulant: true, Beraad: true, Machtiging: "regulier", SignalBin: "geen", Placements: 5},
		{Region: "drenthe", FirstSignal: "jgz", VA: true, Ambulant: false, Beraad: false, Machtiging: "spoed", SignalBin: "d31_90", Placements: 7},
		{Region: "friesland", FirstSignal: "toegang", VA: false, Ambulant: false, Beraad: false, Machtiging: "onbekend", SignalBin: "d91_180", Placements: 1},
	}
	stages := routeStages(rs)
	if got := stages[4].Cats[len(stages[4].Cats)-1].ID; got != "onbekend" {
		t.Errorf("machtiging stage ends with %q; want onbekend, as a placement lacks one", got)
	}
	tree := kpi.AreaTree(config.Default())
	tl := routeTally(tree.Areas, rs, stages)
	all, gr := kpi.All(), kpi.Area{Type: kpi.AreaRegion, Key: "groningen"}
	if diff := cmp.Diff([]kpi.Area{all, gr, {Type: kpi.AreaRegion, Key: "drenthe"}}, tl.areas); diff != "" {
		t.Errorf("areas (-want +got):\n%s", diff)
	}
	got := map[string]int{}
	for _, k := range []string{totalKey, nodeKey(0, "jgz"), nodeKey(1, "ja"), nodeKey(4, "spoed"), linkKey(0, "jgz", "ja"), linkKey(2, "ja", "nee"), linkKey(3, "nee", "spoed"), linkKey(3, "nee", "onbekend")} {
		got["all "+k] = tl.raw[all][k]
		got["groningen "+k] = tl.raw[gr][k]
	}
	want := map[string]int{
		"all placements": 24, "groningen placements": 17,
		"all 0:jgz": 19, "groningen 0:jgz": 12,
		"all 1:ja": 19, "groningen 1:ja": 12,
		"all 4:spoed": 19, "groningen 4:spoed": 12,
		"all 0:jgz>1:ja": 19, "groningen 0:jgz>1:ja": 12,
		"all 2:ja>3:nee": 12, "groningen 2:ja>3:nee": 12,
		"all 3:nee>4:spoed": 19, "groningen 3:nee>4:spoed": 12,
		"all 3:nee>4:onbekend": 0, "groningen 3:nee>4:onbekend": 0,
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
				t.Errorf("area %v stage %s adds up to %d, total %d", a, st.Title, sum, tl.raw[a][totalKey])
			}
		}
	}
}

func TestCellTexts(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	withheld := func(r kpi.Reason, b *kpi.Bound) kpi.Figure {
		return kpi.Figure{KPI: kpi.KPI{Kind: kpi.KindRatio}, Reason: r, Bound: b,
			Numerator: kpi.Count{Reason: r}, Denominator: kpi.Count{Reason: r}}
	}
	tests := []struct {
		name               string
		c                  cell
		display, csv, note string
	}{
		{"share", figureCell(kpi.Figure{KPI: kpi.KPI{Kind: kpi.KindRatio}, Value: f(0.46)}), "46%", "0,46", ""},
		{"count", countCell(kpi.Count{Value: 85}), "85", "85", ""},
		{"count below the threshold", countCell(kpi.Count{Reason: kpi.Small}), "<10", "<10", ""},
		{"count withheld for a neighbour", countCell(kpi.Count{Reason: kpi.Protected}), "–", "–", kpi.Protected.Dutch(10)},
		{"share with a small numerator", figureCell(withheld(kpi.SmallNumerator, &kpi.Bound{Value: 10.0 / 70, Upper: true})),
			"minder dan 15%", "–", "minder dan 15% (" + kpi.SmallNumerator.Dutch(10) + ")"},
		{"numerator of that share", ratioCells(withheld(kpi.SmallNumerator, &kpi.Bound{Value: 10.0 / 70, Upper: true}))[1], "<10", "<10", ""},
		{"share with a small complement", figureCell(withheld(kpi.SmallComplement, &kpi.Bound{Value: 1 - 10.0/70})),
			"meer dan 85%", "–", "meer dan 85% (" + kpi.SmallComplement.Dutch(10) + ")"},
		{"bound rounded outward", figureCell(withheld(kpi.SmallNumerator, &kpi.Bound{Value: 10.0 / 35, Upper: true})), "minder dan 29%", "–",
			"minder dan 29% (" + kpi.SmallNumerator.Dutch(10) + ")"},
		{"share over too few", figureCell(withheld(kpi.SmallBasis, nil)), "–", "–", kpi.SmallBasis.Dutch(10)},
		{"median", figureCell(kpi.Figure{KPI: kpi.KPI{Kind: kpi.KindMedian}, Value: f(84)}), "84", "84", ""},
		{"fall where lower is better", deltaCell(f(0.4), f(0.43), true), "▼ −3 %-punt", "-0,03", ""},
		{"rise", deltaCell(f(0.44), f(0.4), false), "▲ +4 %-punt", "0,04", ""},
		{"no change", deltaCell(f(0.4), f(0.4), false), "= gelijk", "0", ""},
		{"change of a withheld share", deltaCell(nil, f(0.4), false), "–", "–", ""},
		{"glide path of a share", levelCell(0.35714, kindShareLevel), "36%", "0,357", ""},
		{"glide path of a count", levelCell(23.44, kindCountLevel), "23", "23,4", ""},
		{"date", labelCell("1 november 2026", "2026-11-01"), "1 november 2026", "2026-11-01", ""},
		{"nothing", cell{}, "", "", ""},
	}
	for _, tt := range tests {
		got := []string{tt.c.display(10), tt.c.csvText(10), tt.c.note(10)}
		if diff := cmp.Diff([]string{tt.display, tt.csv, tt.note}, got); diff != "" {
			t.Errorf("%s: display, CSV, note (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, tt := range []struct{ got, want string }{
		{deltaCell(f(0.4), f(0.43), true).deltaClass(), "better"},
		{deltaCell(f(0.4), f(0.38), true).deltaClass(), "worse"},
		{deltaCell(f(0.4), f(0.38), false).deltaClass(), "better"},
		{monthLabel(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)), "oktober 2026"},
		{shortMonth(time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)), "mrt '27"},
		{dateLabel(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)), "1 november 2026"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestGridRendersOneValue builds a grid by hand and checks that its
// table, CSV and chart show the same published cells: the percentage
// beside its rounded counts, a withheld share as its bound with the
// reason, empty months left out of the CSV.
func TestGridRendersOneValue(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	shown := kpi.Figure{KPI: kpi.KPI{Kind: kpi.KindRatio}, Value: f(0.27), Numerator: kpi.Count{Value: 15}, Denominator: kpi.Count{Value: 55}}
	bounded := kpi.Figure{KPI: kpi.KPI{Kind: kpi.KindRatio}, Reason: kpi.SmallNumerator, Bound: &kpi.Bound{Value: 10.0 / 70, Upper: true},
		Numerator: kpi.Count{Reason: kpi.SmallNumerator}, Denominator: kpi.Count{Reason: kpi.SmallNumerator}}
	g := &grid{threshold: 10, caption: "Test", rowTitle: "Maand", fixed: []fixedCol{{csv: "kpi", cell: textCell("spoed_share")}},
		rowCSV: []string{"maand"}, seriesCSV: []string{"gebied"},
		measures: []measure{{"Waarde", "waarde"}, {"Teller", "teller"}, {"Noemer", "noemer"}},
		series:   []seriesHead{{name: "Groningen", csv: []string{"groningen"}}, {name: "Drenthe", csv: []string{"drenthe"}}}}
	g.add(rowHead{label: "oktober 2026", csv: []string{"2026-10"}}, ratioCells(shown), ratioCells(bounded))
	g.add(rowHead{label: "november 2026", csv: []string{"2026-11"}}, []cell{{}, {}, {}}, []cell{{}, {}, {}})

	tb := g.table(false)
	var texts []string
	for _, c := range tb.Rows[0] {
		texts = append(texts, c.Text)
	}
	wantRow := []string{"oktober 2026", "27%", "15", "55", "minder dan 15%", "<10", "–",
		"Drenthe: " + kpi.SmallNumerator.Dutch(10)}
	if diff := cmp.Diff(wantRow, texts); diff != "" {
		t.Errorf("table row (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]headCell{{Text: "Maand", RowSpan: 2}, {Text: "Groningen", ColSpan: 3}, {Text: "Drenthe", ColSpan: 3}, {Text: "Toelichting", RowSpan: 2}}, tb.Head[0]); diff != "" {
		t.Errorf("table head (-want +got):\n%s", diff)
	}

	file := csvOf("test.csv", g)
	wantCSV := [][]string{
		{"kpi", "maand", "gebied", "waarde", "teller", "noemer", "toelichting"},
		{"spoed_share", "2026-10", "groningen", "0,27", "15", "55", ""},
		{"spoed_share", "2026-10", "drenthe", "–", "<10", "–", "minder dan 15% (" + kpi.SmallNumerator.Dutch(10) + ")"},
	}
	if diff := cmp.Diff(wantCSV, append([][]string{file.Header}, file.Rows...)); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}

	opt, err := lineChart{lines: []lineMeasure{{measure: 0}}}.option(g)
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Series []struct {
			Name string `json:"name"`
			Data []struct {
				Value any `json:"value"`
			} `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(opt), &o); err != nil {
		t.Fatal(err)
	}
	got := map[string][]any{}
	for _, s := range o.Series {
		for _, d := range s.Data {
			got[s.Name] = append(got[s.Name], d.Value)
		}
	}
	// Drenthe has no published point: no line at all.
	if diff := cmp.Diff(map[string][]any{"Groningen": {0.27, "-"}}, got); diff != "" {
		t.Errorf("chart (-want +got):\n%s", diff)
	}
}

// TestHeadlineCardSaysWhy: a withheld KPI keeps its card and its rows;
// the card says why in Dutch and shows the bound, never a point value.
func TestHeadlineCardSaysWhy(t *testing.T) {
	k, _ := kpi.Lookup(kpi.SpoedShare)
	withheld := func(r kpi.Reason, b *kpi.Bound) kpi.Figure {
		return kpi.Figure{KPI: k, Reason: r, Bound: b, Numerator: kpi.Count{Reason: r}, Denominator: kpi.Count{Reason: r}}
	}
	f := func(v float64) *float64 { return &v }
	g := headlineGrid(10, fixedCol{csv: "maand", cell: textCell("2026-10")}, k, 0)
	for _, r := range []struct {
		area string
		f    kpi.Figure
	}{
		// Nearly every placement began with a spoedmachtiging: too few
		// did not.
		{"Alle regio's", withheld(kpi.SmallComplement, &kpi.Bound{Value: 1 - 10.0/100})},
		{"Groningen", withheld(kpi.Protected, nil)},
		{"Drenthe", kpi.Figure{KPI: k, Value: f(0.75), Numerator: kpi.Count{Value: 30}, Denominator: kpi.Count{Value: 40}}},
	} {
		st := judge(r.f.Value, f(0.5), 0, true, true)
		g.add(rowHead{label: r.area}, append(ratioCells(r.f), deltaCell(r.f.Value, f(0.7), true), levelCell(0.5, kindShareLevel), statusCell(st, r.f.Value == nil)))
	}
	card := cardOf(k, 0, g, statusUnknown)
	got := []string{card.Value, card.Why, card.Status, card.Delta, card.Glide}
	want := []string{"meer dan 90%", kpi.SmallComplement.Dutch(10), "Niet getoond (kleine aantallen)", "–", "50%"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("card: value, why, status, change, glide path (-want +got):\n%s", diff)
	}
	var rows [][]string
	for _, r := range card.Table.Rows {
		var texts []string
		for _, c := range r {
			texts = append(texts, c.Text)
		}
		rows = append(rows, texts)
	}
	wantRows := [][]string{
		{"Alle regio's", "meer dan 90%", "–", "–", "–", "50%", "Niet getoond"},
		{"Groningen", "–", "–", "–", "–", "50%", "Niet getoond"},
		{"Drenthe", "75%", "30", "40", "▲ +5 %-punt", "50%", "Achter"},
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("card rows (-want +got):\n%s", diff)
	}
	wantNotes := []string{"Alle regio's: " + kpi.SmallComplement.Dutch(10), "Groningen: " + kpi.Protected.Dutch(10)}
	if diff := cmp.Diff(wantNotes, card.Table.Notes); diff != "" {
		t.Errorf("card notes (-want +got):\n%s", diff)
	}
}
