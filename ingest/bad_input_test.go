package ingest_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
	zsql "github.com/zothuis/zothuis/sql"
)

// badDir is the bad-input corpus; outcomes.txt in it is the manifest.
const badDir = "testdata/bad"

// outcome is one entry of testdata/bad/outcomes.txt: a delivery and the
// outcome it must have.
type outcome struct {
	file       string
	source     string
	generated  bool
	rows       int  // data rows in the file, counted by hand
	hasRows    bool // rows was given
	refused    string
	accepted   int
	landed     int
	quarantine []string // "LINE COLUMN REASON", COLUMN "-" for the whole row
	never      []string
	checks     [][2]string // SQL, the value it must return as text
	why        string
}

// readOutcomes parses the manifest: blocks of "key: value" lines separated
// by blank lines; '#' starts a comment line.
func readOutcomes(t *testing.T) []outcome {
	t.Helper()
	f, err := os.Open(filepath.Join(badDir, "outcomes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []outcome
	var cur *outcome
	sc := bufio.NewScanner(f)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			cur = nil
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("outcomes.txt:%d: want key: value", lineNo)
		}
		val = strings.TrimSpace(val)
		if key == "file" {
			out = append(out, outcome{file: val})
			cur = &out[len(out)-1]
			continue
		}
		if cur == nil {
			t.Fatalf("outcomes.txt:%d: %s outside a file block", lineNo, key)
		}
		atoi := func() int {
			n, err := strconv.Atoi(val)
			if err != nil {
				t.Fatalf("outcomes.txt:%d: %v", lineNo, err)
			}
			return n
		}
		switch key {
		case "source":
			cur.source = val
		case "generated":
			cur.generated = true
		case "rows":
			cur.rows, cur.hasRows = atoi(), true
		case "refused":
			cur.refused = val
		case "accepted":
			cur.accepted = atoi()
		case "landed":
			cur.landed = atoi()
		case "quarantine":
			cur.quarantine = append(cur.quarantine, val)
		case "never":
			cur.never = append(cur.never, val)
		case "check":
			q, want, ok := strings.Cut(val, " => ")
			if !ok {
				t.Fatalf("outcomes.txt:%d: want check: SQL => VALUE", lineNo)
			}
			cur.checks = append(cur.checks, [2]string{q, want})
		case "why":
			cur.why = val
		default:
			t.Fatalf("outcomes.txt:%d: unknown key %q", lineNo, key)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// generators write the corpus files that are too big or too binary to
// commit; each is named in outcomes.txt with "generated:".
var generators = map[string]func(t *testing.T, db *sql.DB, path string){
	"long_line_10mb.csv":                    genLongLine,
	"runaway_quote.csv":                     genRunawayQuote,
	"parquet_wrong_types.parquet":           genParquet(`SELECT 'P-101' AS plaatsing_id, 'ELKER' AS aanbieder, '453347fd1671589187ffa1ff87a95b52' AS pseudonym, 'GM0106' AS gemeente, 'regulier' AS machtiging, DATE '2025-12-01' AS machtigingsdatum, 46032.5::DOUBLE AS startdatum, NULL::DATE AS einddatum, true AS reden_einde, 'ja' AS perspectief_onderwijs, 'ja' AS perspectief_wonen`, nil),
	"parquet_wrong_types_empty.parquet":     genParquet(`SELECT 'P-101' AS plaatsing_id, 'ELKER' AS aanbieder, '453347fd1671589187ffa1ff87a95b52' AS pseudonym, 'GM0106' AS gemeente, 'regulier' AS machtiging, DATE '2025-12-01' AS machtigingsdatum, 46032.5::DOUBLE AS startdatum, NULL::DATE AS einddatum, true AS reden_einde, 'ja' AS perspectief_onderwijs, 'ja' AS perspectief_wonen LIMIT 0`, nil),
	"parquet_bsn_as_integer.parquet":        genParquet(`SELECT 'P-10' || i AS plaatsing_id, 'ELKER' AS aanbieder, CASE WHEN i = 3 THEN 111222333 ELSE 12 END::BIGINT AS pseudonym, 'GM0106' AS gemeente, 'regulier' AS machtiging, DATE '2025-12-01' AS machtigingsdatum, DATE '2026-01-10' AS startdatum, NULL::DATE AS einddatum, NULL AS reden_einde, 'ja' AS perspectief_onderwijs, 'ja' AS perspectief_wonen FROM range(1, 5) t(i)`, nil),
	"parquet_truncated.parquet":             genParquet(validParquetSQL, func(b []byte) []byte { return b[:len(b)/2] }),
	"parquet_footer_corrupt.parquet":        genParquet(validParquetSQL, corruptBefore(8, 64)),
	"parquet_pages_corrupt.parquet":         genParquet(validParquetSQL, corruptAfter(4, 4096)),
	"arrow_truncated.arrow":                 genArrow(false, func(b []byte) []byte { return b[:len(b)*2/3] }),
	"arrow_stream_truncated.arrows":         genArrow(true, func(b []byte) []byte { return b[:len(b)-200] }),
	"arrow_body_corrupt.arrow":              genArrow(false, corruptBatchMetadata),
	"arrow_null_columns_billion_rows.arrow": genArrowNullRows,
	"arrow_stream_body_34gb.arrows":         genArrow(true, claimHugeBody),
	"arrow_wrong_types.arrow":               genArrowFloat,
}

// validParquetSQL is a clean JZ+ delivery of 3000 rows with native types.
const validParquetSQL = `SELECT 'P-' || i AS plaatsing_id, 'ELKER' AS aanbieder, md5(i::VARCHAR) AS pseudonym, 'GM0106' AS gemeente, 'regulier' AS machtiging, DATE '2025-12-01' AS machtigingsdatum, DATE '2026-01-10' + (i % 300)::INT AS startdatum, NULL::DATE AS einddatum, NULL AS reden_einde, 'ja' AS perspectief_onderwijs, 'nee' AS perspectief_wonen FROM range(3000) t(i)`

// corruptBefore overwrites n bytes ending skip bytes before the end of the
// file (where Parquet keeps its footer) with 0xAB.
func corruptBefore(skip, n int) func([]byte) []byte {
	return func(b []byte) []byte {
		for i := len(b) - skip - n; i < len(b)-skip; i++ {
			b[i] = 0xab
		}
		return b
	}
}

// corruptAfter overwrites n bytes from offset off with 0xAB.
func corruptAfter(off, n int) func([]byte) []byte {
	return func(b []byte) []byte {
		for i := off; i < off+n && i < len(b); i++ {
			b[i] = 0xab
		}
		return b
	}
}

// corruptBatchMetadata overwrites the flatbuffer metadata of the second
// message of an Arrow IPC file (the first record batch): each message
// starts with the continuation marker 0xFFFFFFFF and its length.
func corruptBatchMetadata(b []byte) []byte {
	marker := []byte{0xff, 0xff, 0xff, 0xff}
	first := bytes.Index(b[8:], marker) + 8
	second := bytes.Index(b[first+8:], marker) + first + 8
	return corruptAfter(second+8, 48)(b)
}

// claimHugeBody sets the bodyLength (field 3 of the Message table) of the
// second message of an Arrow IPC stream, its first record batch, to 2^35.
// The schema message before it has no body.
func claimHugeBody(b []byte) []byte {
	le := binary.LittleEndian
	second := 8 + int(le.Uint32(b[4:]))
	meta := b[second+8:]
	root := int(le.Uint32(meta))
	vt := root - int(int32(le.Uint32(meta[root:])))
	off := int(le.Uint16(meta[vt+4+2*3:]))
	le.PutUint64(meta[root+off:], 1<<35)
	return b
}

func genParquet(query string, mangle func([]byte) []byte) func(t *testing.T, db *sql.DB, path string) {
	return func(t *testing.T, db *sql.DB, path string) {
		t.Helper()
		if _, err := db.Exec(`COPY (` + query + `) TO '` + path + `' (FORMAT parquet)`); err != nil {
			t.Fatal(err)
		}
		if mangle != nil {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, mangle(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// genLongLine writes a delivery whose third line is 10 MB long, without
// a delimiter in it.
func genLongLine(t *testing.T, _ *sql.DB, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "plaatsing_id,aanbieder,pseudonym,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen")
	fmt.Fprintln(w, "P-101,ELKER,453347fd1671589187ffa1ff87a95b52,GM0106,regulier,2025-12-01,2026-01-10,,,ja,ja")
	w.WriteString("P-102,")
	for i := 0; i < 10<<20; i++ {
		w.WriteByte('x')
	}
	fmt.Fprintln(w, ",70b6cb83c51a63c6838ce36e28067f13,GM0106,regulier,2025-12-01,2026-01-10,,,ja,ja")
	fmt.Fprintln(w, "P-103,ELKER,483ca07347f8d7798970f0bf4c750cdf,GM0106,regulier,2025-12-01,2026-01-10,,,ja,ja")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// genRunawayQuote writes a delivery whose third line opens a quote that is
// never closed, followed by 200,000 ordinary lines (about 20 MB): a reader
// that keeps looking for the closing quote holds all of it in memory.
func genRunawayQuote(t *testing.T, _ *sql.DB, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "plaatsing_id,aanbieder,pseudonym,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen")
	fmt.Fprintln(w, "P-101,ELKER,453347fd1671589187ffa1ff87a95b52,GM0106,regulier,2025-12-01,2026-01-10,,,ja,ja")
	fmt.Fprintln(w, `P-102,"ELKER,70b6cb83c51a63c6838ce36e28067f13,GM0106,regulier,2025-12-01,2026-01-10,,,ja,ja`)
	for i := 0; i < 200_000; i++ {
		fmt.Fprintf(w, "P-%d,ELKER,483ca07347f8d7798970f0bf4c750cdf,GM0106,regulier,2025-12-01,2026-01-10,,,ja,ja\n", 1000+i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

// genArrow writes the clean rows of formats_test.go as Arrow IPC and
// mangles the bytes.
func genArrow(stream bool, mangle func([]byte) []byte) func(t *testing.T, db *sql.DB, path string) {
	return func(t *testing.T, _ *sql.DB, path string) {
		t.Helper()
		writeArrow(t, path, stream)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, mangle(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// genArrowNullRows writes the contract's columns as null-typed columns
// of a billion rows: no buffers, so the file stays tiny.
func genArrowNullRows(t *testing.T, _ *sql.DB, path string) {
	t.Helper()
	var fields []arrow.Field
	var cols []arrow.Array
	for _, n := range mustSource(t, "jzplus").Names() {
		fields = append(fields, arrow.Field{Name: n, Type: arrow.Null, Nullable: true})
		cols = append(cols, array.NewNull(1_000_000_000))
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, cols, 1_000_000_000)
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
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

// genArrowFloat writes an Arrow file whose startdatum is a float64.
func genArrowFloat(t *testing.T, _ *sql.DB, path string) {
	t.Helper()
	c := mustSource(t, "jzplus")
	var fields []arrow.Field
	for _, n := range c.Names() {
		typ := arrow.DataType(arrow.BinaryTypes.String)
		if n == "startdatum" {
			typ = arrow.PrimitiveTypes.Float64
		}
		fields = append(fields, arrow.Field{Name: n, Type: typ, Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i, v := range jzRows[0] {
		switch fb := b.Field(i).(type) {
		case *array.StringBuilder:
			fb.Append(v)
		case *array.Float64Builder:
			fb.Append(46032)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
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

// badTemplate makes a working database with one clean JZ+ delivery in it,
// closed, for every case to start from a copy of.
func badTemplate(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "template.duckdb")
	db, err := zsql.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in := &ingest.Ingester{DB: db, ResearchKey: researchKey}
	if _, err := in.IngestFile(context.Background(), mustSource(t, "jzplus"), "testdata/jzplus_2.csv"); err != nil {
		t.Fatal(err)
	}
	return path
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// ingestNoPanic lands a file, turning a panic into a test failure with
// the file named.
func ingestNoPanic(t *testing.T, in *ingest.Ingester, source, path string) (res ingest.Result, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("IngestFile(%s) panicked: %v", filepath.Base(path), p)
		}
	}()
	return in.IngestFile(context.Background(), mustSource(t, source), path)
}

// TestBadInputCorpus lands every file of testdata/bad (and the generated
// ones) in a fresh copy of a working database and checks the outcome the
// manifest gives: refused with a clear message and every table unchanged,
// or landed with exactly the quarantine rows listed, and in either case no
// panic and no planted value anywhere in the database or the message.
func TestBadInputCorpus(t *testing.T) {
	cases := readOutcomes(t)
	if len(cases) < 30 {
		t.Errorf("corpus has %d cases, want at least 30", len(cases))
	}
	// Every committed file is in the manifest, and the other way round.
	listed := map[string]bool{}
	for _, c := range cases {
		if listed[c.file] {
			t.Errorf("outcomes.txt lists %s twice", c.file)
		}
		listed[c.file] = true
		if c.generated != (generators[c.file] != nil) {
			t.Errorf("%s: generated %v, but generator present %v", c.file, c.generated, generators[c.file] != nil)
		}
		if c.source == "" || c.why == "" {
			t.Errorf("%s: source and why are required", c.file)
		}
		if c.refused == "" && !c.hasRows {
			t.Errorf("%s: a landed case needs rows", c.file)
		}
	}
	entries, err := os.ReadDir(badDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); n != "outcomes.txt" && !listed[n] {
			t.Errorf("%s is in %s but not in outcomes.txt", n, badDir)
		}
	}

	template := badTemplate(t)
	genDB := openDB(t, filepath.Join(t.TempDir(), "gen.duckdb"))
	genDir := t.TempDir()
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(badDir, c.file)
			if c.generated {
				path = filepath.Join(genDir, c.file)
				generators[c.file](t, genDB, path)
			} else if _, err := os.Stat(path); err != nil {
				t.Fatal(err)
			}
			dbPath := filepath.Join(t.TempDir(), "work.duckdb")
			copyFile(t, template, dbPath)
			db := openDB(t, dbPath)
			before := dump(t, db)
			in := &ingest.Ingester{DB: db, ResearchKey: researchKey}

			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			allocBefore := ms.TotalAlloc
			res, err := ingestNoPanic(t, in, c.source, path)
			runtime.ReadMemStats(&ms)
			alloc := ms.TotalAlloc - allocBefore
			after := dump(t, db)

			// Nothing planted shows, in a table or the message.
			for _, v := range c.never {
				if err != nil && strings.Contains(err.Error(), v) {
					t.Errorf("message shows %q: %v", v, err)
				}
				for tbl, rows := range after {
					for _, r := range rows {
						if strings.Contains(r, v) {
							t.Errorf("table %s holds %q: %s", tbl, v, r)
						}
					}
				}
			}
			// Reading is bounded: no case reads a whole huge line or
			// runaway record into memory (holding the 10 MB line would
			// allocate 30 MB: the line, the record and the field).
			if alloc > 16<<20 {
				t.Errorf("ingest allocated %d MB", alloc>>20)
			}

			if c.refused != "" {
				if !errors.Is(err, ingest.ErrRefused) {
					t.Fatalf("err = %v (result %+v), want refused: %s", err, res, c.refused)
				}
				if !strings.Contains(err.Error(), c.refused) {
					t.Errorf("message %q lacks %q", err, c.refused)
				}
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("refused, but tables changed (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want it landed", err)
			}
			quarantined := map[string]bool{}
			for _, q := range c.quarantine {
				line, _, _ := strings.Cut(q, " ")
				quarantined[line] = true
			}
			got := fmt.Sprintf("rows %d, accepted %d, quarantined %d", res.Rows, res.Accepted, res.Quarantined)
			want := fmt.Sprintf("rows %d, accepted %d, quarantined %d", c.rows, c.accepted, len(quarantined))
			if got != want {
				t.Errorf("got %s; want %s", got, want)
			}
			if res.Rows != res.Accepted+res.Quarantined {
				t.Errorf("rows in %d != accepted %d + quarantined %d", res.Rows, res.Accepted, res.Quarantined)
			}
			var gotQ []string
			rows, err := db.Query(`SELECT line, coalesce(column_name, '-'), reason FROM quarantine WHERE delivery_id = ? ORDER BY line, column_name NULLS FIRST, reason`, res.DeliveryID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var line int
				var col, reason string
				if err := rows.Scan(&line, &col, &reason); err != nil {
					t.Fatal(err)
				}
				gotQ = append(gotQ, fmt.Sprintf("%d %s %s", line, col, reason))
			}
			rows.Close()
			wantQ := slices.Clone(c.quarantine)
			slices.SortFunc(wantQ, func(a, b string) int {
				la, _, _ := strings.Cut(a, " ")
				lb, _, _ := strings.Cut(b, " ")
				na, _ := strconv.Atoi(la)
				nb, _ := strconv.Atoi(lb)
				if na != nb {
					return na - nb
				}
				return strings.Compare(a, b)
			})
			if diff := cmp.Diff(wantQ, gotQ); diff != "" {
				t.Errorf("quarantine (-want +got):\n%s", diff)
			}
			var landed, recAcc, recQ int
			if err := db.QueryRow(`SELECT count(*) FROM `+c.source+` WHERE delivery_id = ?`, res.DeliveryID).Scan(&landed); err != nil {
				t.Fatal(err)
			}
			if landed != c.landed {
				t.Errorf("%d rows landed in %s, want %d", landed, c.source, c.landed)
			}
			if err := db.QueryRow(`SELECT rows_accepted, rows_quarantined FROM deliveries WHERE delivery_id = ?`, res.DeliveryID).Scan(&recAcc, &recQ); err != nil {
				t.Fatal(err)
			}
			if recAcc != res.Accepted || recQ != res.Quarantined {
				t.Errorf("delivery recorded %d accepted, %d quarantined; result says %d, %d", recAcc, recQ, res.Accepted, res.Quarantined)
			}
			// Everything that was there is still there, and only the
			// source table, deliveries and quarantine grew.
			for tbl, rows := range before {
				for _, r := range rows {
					if !slices.Contains(after[tbl], r) {
						t.Errorf("table %s lost row %s", tbl, r)
					}
				}
				grew := len(after[tbl]) - len(rows)
				// A JZ+ delivery also opens a version in jzplus_history for
				// each placement it lands (the corpus lands new ones only).
				wantGrew := map[string]int{c.source: c.landed, "deliveries": 1, "quarantine": len(c.quarantine)}
				if c.source == "jzplus" {
					wantGrew["jzplus_history"] = c.landed
				}
				if grew != wantGrew[tbl] {
					t.Errorf("table %s grew by %d rows, want %d", tbl, grew, wantGrew[tbl])
				}
			}
			for _, ck := range c.checks {
				var v sql.NullString
				if err := db.QueryRow(ck[0]).Scan(&v); err != nil {
					t.Fatalf("check %s: %v", ck[0], err)
				}
				if v.String != ck[1] {
					t.Errorf("check %s = %q, want %q", ck[0], v.String, ck[1])
				}
			}
		})
	}
}

// TestBadInputRowsCountedIndependently counts the data rows of every
// landed CSV case of the corpus with encoding/csv in its most lenient
// mode, apart from the code under test, and compares with the manifest: the
// hand count in outcomes.txt and the reader agree on how many rows came in.
func TestBadInputRowsCountedIndependently(t *testing.T) {
	for _, c := range readOutcomes(t) {
		if c.refused != "" || c.generated || !strings.HasSuffix(c.file, ".csv") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(badDir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		n := plainRowCount(t, b)
		if n != c.rows {
			t.Errorf("%s: plain count %d rows, manifest %d", c.file, n, c.rows)
		}
	}
}

// plainRowCount counts the records after the header: lines, joined where
// a quoted field spans them; blank lines are no rows.
func plainRowCount(t *testing.T, b []byte) int {
	t.Helper()
	n, inQuote, blank := 0, false, true
	for _, c := range string(b) {
		switch {
		case c == '"':
			inQuote = !inQuote
			blank = false
		case c == '\n' && !inQuote:
			if !blank {
				n++
			}
			blank = true
		case c != '\r' && c != ' ':
			blank = false
		}
	}
	if !blank {
		n++ // a last line without a line end
	}
	return n - 1 // the header
}

// TestRefusalKinds: a refused delivery says what kind of refusal it is by
// its type (operations page on a BSN), and which file it was.
func TestRefusalKinds(t *testing.T) {
	for _, tt := range []struct {
		file, source string
		want         ingest.RefusalKind
	}{
		{"bsn_in_pseudonym.csv", "jzplus", ingest.RefusedBSN},
		{"columns_missing.csv", "jzplus", ingest.RefusedColumns},
		{"arrow_magic_only.arrow", "jzplus", ingest.RefusedUnreadable},
	} {
		t.Run(tt.file, func(t *testing.T) {
			in, _ := newIngester(t)
			c, err := ingest.Source(tt.source)
			if err != nil {
				t.Fatal(err)
			}
			_, err = in.IngestFile(context.Background(), c, filepath.Join("testdata", "bad", tt.file))
			var re *ingest.RefusedError
			if !errors.As(err, &re) || !errors.Is(err, ingest.ErrRefused) {
				t.Fatalf("err = %v, want a *RefusedError matching ErrRefused", err)
			}
			if diff := cmp.Diff([2]string{string(tt.want), tt.file}, [2]string{string(re.Kind), re.File}); diff != "" {
				t.Errorf("kind and file (-want +got):\n%s", diff)
			}
		})
	}
}
