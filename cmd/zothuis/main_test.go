package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/kpi"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
)

var (
	demoOnce sync.Once
	demoOut  string
	demoLog  string
	demoErr  error
)

// demoDir runs the demo once for the package's tests, at a small scale.
func demoDir(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zothuis-demo-test-")
		if err != nil {
			demoErr = err
			return
		}
		demoOut = filepath.Join(dir, "demo")
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"demo", "--out", demoOut, "--youths", "6000", "--from", "2024-01", "--to", "2026-10"}, &stdout, &stderr)
		demoLog = stdout.String() + stderr.String()
		if code != 0 {
			demoErr = fmt.Errorf("demo exit %d:\n%s", code, demoLog)
		}
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoOut
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demoOut != "" {
		os.RemoveAll(filepath.Dir(demoOut))
	}
	os.Exit(code)
}

func TestDemo(t *testing.T) {
	dir := demoDir(t)
	snap := filepath.Join(dir, "research", "zothuis.duckdb")
	for _, want := range []string{"Research snapshot (open read-only): " + snap, "jzplus", "quarantined"} {
		if !strings.Contains(demoLog, want) {
			t.Errorf("demo output lacks %q:\n%s", want, demoLog)
		}
	}
	for _, k := range []string{"source.key", "research.key"} {
		fi, err := os.Stat(filepath.Join(dir, "keys", k))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("key %s: %v, mode %v; want mode 0600", k, err, fi.Mode().Perm())
		}
	}
	for _, p := range []string{snap, filepath.Join(dir, "work", "zothuis.duckdb")} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o027 != 0 {
			t.Errorf("%s: %v, mode %v; want no group write and no access for others", p, err, fi.Mode().Perm())
		}
	}
	// A researcher opens the snapshot read-only and finds linked data.
	db, err := sql.Open("duckdb", snap+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var placements, linked, youths, quarantined, deliveries int
	err = db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE linked_toegang), (SELECT count(*) FROM youth_link),
		(SELECT count(*) FROM quarantine), (SELECT count(*) FROM deliveries) FROM placement_link`).Scan(&placements, &linked, &youths, &quarantined, &deliveries)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("snapshot: %d placements (%d linked to toegang), %d youths, %d quarantine rows, %d deliveries", placements, linked, youths, quarantined, deliveries)
	if placements < 20 || linked < placements/2 || youths < 2000 || quarantined == 0 || deliveries < 40 {
		t.Errorf("implausible snapshot: %d placements, %d linked, %d youths, %d quarantined, %d deliveries", placements, linked, youths, quarantined, deliveries)
	}
	var comment sql.NullString
	if err := db.QueryRow(`SELECT comment FROM duckdb_columns() WHERE table_name = 'jzplus' AND column_name = 'machtiging'`).Scan(&comment); err != nil || !strings.Contains(comment.String, "spoed") {
		t.Errorf("snapshot column comment = %q, %v", comment.String, err)
	}
}

var hex32 = regexp.MustCompile(`[0-9a-f]{32}`)

// TestNoSourcePseudonymInDatabase checks every text cell of the working
// database and of the snapshot, and the raw bytes of both files, for any
// source pseudonym that was delivered.
func TestNoSourcePseudonymInDatabase(t *testing.T) {
	dir := demoDir(t)
	pseudonyms := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(dir, "deliveries"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		header, err := r.Read()
		if err != nil {
			return err
		}
		col := -1
		for i, h := range header {
			if h == "pseudonym" {
				col = i
			}
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if col < len(rec) {
				pseudonyms[strings.ToLower(rec[col])] = true
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pseudonyms) < 1000 {
		t.Fatalf("only %d pseudonyms found in the deliveries", len(pseudonyms))
	}
	for _, path := range []string{filepath.Join(dir, "work", "zothuis.duckdb"), filepath.Join(dir, "research", "zothuis.duckdb")} {
		db, err := sql.Open("duckdb", path+"?access_mode=read_only")
		if err != nil {
			t.Fatal(err)
		}
		cells := 0
		cols, err := db.Query(`SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() AND data_type = 'VARCHAR'`)
		if err != nil {
			t.Fatal(err)
		}
		var pairs [][2]string
		for cols.Next() {
			var tbl, col string
			cols.Scan(&tbl, &col)
			pairs = append(pairs, [2]string{tbl, col})
		}
		cols.Close()
		for _, p := range pairs {
			rows, err := db.Query(fmt.Sprintf(`SELECT lower(%q) FROM %q WHERE %q IS NOT NULL`, p[1], p[0], p[1]))
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var v string
				rows.Scan(&v)
				cells++
				for _, m := range hex32.FindAllString(v, -1) {
					if pseudonyms[m] {
						t.Errorf("%s: %s.%s holds a source pseudonym", filepath.Base(path), p[0], p[1])
					}
				}
			}
			rows.Close()
		}
		db.Close()
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range hex32.FindAll(raw, -1) {
			if pseudonyms[string(m)] {
				t.Errorf("%s: the file's bytes hold a source pseudonym", path)
				break
			}
		}
		t.Logf("%s: %d text cells checked against %d source pseudonyms", path, cells, len(pseudonyms))
		if cells < 10000 {
			t.Errorf("only %d text cells checked", cells)
		}
	}
}

var isoDate = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)

// dutchExport rewrites a clean delivery the way Dutch Excel saves it:
// ';' delimiter, D-M-YYYY or DD-MM-YYYY dates, other header case, CRLF,
// and Windows-1252 or UTF-8 with a BOM.
func dutchExport(t *testing.T, in, out string, variant int) {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma, w.UseCRLF = ';', true
	for i, rec := range recs {
		for j, v := range rec {
			switch {
			case i == 0 && variant%2 == 0:
				rec[j] = strings.ToUpper(v)
			case i == 0:
				rec[j] = strings.ToUpper(v[:1]) + v[1:]
			case isoDate.MatchString(v):
				m := isoDate.FindStringSubmatch(v)
				if variant%2 == 0 {
					rec[j] = m[3] + "-" + m[2] + "-" + m[1]
				} else {
					rec[j] = strings.TrimLeft(m[3], "0") + "-" + strings.TrimLeft(m[2], "0") + "-" + m[1]
				}
			}
		}
		w.Write(rec)
	}
	w.Flush()
	data := b.Bytes()
	if variant%2 == 0 {
		data, err = charmap.Windows1252.NewEncoder().Bytes(data)
		if err != nil {
			t.Fatal(err)
		}
	} else {
		data = append([]byte("\uFEFF"), data...)
	}
	if err := os.WriteFile(out, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDutchExportLandsTheSameRows(t *testing.T) {
	dir := demoDir(t)
	key, err := pseudonymize.LoadKey(filepath.Join(dir, "keys", "research.key"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tmp := t.TempDir()
	tables := func(db *sql.DB) map[string][]string {
		out := map[string][]string{}
		for _, q := range []string{
			"SELECT * FROM jgz ORDER BY ALL", "SELECT * FROM verzuim ORDER BY ALL", "SELECT * FROM toegang ORDER BY ALL",
			"SELECT * FROM jzplus ORDER BY ALL", "SELECT * FROM quarantine ORDER BY ALL",
			"SELECT delivery_id, source, rows_accepted, rows_quarantined FROM deliveries ORDER BY ALL",
		} {
			rows, err := db.QueryContext(ctx, "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ("+q+")")
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				v := make([]sql.NullString, len(cols))
				p := make([]any, len(cols))
				for i := range v {
					p[i] = &v[i]
				}
				rows.Scan(p...)
				out[q] = append(out[q], fmt.Sprint(v))
			}
			rows.Close()
		}
		return out
	}
	var got [2]map[string][]string
	for variant := 0; variant < 2; variant++ {
		clean, err := zsql.Open(ctx, filepath.Join(tmp, fmt.Sprintf("clean%d.duckdb", variant)))
		if err != nil {
			t.Fatal(err)
		}
		dutch, err := zsql.Open(ctx, filepath.Join(tmp, fmt.Sprintf("dutch%d.duckdb", variant)))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range ingest.Sources() {
			files, _ := filepath.Glob(filepath.Join(dir, "deliveries", c.Source, "*.csv"))
			for i, f := range files {
				if i%3 != variant { // a third of the files each, to keep it quick
					continue
				}
				nl := filepath.Join(tmp, fmt.Sprintf("nl%d_%s", variant, filepath.Base(f)))
				dutchExport(t, f, nl, variant+i)
				if _, err := (&ingest.Ingester{DB: clean, ResearchKey: key}).IngestFile(ctx, c, f); err != nil {
					t.Fatal(err)
				}
				if _, err := (&ingest.Ingester{DB: dutch, ResearchKey: key}).IngestFile(ctx, c, nl); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := tables(clean)
		got[variant] = tables(dutch)
		if diff := cmp.Diff(want, got[variant]); diff != "" {
			t.Errorf("variant %d: Dutch exports landed differently (-clean +dutch):\n%s", variant, diff)
		}
		if n := len(want["SELECT * FROM jgz ORDER BY ALL"]); n < 1000 {
			t.Errorf("variant %d: only %d jgz rows compared", variant, n)
		}
		clean.Close()
		dutch.Close()
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "research.key")
	if err := pseudonymize.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, []byte("short\n"), 0o600)
	db := filepath.Join(dir, "w.duckdb")
	bsnFile, _ := filepath.Abs("../../ingest/testdata/jzplus_bsn.csv")
	goodFile, _ := filepath.Abs("../../ingest/testdata/jzplus_2.csv")
	tests := []struct {
		name       string
		args       []string
		code       int
		wantOut    string
		wantStderr string
	}{
		{"no args", nil, 2, "", "Usage: zothuis COMMAND"},
		{"help", []string{"help"}, 0, "pseudonymize", ""},
		{"help ingest", []string{"help", "ingest"}, 0, "-research-key-file", ""},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"missing flags", []string{"ingest", goodFile}, 2, "", "missing --db, --research-key-file, --source"},
		{"bad flag", []string{"ingest", "--nope"}, 2, "", "flag provided but not defined"},
		{"unknown source", []string{"ingest", "--db", db, "--research-key-file", key, "--source", "cjg", goodFile}, 2, "", `unknown source "cjg"`},
		{"short key", []string{"ingest", "--db", db, "--research-key-file", short, "--source", "jzplus", goodFile}, 1, "", "key shorter than 32 bytes"},
		{"ingest ok", []string{"ingest", "--db", db, "--research-key-file", key, "--source", "jzplus", goodFile}, 0, "jzplus_2.csv: jzplus: 2 rows accepted, 0 rejected to quarantine (delivery 1)", ""},
		{"ingest again", []string{"ingest", "--db", db, "--research-key-file", key, "--source", "jzplus", goodFile}, 0, "already landed as delivery 1; nothing changed", ""},
		{"bsn refused", []string{"ingest", "--db", db, "--research-key-file", key, "--source", "jzplus", bsnFile}, 1, "", "looks like a BSN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout %q lacks %q", stdout.String(), tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantStderr)
			}
			if strings.Contains(stderr.String()+stdout.String(), "111222333") {
				t.Error("output shows the BSN from the refused file")
			}
		})
	}
}

// TestKPINeverPublishesSmallNumbers reads the demo snapshot's KPIs with and
// without --raw and checks, row by row against the exact figures, that the
// published output shows no count below 10 or off the multiples of 5, no
// ratio whose numerator, complement or denominator is below 10, every
// ratio as its published numerator over its published denominator, and
// every median in whole weeks.
func TestKPINeverPublishesSmallNumbers(t *testing.T) {
	dir := demoDir(t)
	snap := filepath.Join(dir, "research", "zothuis.duckdb")
	get := func(args ...string) kpi.Output {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append([]string{"kpi", "--db", snap, "--month", "2026-10", "--format", "json"}, args...), &stdout, &stderr); code != 0 {
			t.Fatalf("kpi %v: exit %d: %s", args, code, stderr.String())
		}
		var o kpi.Output
		if err := json.Unmarshal(stdout.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	pub, raw := get(), get("--raw")
	if pub.Month != "2026-10" || pub.WindowStart != "2025-11-01" || pub.WindowEnd != "2026-10-31" {
		t.Errorf("header %s %s %s", pub.Month, pub.WindowStart, pub.WindowEnd)
	}
	placements := map[string]float64{}
	for _, r := range raw.Rows {
		if r.KPI == kpi.Placements {
			placements[string(r.AreaType)+r.Area] = *r.Value
		}
	}
	// Published rows are the raw rows in the same order, less those of
	// the area outside the regions: every configured area, whatever its
	// counts.
	var kept []kpi.OutputRow
	for _, r := range raw.Rows {
		if r.AreaType == kpi.AreaOutside {
			continue
		}
		kept = append(kept, r)
	}
	if len(pub.Rows) != len(kept) || len(pub.Rows) != len(kpi.Catalogue())*(1+2+22) {
		t.Fatalf("%d published rows, %d raw rows of configured areas (%d in all)", len(pub.Rows), len(kept), len(raw.Rows))
	}
	shown, withheld := 0, 0
	for i, p := range pub.Rows {
		r := kept[i]
		if p.KPI != r.KPI || p.Area != r.Area {
			t.Fatalf("row %d: published %s/%s, raw %s/%s", i, p.KPI, p.Area, r.KPI, r.Area)
		}
		k, _ := kpi.Lookup(p.KPI)
		if p.Suppressed {
			withheld++
			if p.Value != nil || p.Numerator != nil || p.Denominator != nil {
				t.Errorf("%s %s: suppressed row carries figures", p.KPI, p.Area)
			}
			continue
		}
		shown++
		switch k.Kind {
		case kpi.KindRatio:
			if *r.Denominator < 10 || *r.Numerator < 10 || *r.Denominator-*r.Numerator < 10 {
				t.Errorf("%s %s: ratio published over %d of %d", p.KPI, p.Area, *r.Numerator, *r.Denominator)
			}
			for _, c := range []*int64{p.Numerator, p.Denominator} {
				if c == nil || *c < 10 || *c%5 != 0 {
					t.Errorf("%s %s: count %v published", p.KPI, p.Area, c)
				}
			}
			if p.Numerator != nil && p.Denominator != nil {
				if want := math.Round(float64(*p.Numerator)/float64(*p.Denominator)*100) / 100; *p.Value != want {
					t.Errorf("%s %s: %v published beside %d / %d (= %v)", p.KPI, p.Area, *p.Value, *p.Numerator, *p.Denominator, want)
				}
			}
		case kpi.KindCount:
			if *r.Value < 10 || *p.Value < 10 || int(*p.Value)%5 != 0 {
				t.Errorf("%s %s: count %v (true %v) published", p.KPI, p.Area, *p.Value, *r.Value)
			}
		case kpi.KindMedian:
			if placements[string(p.AreaType)+p.Area] < 10 || math.Mod(*p.Value, 7) != 0 {
				t.Errorf("%s %s: median %v published for %v placements", p.KPI, p.Area, *p.Value, placements[string(p.AreaType)+p.Area])
			}
		}
	}
	t.Logf("2026-10: %d figures published, %d withheld", shown, withheld)
	if shown < 10 || withheld < 20 { // 6,000 youths: some 40 placements a year in all
		t.Errorf("want both published and withheld figures in the demo; got %d and %d", shown, withheld)
	}
	for _, format := range []string{"csv", "table"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"kpi", "--db", snap, "--month", "2026-10", "--format", format}, &stdout, &stderr); code != 0 {
			t.Errorf("--format %s: exit %d: %s", format, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), "spoed") {
			t.Errorf("--format %s output lacks spoed:\n%s", format, stdout.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"kpi", "--db", snap, "--month", "2019-01"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "no KPIs for that month") {
		t.Errorf("month outside the history: exit %d, stderr %q", code, stderr.String())
	}
}

// TestNaturalKeysUnique: the demo delivers overlapping files (quarterly
// exports repeat a month, placements come again every month, some
// corrected); every source table still holds each natural key once. The
// tables have no primary-key index (migration 0005), so this is the
// upsert's doing.
func TestNaturalKeysUnique(t *testing.T) {
	snap := filepath.Join(demoDir(t), "research", "zothuis.duckdb")
	db, err := zsql.OpenReadOnly(context.Background(), snap)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys := map[string]string{
		"jgz":     "research_id, contactdatum, signaal",
		"verzuim": "research_id, meldingsdatum, verzuimsoort",
		"toegang": "research_id, datum, gebeurtenis",
		"jzplus":  "aanbieder, plaatsing_id",
	}
	for table, key := range keys {
		var rows, distinct int
		q := fmt.Sprintf("SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT %s FROM %s)) FROM %s", key, table, table)
		if err := db.QueryRow(q).Scan(&rows, &distinct); err != nil {
			t.Fatal(err)
		}
		if rows == 0 || rows != distinct {
			t.Errorf("%s: %d rows, %d distinct keys (%s)", table, rows, distinct, key)
		}
	}
	var redelivered int
	if err := db.QueryRow(`SELECT count(*) FROM jzplus WHERE delivery_id > (SELECT min(delivery_id) FROM deliveries WHERE source = 'jzplus')`).Scan(&redelivered); err != nil || redelivered == 0 {
		t.Errorf("no jzplus row was written by a later delivery (%v): the test shows nothing", err)
	}
}

// TestPseudonymizeIntoDirectory runs the IN... DIR form on the raw exports
// synth writes and checks that each output is byte for byte what the
// one-file form writes, and that the form's misuses are usage errors.
func TestPseudonymizeIntoDirectory(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "source.key")
	if err := pseudonymize.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	raw := filepath.Join(dir, "raw")
	cli := func(wantCode int, args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != wantCode {
			t.Fatalf("zothuis %s: exit %d, want %d\n%s", strings.Join(args, " "), code, wantCode, stderr.String())
		}
		return stderr.String()
	}
	cli(0, "synth", "--out", raw, "--youths", "300", "--from", "2025-10", "--to", "2026-03", "--seed", "3")
	ins, err := filepath.Glob(filepath.Join(raw, "jzplus", "*.csv"))
	if err != nil || len(ins) < 2 {
		t.Fatalf("want several raw JZ+ files, got %v (%v)", ins, err)
	}
	many := filepath.Join(dir, "many")
	os.Mkdir(many, 0o750)
	stderr := cli(0, append([]string{"pseudonymize", "--source", "jzplus", "--key-file", key}, append(ins, many)...)...)
	for _, in := range ins {
		one := filepath.Join(dir, "one-"+filepath.Base(in))
		cli(0, "pseudonymize", "--source", "jzplus", "--key-file", key, in, one)
		want, err := os.ReadFile(one)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(many, filepath.Base(in)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the IN... DIR output differs from the one-file output", filepath.Base(in))
		}
		if !strings.Contains(stderr, in+"\n  rows read: ") {
			t.Errorf("no summary line for %s in %q", in, stderr)
		}
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"two files, no directory", []string{ins[0], ins[1], filepath.Join(dir, "nodir")}, "want an existing output directory"},
		{"rejects with two files", []string{"--rejects", filepath.Join(dir, "r.csv"), ins[0], ins[1], many}, "--rejects takes one input file"},
		{"stdin into a directory", []string{"-", many}, "standard input needs an output file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"pseudonymize", "--source", "jzplus", "--key-file", key}, tt.args...)
			if got := cli(2, args...); !strings.Contains(got, tt.want) {
				t.Errorf("stderr %q lacks %q", got, tt.want)
			}
		})
	}
}

// TestPseudonymizeIntoDirectoryStopsWhenAFileCannotLand runs the IN...
// DIR form where the first output cannot be put in place (a directory
// holds its name): the command fails, and it leaves no output and no
// .part file of the files after it, which it had started beside the
// first one's sync.
func TestPseudonymizeIntoDirectoryStopsWhenAFileCannotLand(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "source.key")
	if err := pseudonymize.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	raw := filepath.Join(dir, "raw")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"synth", "--out", raw, "--youths", "300", "--from", "2025-10", "--to", "2026-03", "--seed", "3"}, &stdout, &stderr); code != 0 {
		t.Fatalf("synth: exit %d\n%s", code, stderr.String())
	}
	ins, err := filepath.Glob(filepath.Join(raw, "jzplus", "*.csv"))
	if err != nil || len(ins) < 2 {
		t.Fatalf("want several raw JZ+ files, got %v (%v)", ins, err)
	}
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(out, filepath.Base(ins[0]), "taken"), 0o750); err != nil {
		t.Fatal(err)
	}
	stderr.Reset()
	args := append([]string{"pseudonymize", "--source", "jzplus", "--key-file", key}, append(ins, out)...)
	if code := run(context.Background(), args, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr.String())
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{filepath.Base(ins[0])}, names); diff != "" {
		t.Errorf("output directory (-want +got):\n%s", diff)
	}
}
