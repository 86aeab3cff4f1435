package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/pseudonymize"
	zsql "github.com/zothuis/zothuis/sql"
	"github.com/zothuis/zothuis/sql/sqltest"
)

// TestDemoIJWRouteMatchesCSV: the demo lands GM0014's toegang beschikkingen
// through iJw 3.2 messages (synth writes them as JW301 zips, pseudonymize
// --format ijw reads them); a demo with every row as CSV gives the same
// KPI history for every month and area and the same dashboards, apart
// from the time they were made.
func TestDemoIJWRouteMatchesCSV(t *testing.T) {
	ijwDir := demoDir(t)
	csvDir := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--out", csvDir, "--youths", "6000", "--from", "2024-01", "--to", "2026-10", "--ijw-gemeente", ""}, &stdout, &stderr); code != 0 {
		t.Fatalf("demo --ijw-gemeente '': exit %d\n%s", code, stderr.String())
	}

	// The iJw route carried GM0014's beschikkingen, and only those.
	ijwDB := openRO(t, filepath.Join(ijwDir, "work", "zothuis.duckdb"))
	csvDB := openRO(t, filepath.Join(csvDir, "work", "zothuis.duckdb"))
	var files, rows, other int
	if err := ijwDB.QueryRow(`SELECT count(*), sum(rows_accepted) FROM deliveries WHERE file_name LIKE '%\_ijw.csv' ESCAPE '\'`).Scan(&files, &rows); err != nil {
		t.Fatal(err)
	}
	if files < 8 || rows < 50 {
		t.Fatalf("the iJw route landed %d files with %d rows; the demo should carry a municipality's beschikkingen through it", files, rows)
	}
	if err := ijwDB.QueryRow(`SELECT count(*) FROM toegang t JOIN deliveries d USING (delivery_id)
		WHERE d.file_name LIKE '%\_ijw.csv' ESCAPE '\' AND (t.gemeente <> 'GM0014' OR t.gebeurtenis <> 'beschikking')`).Scan(&other); err != nil || other != 0 {
		t.Errorf("rows other than GM0014's beschikkingen came through the iJw route: %d (%v)", other, err)
	}
	t.Logf("iJw route: %d deliveries, %d beschikkingen", files, rows)

	const history = `SELECT strftime(month, '%Y-%m'), kpi, area_type, area, numerator, denominator, value, n_values FROM kpi_history ORDER BY ALL`
	if diff := cmp.Diff(sqltest.Rows(t, csvDB, history), sqltest.Rows(t, ijwDB, history)); diff != "" {
		t.Errorf("KPI history (-CSV route +iJw route):\n%s", diff)
	}
	const counts = `SELECT gemeente, gebeurtenis, productcategorie, count(*) FROM toegang GROUP BY ALL ORDER BY ALL`
	if diff := cmp.Diff(sqltest.Rows(t, csvDB, counts), sqltest.Rows(t, ijwDB, counts)); diff != "" {
		t.Errorf("toegang rows (-CSV route +iJw route):\n%s", diff)
	}

	made := regexp.MustCompile(`Gemaakt op [^<]*door`)
	pages, err := filepath.Glob(filepath.Join(csvDir, "dashboard", "*", "index.html"))
	if err != nil || len(pages) < 6 {
		t.Fatalf("dashboard pages of the CSV demo: %v (%v)", pages, err)
	}
	pages = append(pages, filepath.Join(csvDir, "dashboard", "index.html"))
	for _, p := range pages {
		rel, _ := filepath.Rel(csvDir, p)
		a, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(ijwDir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(made.ReplaceAll(a, nil), made.ReplaceAll(b, nil)) {
			t.Errorf("%s differs between the CSV and the iJw route", rel)
		}
	}
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := zsql.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPseudonymizeIJWExport runs pseudonymize --format ijw on a zip of the
// iJw test corpus (pseudonymize/ijw/testdata, in a folder inside the
// zip): exactly the expected beschikkingen come out, byte for byte what
// the CSV route makes of the same rows (so the same youths get the same
// research ids), every refused message is listed with the reason the
// corpus expects, the summary counts them, and no BSN is printed.
func TestPseudonymizeIJWExport(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "source.key")
	if err := pseudonymize.GenerateKey(key); err != nil {
		t.Fatal(err)
	}
	corpus := filepath.Join("..", "..", "pseudonymize", "ijw", "testdata")
	want := map[string]string{} // zip member -> reason
	outcomes, err := os.ReadFile(filepath.Join(corpus, "bad", "outcomes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(outcomes), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		file, reason, ok := strings.Cut(l, "\t")
		if !ok {
			t.Fatalf("outcomes.txt: %q", l)
		}
		if reason == "NOT XML" {
			reason = "not an XML file" // inside a zip, one file; the export goes on
		}
		want["export.zip/2024-06/bad/"+file] = reason
	}
	zipPath := filepath.Join(dir, "export.zip")
	zf, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for _, sub := range []string{"valid", "bad"} {
		entries, err := os.ReadDir(filepath.Join(corpus, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() == "outcomes.txt" {
				continue
			}
			b, err := os.ReadFile(filepath.Join(corpus, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			w, err := zw.Create("2024-06/" + sub + "/" + e.Name())
			if err != nil {
				t.Fatal(err)
			}
			w.Write(b)
		}
	}
	if err := errors.Join(zw.Close(), zf.Close()); err != nil {
		t.Fatal(err)
	}

	viaIJW, rejects := filepath.Join(dir, "ijw.csv"), filepath.Join(dir, "rejects.csv")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"pseudonymize", "--source", "toegang", "--format", "ijw", "--key-file", key, "--rejects", rejects, zipPath, viaIJW}, &stdout, &stderr); code != 0 {
		t.Fatalf("pseudonymize --format ijw: exit %d\n%s", code, stderr.String())
	}
	summary := stderr.String()
	t.Logf("summary:\n%s", summary)
	for _, bsn := range []string{"999990019", "999990032"} {
		if strings.Contains(summary, bsn) {
			t.Errorf("the summary shows a BSN")
		}
	}
	for _, line := range []string{
		fmt.Sprintf("messages refused: %d", len(want)),
		"messages read:    5 (JW301 2, JW305 1, JW307 1, JW315 1)",
		"assigned products read: 5, not delivered: 1",
		"RedenWijziging 13 (Verwijderd): toewijzing counts as not sent",
		"rows written:  4",
	} {
		if !strings.Contains(summary, line) {
			t.Errorf("summary lacks %q", line)
		}
	}
	got := map[string]string{}
	f, err := os.Open(rejects)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"message", "reason"}) {
		t.Fatalf("rejects header: %v", recs)
	}
	for _, r := range recs[1:] {
		got[r[0]] = r[1]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refused messages (-corpus outcomes +rejects file):\n%s", diff)
	}

	// The same beschikkingen as a raw CSV export, through the CSV route.
	raw := filepath.Join(dir, "raw.csv")
	if err := os.WriteFile(raw, []byte(strings.Join([]string{
		"bsn,gemeente,datum,gebeurtenis,jongere_aanwezig,gedeeld,productcategorie",
		"999990019,GM0014,2025-03-10,beschikking,,,45", // RedenWijziging 13 on the same day: not sent
		"999990019,GM0014,2025-04-01,beschikking,,,54", // RedenWijziging 04: delivered
		"999990019,GM0014,2025-05-01,beschikking,,,",   // no Product
		"999990032,GM0363,2025-01-06,beschikking,,,31", // other prefixes, default namespace
		""}, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	viaCSV := filepath.Join(dir, "csv.csv")
	if code := run(context.Background(), []string{"pseudonymize", "--source", "toegang", "--key-file", key, raw, viaCSV}, &stdout, &stderr); code != 0 {
		t.Fatalf("pseudonymize: exit %d\n%s", code, stderr.String())
	}
	a, _ := os.ReadFile(viaCSV)
	b, _ := os.ReadFile(viaIJW)
	if diff := cmp.Diff(string(a), string(b)); diff != "" {
		t.Errorf("delivery (-CSV route +iJw route):\n%s", diff)
	}
	if bytes.Contains(b, []byte("99999")) {
		t.Errorf("the delivery holds a BSN")
	}

	// A file that is not XML at all (here the raw CSV) refuses the whole
	// export: nothing is written.
	refused := filepath.Join(dir, "refused.csv")
	stderr.Reset()
	if code := run(context.Background(), []string{"pseudonymize", "--source", "toegang", "--format", "ijw", "--key-file", key, raw, refused}, &stdout, &stderr); code == 0 {
		t.Errorf("pseudonymize --format ijw on a CSV file: exit 0")
	}
	if !strings.Contains(stderr.String(), "is not an iJw export") || strings.Contains(stderr.String(), "99999") {
		t.Errorf("pseudonymize --format ijw on a CSV file said:\n%s", stderr.String())
	}
	if _, err := os.Stat(refused); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused export wrote %s (%v)", refused, err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.part")); len(matches) > 0 {
		t.Errorf("a refused export left %v", matches)
	}
}
