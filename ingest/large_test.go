package ingest_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestLargeFileLandsWhole lands one delivery bigger than DuckDB's row
// group (122,880 rows) and checks the table against the file: count,
// distinct youths and a checksum of the dates. DuckDB 2.0.0 (duckdb-go
// v2.20000.0) left the staging table empty, without an error, after one
// append of 110,592 rows or more into a table created in the same
// transaction, while the delivery log said every row was accepted; every
// other test file is far smaller (issue 17, point 10).
func TestLargeFileLandsWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and lands 150,000 rows")
	}
	const n = 150_000
	file := writeBigJGZ(t, t.TempDir(), n)
	in, db := newIngester(t)
	res, err := in.IngestFile(context.Background(), mustSource(t, "jgz"), file)
	if err != nil {
		t.Fatal(err)
	}
	// What the file holds, computed from how writeBigJGZ writes it: row
	// i is youth i, seen on day i%700 after 2024-01-01.
	type summary struct {
		Accepted, Rows, Youths, Logged int64
		DaySum                         int64
	}
	want := summary{Accepted: n, Rows: n, Youths: n, Logged: n}
	for i := range n {
		want.DaySum += int64(i % 700)
	}
	got := summary{Accepted: int64(res.Accepted)}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT research_id), coalesce(sum(contactdatum - ?::DATE), 0) FROM jgz`, base).
		Scan(&got.Rows, &got.Youths, &got.DaySum); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT rows_accepted FROM deliveries WHERE file_name = ?`, filepath.Base(file)).Scan(&got.Logged); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("the landed table against the file (-want +got):\n%s", d)
	}
}
