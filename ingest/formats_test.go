package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
)

// jzRows is a clean JZ+ delivery, as in testdata/jzplus_2.csv.
var jzRows = [][]string{
	{"P-001", "Jeugdhulp Fryslân", "453347fd1671589187ffa1ff87a95b52", "GM0014", "regulier", "2025-12-20", "2026-01-05", "2026-02-15", "1", "ja", "onbekend"},
	{"P-002", "ELKER", "70b6cb83c51a63c6838ce36e28067f13", "GM0106", "regulier", "2025-12-01", "2026-01-10", "2026-03-01", "02", "ja", "ja"},
}

// writeArrow writes jzRows as Arrow IPC with native types: dates as
// date32, reden_einde as int8, the rest as strings.
func writeArrow(t *testing.T, path string, stream bool) {
	t.Helper()
	c := mustSource(t, "jzplus")
	var fields []arrow.Field
	for _, n := range c.Names() {
		typ := arrow.DataType(arrow.BinaryTypes.String)
		switch n {
		case "machtigingsdatum", "startdatum", "einddatum":
			typ = arrow.FixedWidthTypes.Date32
		case "reden_einde":
			typ = arrow.PrimitiveTypes.Int8
		}
		fields = append(fields, arrow.Field{Name: n, Type: typ, Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, row := range jzRows {
		for i, v := range row {
			switch fb := b.Field(i).(type) {
			case *array.StringBuilder:
				fb.Append(v)
			case *array.Date32Builder:
				d, err := time.Parse(time.DateOnly, v)
				if err != nil {
					t.Fatal(err)
				}
				fb.Append(arrow.Date32FromTime(d))
			case *array.Int8Builder:
				n, _ := strconv.Atoi(v)
				fb.Append(int8(n))
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if stream {
		w := ipc.NewWriter(f, ipc.WithSchema(schema))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestIngestFormatsLandTheSameRows(t *testing.T) {
	dir := t.TempDir()
	csvPath, _ := filepath.Abs("testdata/jzplus_2.csv")
	parquetPath := filepath.Join(dir, "jzplus.parquet")
	// DuckDB writes the Parquet file, with DATE columns, from the CSV.
	_, db := newIngester(t)
	if _, err := db.Exec(`COPY (SELECT * REPLACE (
			CAST(machtigingsdatum AS DATE) AS machtigingsdatum,
			CAST(startdatum AS DATE) AS startdatum,
			CAST(einddatum AS DATE) AS einddatum)
		FROM read_csv(?, all_varchar = true)) TO '`+parquetPath+`' (FORMAT parquet)`, csvPath); err != nil {
		t.Fatal(err)
	}
	arrowFile, arrowStream := filepath.Join(dir, "jzplus.arrow"), filepath.Join(dir, "jzplus.arrows")
	writeArrow(t, arrowFile, false)
	writeArrow(t, arrowStream, true)

	var want map[string][]string
	for _, tt := range []struct {
		path   string
		format ingest.Format
	}{{csvPath, ingest.CSV}, {parquetPath, ingest.Parquet}, {arrowFile, ingest.Arrow}, {arrowStream, ingest.Arrow}} {
		in, db := newIngester(t)
		res, err := in.IngestFile(context.Background(), mustSource(t, "jzplus"), tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		if res.Format != tt.format || res.Accepted != 2 || res.Quarantined != 0 {
			t.Errorf("%s: %+v", filepath.Base(tt.path), res)
		}
		got := dump(t, db, "jzplus", "quarantine")
		if want == nil {
			want = got
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s differs from CSV (-csv +this):\n%s", filepath.Base(tt.path), diff)
		}
	}
}
