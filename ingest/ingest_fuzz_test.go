package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zothuis/zothuis/ingest"
	zsql "github.com/zothuis/zothuis/sql"
)

// FuzzIngestFile lands arbitrary bytes as a JZ+ delivery in one working
// database (a fresh one per input would be too slow to fuzz). Whatever the
// bytes: no panic; either the file is refused (ErrRefused, never another
// error) and no table changes, or it lands with rows in = accepted +
// quarantined, the quarantine holding one or more rows for each
// quarantined line, and no more rows in the table than were accepted.
// Seeds are the committed CSV files of the bad-input corpus.
func FuzzIngestFile(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join(badDir, "*.csv"))
	if err != nil {
		f.Fatal(err)
	}
	paths = append(paths, "testdata/jzplus_1.csv", "testdata/jzplus_2.csv")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	db, err := zsql.Open(context.Background(), filepath.Join(f.TempDir(), "work.duckdb"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	in := &ingest.Ingester{DB: db, ResearchKey: researchKey}
	c, err := ingest.Source("jzplus")
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	counts := func(t *testing.T) (deliveries, quarantine, jzplus int) {
		t.Helper()
		if err := db.QueryRow(`SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM quarantine), (SELECT count(*) FROM jzplus)`).Scan(&deliveries, &quarantine, &jzplus); err != nil {
			t.Fatal(err)
		}
		return
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "delivery.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		d0, q0, j0 := counts(t)
		res, err := in.IngestFile(context.Background(), c, path)
		d1, q1, j1 := counts(t)
		if err != nil {
			if !errors.Is(err, ingest.ErrRefused) {
				t.Fatalf("an input that is not refused fails: %v", err)
			}
			if d1 != d0 || q1 != q0 || j1 != j0 {
				t.Fatalf("refused (%v), but tables changed: deliveries %d→%d, quarantine %d→%d, jzplus %d→%d", err, d0, d1, q0, q1, j0, j1)
			}
			return
		}
		if res.DuplicateOf != 0 {
			if d1 != d0 || q1 != q0 || j1 != j0 {
				t.Fatalf("duplicate of %d, but tables changed", res.DuplicateOf)
			}
			return
		}
		if res.Rows != res.Accepted+res.Quarantined {
			t.Fatalf("rows %d != accepted %d + quarantined %d", res.Rows, res.Accepted, res.Quarantined)
		}
		var lines, landed int
		if err := db.QueryRow(`SELECT count(DISTINCT line) FROM quarantine WHERE delivery_id = ?`, res.DeliveryID).Scan(&lines); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT count(*) FROM jzplus WHERE delivery_id = ?`, res.DeliveryID).Scan(&landed); err != nil {
			t.Fatal(err)
		}
		if lines != res.Quarantined || landed > res.Accepted || (res.Accepted > 0 && landed == 0) || d1 != d0+1 {
			t.Fatalf("%+v: %d quarantined lines, %d rows landed, deliveries %d→%d", res, lines, landed, d0, d1)
		}
		// A row is at least one line.
		if nl := strings.Count(string(data), "\n"); res.Rows > nl+1 {
			t.Fatalf("%d rows from %d lines", res.Rows, nl+1)
		}
	})
}
