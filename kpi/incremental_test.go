package kpi

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/sql/sqltest"
	"github.com/zothuis/zothuis/synth"
)

// TestIncrementalRefreshMatchesFull lands a synthetic region's deliveries
// in the order their periods close, each at the start of the next month,
// as the daemon would: after every delivery one database refreshes its
// KPI history incrementally (Refresh) and another recomputes it in full
// (RefreshAll), and the two histories are the same, through JZ+
// corrections, youths new to a source, months that close, and a change
// of the regions. The incremental one recomputes far fewer months.
func TestIncrementalRefreshMatchesFull(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := synth.Generate(ctx, filepath.Join(dir, "raw"), synth.Options{Youths: 1500, Seed: 11, From: month(t, "2023-01"), To: month(t, "2026-06")})
	if err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		source, raw string
		closes      time.Time // first day of the month after its period
	}
	period := regexp.MustCompile(`_(\d{4})-(Q(\d)|(\d{2}))\.csv$`)
	var ds []delivery
	for _, c := range ingest.Sources() {
		for _, p := range gen.Files[c.Source] {
			m := period.FindStringSubmatch(p)
			if m == nil {
				t.Fatalf("period of %s", p)
			}
			y, _ := strconv.Atoi(m[1])
			var end time.Month
			if m[3] != "" {
				q, _ := strconv.Atoi(m[3])
				end = time.Month(q * 3)
			} else {
				mm, _ := strconv.Atoi(m[4])
				end = time.Month(mm)
			}
			ds = append(ds, delivery{c.Source, p, time.Date(y, end+1, 1, 0, 0, 0, 0, time.UTC)})
		}
	}
	slices.SortStableFunc(ds, func(a, b delivery) int { return a.closes.Compare(b.closes) })

	open := func(name string) *sql.DB {
		db, err := zsql.Open(ctx, filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	inc, full := open("incremental.duckdb"), open("full.duckdb")
	key := []byte("incremental-test-research-key-0123456789")
	ingesters := []*ingest.Ingester{{DB: inc, ResearchKey: key}, {DB: full, ResearchKey: key}}
	cfg := config.Default()
	var incMonths, fullMonths, refreshes int
	var now time.Time
	// differ returns how the incremental history differs from the full one.
	differ := func() string {
		t.Helper()
		const q = `SELECT strftime(month, '%Y-%m'), kpi, area_type, area, numerator, denominator, value, n_values FROM kpi_history ORDER BY ALL`
		return cmp.Diff(sqltest.Rows(t, full, q), sqltest.Rows(t, inc, q))
	}
	for i, d := range ds {
		c, err := ingest.Source(d.source)
		if err != nil {
			t.Fatal(err)
		}
		pseudo := filepath.Join(dir, "deliveries", filepath.Base(d.raw))
		if err := pseudonymizeDemoFile(ctx, d.raw, pseudo, pseudonymize.Options{Key: []byte("incremental-test-source-key-0123456789ab"), Contract: c}); err != nil {
			t.Fatal(err)
		}
		for _, in := range ingesters {
			if _, err := in.IngestFile(ctx, c, pseudo); err != nil {
				t.Fatal(err)
			}
		}
		if i == len(ds)/3 {
			// A region changes: the whole history changes with it. Three
			// municipalities leave it, so that from here on placements
			// count outside any region too, where links.sql must bring
			// the linkage counts up to date as well.
			cfg = config.Default()
			cfg.Regions[0].Gemeenten = cfg.Regions[0].Gemeenten[3:]
		}
		now = d.closes.Add(36 * time.Hour)
		a, err := Refresh(ctx, inc, cfg, now)
		if err != nil {
			t.Fatal(err)
		}
		b, err := RefreshAll(ctx, full, cfg, now)
		if err != nil {
			t.Fatal(err)
		}
		if a.First != b.First || a.Last != b.Last {
			t.Fatalf("after %s: spans %v and %v", filepath.Base(d.raw), a, b)
		}
		if b.Last.IsZero() {
			continue
		}
		refreshes++
		incMonths += a.Recomputed
		fullMonths += b.Recomputed
		if diff := differ(); diff != "" {
			t.Fatalf("after %s (delivery %d of %d, %d months recomputed): KPI history (-full +incremental):\n%s",
				filepath.Base(d.raw), i+1, len(ds), a.Recomputed, diff)
		}
	}
	t.Logf("%d refreshes: %d months recomputed incrementally, %d in full", refreshes, incMonths, fullMonths)
	if refreshes < 20 || incMonths*3 > fullMonths {
		t.Errorf("%d refreshes recomputed %d months incrementally against %d in full; want at most a third", refreshes, incMonths, fullMonths)
	}

	// Without a delivery, two months close: only they are computed. Then
	// the definitions change, a history query of a new release and a
	// migration: everything is.
	now = now.AddDate(0, 2, 0)
	ninc := func(history string) int {
		t.Helper()
		a, err := refreshWith(ctx, inc, cfg, now, history, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := RefreshAll(ctx, full, cfg, now); err != nil {
			t.Fatal(err)
		}
		if diff := differ(); diff != "" {
			t.Fatalf("KPI history (-full +incremental):\n%s", diff)
		}
		return a.Recomputed
	}
	months := func() int {
		t.Helper()
		var n int
		if err := inc.QueryRow(`SELECT count(DISTINCT month) FROM kpi_history`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := ninc(historySQL); n != 2 {
		t.Errorf("two months closed without a delivery: %d months computed, want 2", n)
	}
	if n := ninc(historySQL); n != 0 {
		t.Errorf("nothing changed: %d months computed, want 0", n)
	}
	if n, all := ninc(historySQL+"\n-- a new release's query\n"), months(); n != all {
		t.Errorf("another history query: %d months computed, want all %d", n, all)
	}
	if n, all := ninc(historySQL), months(); n != all {
		t.Errorf("the history query back: %d months computed, want all %d", n, all)
	}
	if _, err := inc.Exec(`INSERT INTO schema_migrations VALUES (9999, '9999_test.sql', now())`); err != nil {
		t.Fatal(err)
	}
	if n, all := ninc(historySQL), months(); n != all {
		t.Errorf("a migration: %d months computed, want all %d", n, all)
	}
	if _, err := inc.Exec(`DELETE FROM schema_migrations WHERE version = 9999`); err != nil {
		t.Fatal(err)
	}
}

func month(t *testing.T, s string) time.Time {
	t.Helper()
	m, err := time.Parse("2006-01", s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
