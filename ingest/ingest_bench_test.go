package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/synth"
)

// benchYouths sizes the synthetic set of the ingest benchmarks: about
// 100,000 source rows, most of them JGZ.
const benchYouths = 16000

// benchDeliveries writes the synthetic raw exports of benchYouths youths
// and pseudonymises them; it returns each source's delivery files and the
// number of data rows they hold.
func benchDeliveries(b *testing.B) (map[string][]string, map[string]int) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	sum, err := synth.Generate(ctx, filepath.Join(dir, "raw"), synth.Options{
		Youths: benchYouths, Seed: 1,
		From: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		b.Fatal(err)
	}
	key := []byte("bench-source-key-0123456789abcdef")
	files := map[string][]string{}
	for src, raws := range sum.Files {
		c, err := ingest.Source(src)
		if err != nil {
			b.Fatal(err)
		}
		for _, raw := range raws {
			out := filepath.Join(dir, "pseudo", src, filepath.Base(raw))
			if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
				b.Fatal(err)
			}
			in, err := os.Open(raw)
			if err != nil {
				b.Fatal(err)
			}
			w, err := os.Create(out)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pseudonymize.Transform(ctx, in, w, pseudonymize.Options{Key: key, Contract: c}); err != nil {
				b.Fatal(err)
			}
			in.Close()
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			files[src] = append(files[src], out)
		}
	}
	return files, sum.Rows
}

// BenchmarkIngest lands each source's deliveries in a fresh database per
// iteration; rows/s counts delivered rows (overlap repeats included).
// Opening and migrating the database is left out of the timing.
func BenchmarkIngest(b *testing.B) {
	files, rows := benchDeliveries(b)
	for _, src := range ingest.SourceNames() {
		b.Run(src, func(b *testing.B) {
			c, err := ingest.Source(src)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, err := zsql.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("w%d.duckdb", i)))
				if err != nil {
					b.Fatal(err)
				}
				in := &ingest.Ingester{DB: db, ResearchKey: researchKey}
				b.StartTimer()
				for _, f := range files[src] {
					if _, err := in.IngestFile(ctx, c, f); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(rows[src])*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkDuckDBReadCSV is the anchor of BenchmarkIngest: DuckDB's own
// CSV loader over the same files, through the same driver.
func BenchmarkDuckDBReadCSV(b *testing.B) {
	files, rows := benchDeliveries(b)
	for _, src := range ingest.SourceNames() {
		b.Run(src, func(b *testing.B) {
			ctx := context.Background()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, err := zsql.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("a%d.duckdb", i)))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				for j, f := range files[src] {
					if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE TABLE anchor_%d AS SELECT * FROM read_csv('%s')", j, f)); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(rows[src])*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
