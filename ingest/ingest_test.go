package ingest_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
)

// The research key of these tests, and research ids worked out with
// Python's hmac module from the pseudonyms in testdata.
var researchKey = []byte("research-key-for-tests-0123456789")

const (
	rid453 = "f5cd666955a09c1f21c0188a369f78a3" // pseudonym 453347fd…
	rid70b = "fcb16892dfaf2ad67df9ad693cc94e32" // pseudonym 70b6cb83…
	rid483 = "c9c4ee4ce7c108359df5cef53a8b2c84" // pseudonym 483ca073…
	rid02a = "3a2e7f7d4581661fee833c8138b08239" // pseudonym 02ad61eb…
)

func TestMain(m *testing.M) {
	// The SIGKILL test re-runs this binary as an ingest process.
	if spec := os.Getenv("ZOTHUIS_TEST_INGEST_CHILD"); spec != "" {
		os.Exit(ingestChild(spec))
	}
	os.Exit(m.Run())
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := zsql.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newIngester(t *testing.T) (*ingest.Ingester, *sql.DB) {
	t.Helper()
	db := openDB(t, filepath.Join(t.TempDir(), "work.duckdb"))
	return &ingest.Ingester{DB: db, ResearchKey: researchKey}, db
}

func mustSource(t *testing.T, name string) *contract.Contract {
	t.Helper()
	c, err := ingest.Source(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// dump returns every row of the named tables (all tables when none are
// named), each row as text, in a stable order.
func dump(t *testing.T, db *sql.DB, tables ...string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	if len(tables) == 0 {
		rows, err := db.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
	}
	out := map[string][]string{}
	for _, tbl := range tables {
		rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q ORDER BY ALL`, tbl))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if i > 0 {
					b.WriteString("|")
				}
				if tm, ok := v.(time.Time); ok {
					b.WriteString(tm.UTC().Format(time.RFC3339))
				} else if v != nil {
					fmt.Fprint(&b, v)
				}
			}
			out[tbl] = append(out[tbl], b.String())
		}
		rows.Close()
	}
	return out
}

func TestIngestQuarantine(t *testing.T) {
	in, db := newIngester(t)
	res, err := in.IngestFile(context.Background(), mustSource(t, "jzplus"), "testdata/jzplus_1.csv")
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 10 || res.Accepted != 4 || res.Quarantined != 6 {
		t.Errorf("rows %d accepted %d quarantined %d; want 10, 4, 6", res.Rows, res.Accepted, res.Quarantined)
	}
	got := dump(t, db, "quarantine", "jzplus")
	want := map[string][]string{
		"quarantine": {
			"1|jzplus|5|machtiging|unknown code (want one of spoed, regulier, voorwaardelijk)|" + rid02a,
			"1|jzplus|6|startdatum|not a date (YYYY-MM-DD or DD-MM-YYYY)|" + rid02a,
			"1|jzplus|7|einddatum|einddatum before startdatum|" + rid02a,
			"1|jzplus|8|pseudonym|not a source pseudonym (32 hexadecimal characters)|",
			"1|jzplus|9||5 fields, header has 11|",
			"1|jzplus|10|plaatsing_id|missing value|" + rid02a,
		},
		// Values are normalised: case of codes and pseudonyms, D-M-YYYY
		// dates, reden_einde without its leading zero.
		"jzplus": {
			"P-001|Jeugdhulp Fryslân|" + rid453 + "|GM0014|spoed|2026-01-05T00:00:00Z|2026-01-05T00:00:00Z|||onbekend|onbekend|1",
			"P-002|ELKER|" + rid70b + "|GM0106|regulier|2025-12-01T00:00:00Z|2026-01-10T00:00:00Z|2026-03-01T00:00:00Z|02|ja|ja|1",
			"P-003|ELKER|" + rid483 + "|GM0080|voorwaardelijk|2025-11-01T00:00:00Z|2026-01-20T00:00:00Z|||nee|ja|1",
			"P-010|ELKER|" + rid02a + "|GM1680|regulier|2026-01-01T00:00:00Z|2026-02-10T00:00:00Z|||ja|ja|1",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
}

func TestIngestRefusedWholeLeavesEveryTableUnchanged(t *testing.T) {
	tests := []struct {
		file string
		want string // part of the message
	}{
		{"jzplus_bsn.csv", "line 3: the pseudonym column holds a value that looks like a BSN"},
		{"jzplus_extra_column.csv", `columns not in the contract: "naam"`},
		{"jzplus_missing_column.csv", "missing columns: perspectief_wonen"},
		{"jzplus_unbalanced_quote.csv", "unreadable"},
		{"jzplus_empty.csv", "empty file"},
		{"jzplus_gzip.csv", "gzip"},
	}
	in, db := newIngester(t)
	ctx := context.Background()
	if _, err := in.IngestFile(ctx, mustSource(t, "jzplus"), "testdata/jzplus_1.csv"); err != nil {
		t.Fatal(err)
	}
	before := dump(t, db)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := in.IngestFile(ctx, mustSource(t, "jzplus"), filepath.Join("testdata", tt.file))
			if !errors.Is(err, ingest.ErrRefused) {
				t.Fatalf("err = %v, want ErrRefused", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "111222333") || strings.Contains(err.Error(), "Jan") {
				t.Errorf("err = %q shows a value from the file", err)
			}
			if diff := cmp.Diff(before, dump(t, db)); diff != "" {
				t.Errorf("tables changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestIngestHeaderOnlyLandsEmptyDelivery(t *testing.T) {
	in, db := newIngester(t)
	res, err := in.IngestFile(context.Background(), mustSource(t, "jzplus"), "testdata/jzplus_header_only.csv")
	if err != nil || res.Rows != 0 || res.DeliveryID != 1 {
		t.Fatalf("res %+v, err %v; want an empty delivery 1", res, err)
	}
	if n := len(dump(t, db, "jzplus")["jzplus"]); n != 0 {
		t.Errorf("%d rows landed", n)
	}
}

func TestIngestTwiceChangesNothingAndLaterDeliveryWins(t *testing.T) {
	in, db := newIngester(t)
	ctx := context.Background()
	c := mustSource(t, "jzplus")
	for _, f := range []string{"jzplus_1.csv", "jzplus_2.csv"} {
		if _, err := in.IngestFile(ctx, c, filepath.Join("testdata", f)); err != nil {
			t.Fatal(err)
		}
	}
	after := dump(t, db)
	// The correction of P-001 in the second delivery won; P-002 was
	// delivered again unchanged, and now carries delivery 2.
	wantJZ := []string{
		"P-001|Jeugdhulp Fryslân|" + rid453 + "|GM0014|regulier|2025-12-20T00:00:00Z|2026-01-05T00:00:00Z|2026-02-15T00:00:00Z|01|ja|onbekend|2",
		"P-002|ELKER|" + rid70b + "|GM0106|regulier|2025-12-01T00:00:00Z|2026-01-10T00:00:00Z|2026-03-01T00:00:00Z|02|ja|ja|2",
		"P-003|ELKER|" + rid483 + "|GM0080|voorwaardelijk|2025-11-01T00:00:00Z|2026-01-20T00:00:00Z|||nee|ja|1",
		"P-010|ELKER|" + rid02a + "|GM1680|regulier|2026-01-01T00:00:00Z|2026-02-10T00:00:00Z|||ja|ja|1",
	}
	if diff := cmp.Diff(wantJZ, after["jzplus"]); diff != "" {
		t.Errorf("jzplus (-want +got):\n%s", diff)
	}
	for i, f := range []string{"jzplus_1.csv", "jzplus_2.csv"} {
		res, err := in.IngestFile(ctx, c, filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if res.DuplicateOf != int64(i+1) {
			t.Errorf("%s: DuplicateOf = %d, want %d", f, res.DuplicateOf, i+1)
		}
	}
	if diff := cmp.Diff(after, dump(t, db)); diff != "" {
		t.Errorf("second ingest changed tables (-first +second):\n%s", diff)
	}
}

func TestIngestCancelledLandsNothing(t *testing.T) {
	dir := t.TempDir()
	file := writeBigJGZ(t, dir, 100_000)
	in, db := newIngester(t)
	before := dump(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	in.Progress = func(int) { cancel() }
	_, err := in.IngestFile(ctx, mustSource(t, "jgz"), file)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if diff := cmp.Diff(before, dump(t, db)); diff != "" {
		t.Errorf("tables changed (-before +after):\n%s", diff)
	}
}

// writeBigJGZ writes a valid JGZ delivery of n rows.
func writeBigJGZ(t *testing.T, dir string, n int) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("jgz_big_%d.csv", n))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	h := pseudonymize.NewHasher([]byte("zothuis-test-key-0123456789abcdef"))
	fmt.Fprintln(w, "pseudonym,geboortemaand,geslacht,gemeente,contactdatum,signaal")
	for i := 0; i < n; i++ {
		d := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%700)
		fmt.Fprintf(w, "%s,2015-03,V,GM0014,%s,geen\n", h.Sum(strconv.Itoa(i)), d.Format(time.DateOnly))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// ingestChild ingests one file for TestIngestKilledMidFile and reports
// progress on stdout: spec is "db|source|file".
func ingestChild(spec string) int {
	p := strings.Split(spec, "|")
	ctx := context.Background()
	db, err := zsql.Open(ctx, p[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	c, _ := ingest.Source(p[1])
	in := &ingest.Ingester{DB: db, ResearchKey: researchKey, Progress: func(n int) {
		fmt.Printf("rows %d\n", n)
		os.Stdout.Sync()
	}}
	if _, err := in.IngestFile(ctx, c, p[2]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	db.Close()
	fmt.Println("done")
	return 0
}

func TestIngestKilledMidFile(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "work.duckdb")
	big := writeBigJGZ(t, dir, 200_000)
	// A first delivery that must survive every kill.
	func() {
		db := openDB(t, dbPath)
		in := &ingest.Ingester{DB: db, ResearchKey: researchKey}
		if _, err := in.IngestFile(context.Background(), mustSource(t, "jzplus"), "testdata/jzplus_1.csv"); err != nil {
			t.Fatal(err)
		}
		db.Close()
	}()
	before := func() map[string][]string {
		db := openDB(t, dbPath)
		defer db.Close()
		return dump(t, db)
	}()
	for _, killAt := range []int{ingest.ProgressEvery, 3 * ingest.ProgressEvery, 8 * ingest.ProgressEvery} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ZOTHUIS_TEST_INGEST_CHILD="+dbPath+"|jgz|"+big)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		killed := false
		for sc.Scan() {
			var n int
			if _, err := fmt.Sscanf(sc.Text(), "rows %d", &n); err == nil && n >= killAt {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
				break
			}
		}
		err = cmd.Wait()
		var ee *exec.ExitError
		if !killed || !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("kill at %d rows: child was not killed mid-file (killed %v, wait %v)", killAt, killed, err)
		}
		db := openDB(t, dbPath)
		if diff := cmp.Diff(before, dump(t, db)); diff != "" {
			t.Errorf("kill at %d rows: tables changed (-before +after):\n%s", killAt, diff)
		}
		db.Close()
	}
	// The database is healthy: the file lands whole afterwards.
	db := openDB(t, dbPath)
	res, err := (&ingest.Ingester{DB: db, ResearchKey: researchKey}).IngestFile(context.Background(), mustSource(t, "jgz"), big)
	if err != nil || res.Accepted != 200_000 || res.DuplicateOf != 0 {
		t.Errorf("ingest after kills: %+v, %v", res, err)
	}
}

func TestTablesMatchContracts(t *testing.T) {
	_, db := newIngester(t)
	for _, c := range ingest.Sources() {
		var want []string
		for _, n := range c.Names() {
			if n == "pseudonym" {
				n = "research_id"
			}
			want = append(want, n)
		}
		want = append(want, "delivery_id")
		rows, err := db.Query(`SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index`, c.Source)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			got = append(got, n)
		}
		rows.Close()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("table %s vs contract (-contract +table):\n%s", c.Source, diff)
		}
	}
}

// TestEveryCodeLands ingests, for every source, one row per allowed value
// of every code column and reads the values back. Code columns are staged
// as ENUMs (stageEnums), and the driver writes nothing, without an error,
// into an ENUM it cannot handle: a lost value must fail here.
func TestEveryCodeLands(t *testing.T) {
	// needs pins another column where a code is valid only with it.
	needs := map[string]map[string]string{
		"productcategorie": {"gebeurtenis": "beschikking"},
	}
	for _, c := range ingest.Sources() {
		t.Run(c.Source, func(t *testing.T) {
			in, db := newIngester(t)
			var csv strings.Builder
			csv.WriteString(strings.Join(c.Names(), ",") + "\n")
			want := map[string][]string{}
			n := 0
			for _, varied := range c.Columns {
				if varied.Kind != contract.Code {
					continue
				}
				for _, code := range varied.Codes {
					n++
					var fields []string
					for _, col := range c.Columns {
						v := ""
						switch {
						case col.Name == varied.Name:
							v = code
						case needs[varied.Name][col.Name] != "":
							v = needs[varied.Name][col.Name]
						case col.Kind == contract.Pseudonym:
							v = fmt.Sprintf("%032x", n)
						case col.Kind == contract.Text:
							v = fmt.Sprintf("T-%d", n)
						case col.Kind == contract.Date:
							v = "2026-01-05"
						case col.Kind == contract.Month:
							v = "2012-07"
						case col.Kind == contract.Gemeente:
							v = "GM0014"
						case col.Kind == contract.Code && col.Required:
							v = col.Codes[0]
						}
						fields = append(fields, v)
					}
					csv.WriteString(strings.Join(fields, ",") + "\n")
					want[varied.Name] = append(want[varied.Name], code)
				}
			}
			path := filepath.Join(t.TempDir(), c.Source+".csv")
			if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			res, err := in.IngestFile(context.Background(), c, path)
			if err != nil {
				t.Fatal(err)
			}
			if res.Accepted != n || res.Quarantined != 0 {
				t.Fatalf("accepted %d, quarantined %d of %d rows", res.Accepted, res.Quarantined, n)
			}
			got := map[string][]string{}
			for name := range want {
				// Each code appears on the row that varies it; the
				// others hold the required default or NULL.
				rows, err := db.Query(fmt.Sprintf(`SELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL ORDER BY 1`, name, c.Source, name))
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var v string
					if err := rows.Scan(&v); err != nil {
						t.Fatal(err)
					}
					got[name] = append(got[name], v)
				}
				rows.Close()
				slices.Sort(want[name])
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("codes in %s (-want +got):\n%s", c.Source, diff)
			}
		})
	}
}

// TestLastLineWinsWithinAFile lands JGZ files whose natural keys repeat on
// later lines, after a delivery that already holds one of those keys: the
// last line of the latest file wins, once per key. A file without repeats
// takes the upsert's path without the window (staged_unique.sql); this
// one must take the other.
func TestLastLineWinsWithinAFile(t *testing.T) {
	const p453, p70b = "453347fd1671589187ffa1ff87a95b52", "70b6cb83c51a63c6838ce36e28067f13"
	header := "pseudonym,geboortemaand,geslacht,gemeente,contactdatum,signaal\n"
	files := []struct {
		name, body string
	}{
		{"jgz_1.csv", header +
			p453 + ",2012-07,M,GM0014,2026-01-05,geen\n" +
			p70b + ",2013-01,V,GM0106,2026-01-06,geen\n"},
		{"jgz_2.csv", header +
			p453 + ",2012-07,M,GM0080,2026-01-05,geen\n" + // key of delivery 1
			p70b + ",2013-01,V,GM1680,2026-02-01,sdq_verhoogd\n" +
			p453 + ",2012-07,M,GM0106,2026-01-05,geen\n" + // the same key again
			p70b + ",2013-01,X,GM0014,2026-02-01,sdq_verhoogd\n" +
			p453 + ",2012-08,V,GM1680,2026-01-05,geen\n"}, // and a last time
	}
	in, db := newIngester(t)
	c := mustSource(t, "jgz")
	dir := t.TempDir()
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, []byte(f.body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := in.IngestFile(context.Background(), c, path); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		rid70b + "|2013-01-01T00:00:00Z|V|GM0106|2026-01-06T00:00:00Z|geen|1",
		rid70b + "|2013-01-01T00:00:00Z|X|GM0014|2026-02-01T00:00:00Z|sdq_verhoogd|2",
		rid453 + "|2012-08-01T00:00:00Z|V|GM1680|2026-01-05T00:00:00Z|geen|2",
	}
	got := dump(t, db, "jgz")["jgz"]
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("jgz (-want +got):\n%s", diff)
	}
}

// TestUpsertAcrossDeliveries lands four deliveries per source and checks
// which delivery each row carries and what it holds: one with new keys;
// one mixing a key the table holds (updated) and a new one (inserted); one
// of new keys only, within the date range of rows the table holds
// (nothing updated); one of held keys only (nothing inserted). The upsert
// is one MERGE per source (upsert_jgz.sql); a key matched wrongly shows as
// a row twice or a change lost.
func TestUpsertAcrossDeliveries(t *testing.T) {
	type row struct {
		key      int
		gemeente string
	}
	deliveries := [][]row{
		{{1, "GM0014"}, {2, "GM0014"}, {3, "GM0014"}},
		{{2, "GM0106"}, {4, "GM0106"}},
		{{5, "GM0080"}, {6, "GM0080"}},
		{{1, "GM1680"}},
	}
	// Each key's last delivery (1-based) and municipality.
	want := []string{
		"1|GM1680|4", "2|GM0106|2", "3|GM0014|1",
		"4|GM0106|2", "5|GM0080|3", "6|GM0080|3",
	}
	rekey := pseudonymize.NewHasher(researchKey)
	for _, c := range ingest.Sources() {
		t.Run(c.Source, func(t *testing.T) {
			in, db := newIngester(t)
			dir := t.TempDir()
			keyOf := map[string]int{} // research id → key
			for d, rows := range deliveries {
				var csv strings.Builder
				csv.WriteString(strings.Join(c.Names(), ",") + "\n")
				for _, r := range rows {
					var fields []string
					for _, col := range c.Columns {
						v := ""
						switch col.Kind {
						case contract.Pseudonym:
							v = fmt.Sprintf("%032x", r.key)
							keyOf[rekey.Sum(v)] = r.key
						case contract.Text:
							v = fmt.Sprintf("T-%d", r.key)
						case contract.Date:
							v = "2026-01-05"
						case contract.Month:
							v = "2012-07"
						case contract.Gemeente:
							v = r.gemeente
						case contract.Code:
							if col.Required {
								v = col.Codes[0]
							}
						}
						fields = append(fields, v)
					}
					csv.WriteString(strings.Join(fields, ",") + "\n")
				}
				path := filepath.Join(dir, fmt.Sprintf("%s_%d.csv", c.Source, d+1))
				if err := os.WriteFile(path, []byte(csv.String()), 0o600); err != nil {
					t.Fatal(err)
				}
				res, err := in.IngestFile(context.Background(), c, path)
				if err != nil {
					t.Fatal(err)
				}
				if res.Accepted != len(rows) {
					t.Fatalf("delivery %d: accepted %d of %d rows", d+1, res.Accepted, len(rows))
				}
			}
			rows, err := db.Query(fmt.Sprintf(`SELECT research_id, gemeente, delivery_id FROM %s`, c.Source))
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var rid, gemeente string
				var delivery int64
				if err := rows.Scan(&rid, &gemeente, &delivery); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%d|%s|%d", keyOf[rid], gemeente, delivery))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s rows (-want +got):\n%s", c.Source, diff)
			}
		})
	}
}
