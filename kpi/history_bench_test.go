package kpi

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/synth"
)

// benchDB lands a synthetic national-proportion set of youths in a fresh
// working database (synth, pseudonymize, ingest), for the KPI benchmarks.
func benchDB(b *testing.B, youths int) *sql.DB {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	sum, err := synth.Generate(ctx, filepath.Join(dir, "raw"), synth.Options{
		Youths: youths, Seed: 1, National: true,
		From: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		b.Fatal(err)
	}
	db, err := zsql.Open(ctx, filepath.Join(dir, "work.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	in := &ingest.Ingester{DB: db, ResearchKey: []byte("bench-research-key-0123456789abcdef")}
	for _, src := range ingest.SourceNames() {
		c, err := ingest.Source(src)
		if err != nil {
			b.Fatal(err)
		}
		for _, raw := range sum.Files[src] {
			out := filepath.Join(dir, src+"_"+filepath.Base(raw))
			r, err := os.Open(raw)
			if err != nil {
				b.Fatal(err)
			}
			w, err := os.Create(out)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pseudonymize.Transform(ctx, r, w, pseudonymize.Options{Key: []byte("bench-source-key-0123456789abcdef"), Contract: c}); err != nil {
				b.Fatal(err)
			}
			r.Close()
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
			if _, err := in.IngestFile(ctx, c, out); err != nil {
				b.Fatal(err)
			}
		}
	}
	return db
}

// BenchmarkRefresh recomputes the KPI history (every report month and
// area) over 20,000 youths at national proportions.
func BenchmarkRefresh(b *testing.B) {
	db := benchDB(b, 20000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Refresh(ctx, db, config.Default(), now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad reads one report month of the KPI history, as zothuis kpi
// and the dashboard do.
func BenchmarkLoad(b *testing.B) {
	db := benchDB(b, 20000)
	ctx := context.Background()
	if _, err := Refresh(ctx, db, config.Default(), now); err != nil {
		b.Fatal(err)
	}
	month := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Load(ctx, db, month)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Rows) == 0 {
			b.Fatal("no rows")
		}
	}
}
