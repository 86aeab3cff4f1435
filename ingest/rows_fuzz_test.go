package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// FuzzReadRows opens arbitrary bytes as a delivery file and reads every
// row: whatever the bytes, the readers (CSV, Parquet, Arrow file and
// stream) return rows or an error, and never panic. Seeds are a clean
// delivery in each format; the fuzzer mutates them.
func FuzzReadRows(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "delivery")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		src, _, err := openRows(context.Background(), path)
		if err != nil {
			return
		}
		defer src.Close()
		n := len(src.Header())
		for i := 0; ; i++ {
			rec, err := src.Read()
			if err != nil {
				return // io.EOF, or a refusal: either is fine, a panic is not
			}
			if !rec.FieldCountErr && len(rec.Fields) != n {
				t.Fatalf("row %d: %d fields, header %d, but no FieldCountErr", i, len(rec.Fields), n)
			}
		}
	})
}

// fuzzSeeds returns a small clean JZ+ delivery as CSV, Parquet (written by
// DuckDB), Arrow IPC file and Arrow IPC stream.
func fuzzSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	csvText := "plaatsing_id,aanbieder,pseudonym,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen\n" +
		"P-001,ELKER,453347fd1671589187ffa1ff87a95b52,GM0014,spoed,2026-01-05,2026-01-05,,,onbekend,onbekend\n" +
		"P-002,ELKER,70b6cb83c51a63c6838ce36e28067f13,GM0106,regulier,01-12-2025,10-01-2026,01-03-2026,2,ja,ja\n"
	seeds := [][]byte{[]byte(csvText)}
	dir := tb.TempDir()
	csvPath := filepath.Join(dir, "seed.csv")
	if err := os.WriteFile(csvPath, []byte(csvText), 0o600); err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	pq := filepath.Join(dir, "seed.parquet")
	if _, err := db.Exec(`COPY (SELECT * REPLACE (strptime(startdatum, ['%Y-%m-%d', '%d-%m-%Y'])::DATE AS startdatum, reden_einde::TINYINT AS reden_einde)
		FROM read_csv(?, all_varchar = true)) TO '`+pq+`' (FORMAT parquet)`, csvPath); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(pq)
	if err != nil {
		tb.Fatal(err)
	}
	seeds = append(seeds, b)

	schema := arrow.NewSchema([]arrow.Field{
		{Name: "plaatsing_id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "pseudonym", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "startdatum", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "reden_einde", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	rb.Field(0).(*array.StringBuilder).AppendValues([]string{"P-001", "P-002"}, nil)
	rb.Field(1).(*array.StringBuilder).AppendValues([]string{"453347fd1671589187ffa1ff87a95b52", ""}, []bool{true, false})
	rb.Field(2).(*array.Date32Builder).AppendValues([]arrow.Date32{20458, 20463}, nil)
	rb.Field(3).(*array.Int8Builder).AppendValues([]int8{1, 0}, []bool{true, false})
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var file, stream bytes.Buffer
	fw, err := ipc.NewFileWriter(&file, ipc.WithSchema(schema))
	if err != nil {
		tb.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		tb.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		tb.Fatal(err)
	}
	sw := ipc.NewWriter(&stream, ipc.WithSchema(schema))
	if err := sw.Write(rec); err != nil {
		tb.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		tb.Fatal(err)
	}
	return append(seeds, file.Bytes(), stream.Bytes())
}
