package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/pseudonymize"
)

func month(s string) time.Time {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		panic(err)
	}
	return t
}

// readAll reads every data row of a source's files, in delivery order,
// with the file index.
type row struct {
	file int
	rec  map[string]string
}

func readAll(t *testing.T, sum Summary, src string) []row {
	t.Helper()
	var out []row
	for i, p := range sum.Files[src] {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if diff := cmp.Diff(rawHeaders[src], recs[0]); diff != "" {
			t.Fatalf("%s header (-want +got):\n%s", p, diff)
		}
		for _, r := range recs[1:] {
			m := map[string]string{}
			for j, h := range recs[0] {
				m[h] = r[j]
			}
			out = append(out, row{file: i, rec: m})
		}
	}
	return out
}

var (
	defaultOnce sync.Once
	defaultSum  Summary
	defaultErr  error
)

// defaultScale generates the default scale once for the rate tests.
func defaultScale(t *testing.T) Summary {
	t.Helper()
	defaultOnce.Do(func() {
		dir, err := os.MkdirTemp("", "synth-test-")
		if err != nil {
			defaultErr = err
			return
		}
		defaultSum, defaultErr = Generate(context.Background(), dir, Options{Youths: 20000, Seed: 1, From: month("2023-01"), To: month("2026-10")})
	})
	if defaultErr != nil {
		t.Fatal(defaultErr)
	}
	return defaultSum
}

func TestMain(m *testing.M) {
	code := m.Run()
	if len(defaultSum.Files["jgz"]) > 0 {
		os.RemoveAll(filepath.Dir(filepath.Dir(defaultSum.Files["jgz"][0])))
	}
	os.Exit(code)
}

func TestDeterministic(t *testing.T) {
	opt := Options{Youths: 2000, Seed: 7, From: month("2024-01"), To: month("2025-06")}
	gen := func(opt Options) map[string][]byte {
		dir := t.TempDir()
		sum, err := Generate(context.Background(), dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, files := range sum.Files {
			for _, p := range files {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				rel, _ := filepath.Rel(dir, p)
				out[rel] = b
				fi, _ := os.Stat(p)
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v, want 0600 (it holds BSNs)", rel, fi.Mode().Perm())
				}
			}
		}
		return out
	}
	a, b := gen(opt), gen(opt)
	if len(a) != 6*3+18 {
		t.Errorf("got %d files, want 6 quarters × 3 sources + 18 months", len(a))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	opt.Seed = 8
	c := gen(opt)
	if bytes.Equal(a["jgz/jgz_2024-Q1.csv"], c["jgz/jgz_2024-Q1.csv"]) {
		t.Error("seeds 7 and 8 gave the same jgz file")
	}
}

func TestBSNsAreValidAndDistinct(t *testing.T) {
	seen := map[string]int{}
	for i := 0; i < 200_000; i++ {
		b := bsn(3, i)
		if !pseudonymize.ValidBSN(b) {
			t.Fatalf("youth %d: BSN %s fails the elfproef", i, b)
		}
		if j, dup := seen[b]; dup {
			t.Fatalf("youths %d and %d share BSN %s", j, i, b)
		}
		seen[b] = i
		if broken := breakBSN(b, i); pseudonymize.ValidBSN(broken) {
			t.Fatalf("breakBSN(%s) = %s still passes the elfproef", b, broken)
		}
	}
}

// TestLooksLikeTheNorth checks the rates the issue asks for at the default
// scale, counted from the raw files as a source would see them.
func TestLooksLikeTheNorth(t *testing.T) {
	sum := defaultScale(t)
	if sum.Youths != 20000 {
		t.Errorf("Youths = %d", sum.Youths)
	}
	regionOf := map[string]int{}
	for _, g := range municipalities {
		regionOf[g.code] = g.region
	}

	// The latest delivery of each placement is its truth.
	type plc struct {
		rec     map[string]string
		first   map[string]string
		nDelivs int
	}
	placements := map[string]*plc{}
	faulty := 0
	for _, r := range readAll(t, sum, "jzplus") {
		key := r.rec["aanbieder"] + "/" + r.rec["plaatsing_id"]
		if r.rec["plaatsing_id"] == "" {
			faulty++
			continue
		}
		p := placements[key]
		if p == nil {
			p = &plc{first: r.rec}
			placements[key] = p
		}
		p.rec = r.rec
		p.nDelivs++
	}
	if len(placements) != sum.Placements {
		t.Errorf("distinct placements in files = %d, Summary.Placements = %d", len(placements), sum.Placements)
	}
	perYear := map[[2]int]int{}
	spoed := map[string][2]int{} // period → spoed, all
	open, corrected := 0, 0
	perYouth := map[string]int{}
	for _, p := range placements {
		start, err := time.Parse("2006-01-02", p.rec["startdatum"])
		if err != nil {
			continue // a fault in the last delivery
		}
		reg := regionOf[p.rec["gemeente"]]
		perYear[[2]int{reg, start.Year()}]++
		period := "2024"
		if start.Year() != 2024 {
			period = "other"
			if !start.Before(month("2025-11")) {
				period = "2025-11..2026-10"
			}
		}
		c := spoed[period]
		if p.rec["machtiging"] == "spoed" {
			c[0]++
		}
		c[1]++
		spoed[period] = c
		if p.rec["einddatum"] == "" {
			open++
		}
		if p.first["machtiging"] != p.rec["machtiging"] {
			corrected++
		}
		perYouth[p.rec["bsn"]]++
	}
	for _, y := range []int{2024, 2025} {
		for _, reg := range []int{regionGroningen, regionDrenthe} {
			if n := perYear[[2]int{reg, y}]; n < 60 || n > 120 {
				t.Errorf("region %d, %d: %d placements, want 60–120", reg, y, n)
			}
		}
	}
	share := func(p string) float64 { return float64(spoed[p][0]) / float64(spoed[p][1]) }
	if s := share("2024"); s < 0.62 || s > 0.78 {
		t.Errorf("spoed share 2024 = %.2f, want near 0.70", s)
	}
	if s := share("2025-11..2026-10"); s < 0.38 || s > 0.55 {
		t.Errorf("spoed share in the last 12 months = %.2f, want falling toward 0.45", s)
	}
	if open < 20 {
		t.Errorf("%d open placements, want some", open)
	}
	if corrected < 5 {
		t.Errorf("%d placements corrected by a later delivery, want some", corrected)
	}
	twice := 0
	for _, n := range perYouth {
		if n > 1 {
			twice++
		}
	}
	if twice < 5 {
		t.Errorf("%d youths placed twice, want some", twice)
	}

	toegangYouths := map[string]bool{}
	for _, r := range readAll(t, sum, "toegang") {
		toegangYouths[r.rec["bsn"]] = true
	}
	if n := len(toegangYouths); n < 2000 || n > 6000 {
		t.Errorf("%d youths known to toegang, want a few thousand", n)
	}
}

// TestPostcodesRoundTrip checks that every postcode maps back, through the
// embedded table pseudonymize uses, to the municipality the youth's other
// rows name.
func TestPostcodesRoundTrip(t *testing.T) {
	sum := defaultScale(t)
	gemeenteOf := map[string]string{}
	for _, r := range readAll(t, sum, "toegang") {
		gemeenteOf[r.rec["bsn"]] = r.rec["gemeente"]
	}
	table := pseudonymize.DefaultPostcodeTable()
	checked := 0
	for _, r := range readAll(t, sum, "jgz") {
		gm, ok := table.Gemeente(r.rec["postcode"])
		if !ok {
			t.Fatalf("postcode %q is not in the table", r.rec["postcode"])
		}
		if want, known := gemeenteOf[r.rec["bsn"]]; known {
			checked++
			if gm != want {
				t.Fatalf("postcode %s maps to %s, the youth's toegang rows say %s", r.rec["postcode"], gm, want)
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d rows checked", checked)
	}
}

// TestFaults checks that the quarantine will have work of every kind, and
// that faults stay rare.
func TestFaults(t *testing.T) {
	sum := defaultScale(t)
	rows := readAll(t, sum, "jgz")
	var badBSN, unknownCode, badDate int
	for _, r := range rows {
		if !pseudonymize.ValidBSN(r.rec["bsn"]) {
			badBSN++
		}
		if r.rec["signaal"] == "sdq_hoog" {
			unknownCode++
		}
		if _, err := time.Parse("2006-01-02", r.rec["contactdatum"]); err != nil {
			badDate++
		}
	}
	endBeforeStart := 0
	for _, r := range readAll(t, sum, "verzuim") {
		if r.rec["einddatum"] != "" && r.rec["einddatum"] < r.rec["startdatum"] {
			endBeforeStart++
		}
	}
	if badBSN == 0 || unknownCode == 0 || badDate == 0 || endBeforeStart == 0 {
		t.Errorf("want every kind of fault; bad BSN %d, unknown code %d, bad date %d, end before start %d", badBSN, unknownCode, badDate, endBeforeStart)
	}
	if f := float64(badBSN+unknownCode+badDate) / float64(len(rows)); f > 0.01 {
		t.Errorf("%.3f of jgz rows faulty, want a sprinkle", f)
	}
	if n := sum.Rows["jgz"]; n != len(rows) {
		t.Errorf("Summary.Rows[jgz] = %d, files hold %d", n, len(rows))
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, t.TempDir(), Options{Youths: 5000, Seed: 1, From: month("2024-01"), To: month("2024-12")}); err == nil {
		t.Error("Generate on a cancelled context succeeded")
	}
}

// TestLargeScaleBoundedMemory generates a million youths and watches the
// heap. Opt-in (ZOTHUIS_SYNTH_LARGE=1): it writes about a gigabyte. Without
// it, the same check runs at 100,000 youths.
func TestLargeScaleBoundedMemory(t *testing.T) {
	youths := 100_000
	if v := os.Getenv("ZOTHUIS_SYNTH_LARGE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			n = 1_000_000
		}
		youths = n
	} else if testing.Short() {
		t.Skip("short mode")
	}
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		// The live heap as of the last collection: what the generator
		// keeps, not the garbage waiting to be swept.
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	sum, err := Generate(context.Background(), t.TempDir(), Options{Youths: youths, Seed: 1, From: month("2023-01"), To: month("2026-10")})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d youths: %d jgz rows, %d placements, peak live heap %d MiB", youths, sum.Rows["jgz"], sum.Placements, peak.Load()>>20)
	if p := peak.Load(); p > 32<<20 {
		t.Errorf("peak live heap %d MiB, want bounded (under 32 MiB) whatever the number of youths", p>>20)
	}
}
