package sql_test

// Tests of the researchers' objects of migrations 0010 and 0011: the
// codebook against the delivery contracts, source_coverage and the
// look-back flags, population and its rates, the placement view, and the
// JZ+ history filled by ingest. Each builds a small database by hand, so
// that every boundary of a definition is a row of its own.

import (
	"context"
	dbsql "database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/ingest/contract"
	zsql "github.com/zothuis/zothuis/sql"
)

func openResearchDB(t *testing.T) *dbsql.DB {
	t.Helper()
	db, err := zsql.Open(context.Background(), filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *dbsql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// table returns the rows of q as text: dates as YYYY-MM-DD, NULL as
// "NULL".
func table(t *testing.T, db *dbsql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				row[i] = "NULL"
			case time.Time:
				if v.Equal(time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, v.Location())) {
					row[i] = v.Format("2006-01-02")
				} else {
					row[i] = v.UTC().Format(time.RFC3339)
				}
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// notShipped matches a reference to a document that does not ship with the
// research snapshot.
var notShipped = regexp.MustCompile(`\bSPEC\b|(?i)\bspec(ification)? section|README|BENCHMARKS|\bissue \d`)

// TestCodebookMatchesContracts: every code a contract accepts has a
// codebook row under code_list source.column, every such row is a code the
// contract accepts, and code_list gemeente holds exactly the
// municipalities of the default regions and Leeuwarden.
func TestCodebookMatchesContracts(t *testing.T) {
	db := openResearchDB(t)
	var want []string
	for _, c := range ingest.Sources() {
		for _, col := range c.Columns {
			if col.Kind != contract.Code {
				continue
			}
			for _, code := range col.Codes {
				want = append(want, c.Source+"."+col.Name+" "+code)
			}
		}
	}
	for _, r := range config.Default().Regions {
		for _, g := range r.Gemeenten {
			want = append(want, "gemeente "+g)
		}
	}
	// Leeuwarden: the municipality outside the default regions that the
	// demo's data holds.
	want = append(want, "gemeente GM0080")
	slices.Sort(want)
	var got []string
	for _, r := range table(t, db, `SELECT code_list, code, label_nl, note FROM codebook`) {
		got = append(got, r[0]+" "+r[1])
		if strings.TrimSpace(r[2]) == "" || r[2] == "NULL" {
			t.Errorf("codebook %s %s has no label", r[0], r[1])
		}
		if notShipped.MatchString(r[2] + " " + r[3]) {
			t.Errorf("codebook %s %s refers to a document the researcher does not have: %q", r[0], r[1], r[3])
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codebook codes (-contracts and regions +codebook):\n%s", diff)
	}
	// Every comment stands on its own.
	for _, r := range table(t, db, `
		SELECT table_name || '.' || column_name, comment FROM duckdb_columns() WHERE comment IS NOT NULL
		UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND comment IS NOT NULL
		UNION ALL SELECT table_name, comment FROM duckdb_tables() WHERE comment IS NOT NULL`) {
		if notShipped.MatchString(r[1]) {
			t.Errorf("comment of %s refers to a document the researcher does not have: %q", r[0], r[1])
		}
	}
}

// TestPopulation: youths with a JGZ contact in the year, by the age on 1
// July counted from the first day of the birth month, municipality of the
// year's latest contact and sex of the latest contact that has one.
func TestPopulation(t *testing.T) {
	db := openResearchDB(t)
	type contact struct {
		youth, born, sex, gemeente, date string
	}
	contacts := []contact{
		{"born-jul-2010", "2010-07-01", "V", "GM0014", "2026-03-01"}, // 16 on 1 July 2026
		{"born-aug-2010", "2010-08-01", "M", "GM0014", "2026-03-01"}, // 15
		{"born-jul-2008", "2008-07-01", "M", "GM0014", "2026-03-01"}, // 18
		{"born-aug-2008", "2008-08-01", "M", "GM0014", "2026-03-01"}, // 17
		{"born-jul-2022", "2022-07-01", "V", "GM0014", "2026-03-01"}, // 4
		{"born-aug-2022", "2022-08-01", "V", "GM0014", "2026-03-01"}, // 3
		{"born-jul-2014", "2014-07-01", "V", "GM0014", "2026-03-01"}, // 12
		{"born-aug-2014", "2014-08-01", "V", "GM0014", "2026-03-01"}, // 11
		{"born-jan-2003", "2003-01-01", "X", "GM0014", "2026-03-01"}, // 23
		{"born-jun-2002", "2002-06-01", "X", "GM0014", "2026-03-01"}, // 24: out
		{"born-aug-2026", "2026-08-01", "V", "GM0014", "2026-09-01"}, // not born on 1 July: out
		{"born-jul-2026", "2026-07-01", "V", "GM0014", "2026-07-02"}, // 0
		{"no-birth-month", "", "V", "GM0014", "2026-03-01"},          // out
		// moved within the year: counted once, in the later municipality;
		// sex from the latest contact that recorded one.
		{"moved", "2012-01-01", "M", "GM0014", "2025-02-01"},
		{"moved", "2012-01-01", "", "GM0106", "2025-11-01"},
		{"moved", "2012-01-01", "V", "GM0106", "2025-10-01"},
	}
	for _, c := range contacts {
		mustExec(t, db, `INSERT INTO jgz VALUES (?, CAST(NULLIF(?, '') AS DATE), NULLIF(?, ''), ?, CAST(? AS DATE), 'geen', 0)`,
			c.youth, c.born, c.sex, c.gemeente, c.date)
	}
	want := [][]string{
		{"GM0014", "2026", "0-3", "V", "2"},   // born-aug-2022, born-jul-2026
		{"GM0014", "2026", "4-11", "V", "2"},  // born-jul-2022, born-aug-2014
		{"GM0014", "2026", "12-17", "M", "2"}, // born-aug-2010, born-aug-2008
		{"GM0014", "2026", "12-17", "V", "2"}, // born-jul-2010, born-jul-2014
		{"GM0014", "2026", "18-23", "M", "1"}, // born-jul-2008
		{"GM0014", "2026", "18-23", "X", "1"}, // born-jan-2003
		{"GM0106", "2025", "12-17", "V", "1"}, // moved: 13 on 1 July 2025
	}
	got := table(t, db, `SELECT gemeente, calendar_year, age_band, geslacht, youths FROM population
		ORDER BY gemeente, calendar_year, list_position(['0-3', '4-11', '12-17', '18-23'], age_band), geslacht`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("population (-want +got):\n%s", diff)
	}
}

// TestPopulationRates: placements per 1,000 per municipality, year and
// age band; CBS where population_cbs holds the municipality and year,
// else the youths known to JGZ.
func TestPopulationRates(t *testing.T) {
	db := openResearchDB(t)
	// 4 youths of 15 known to JGZ in GM0014 and in GM0106 in 2026; one of
	// each placed in 2026, and one youth unknown to JGZ placed in GM0014.
	for i := range 4 {
		for _, g := range []string{"GM0014", "GM0106"} {
			mustExec(t, db, `INSERT INTO jgz VALUES (?, DATE '2011-01-01', 'V', ?, DATE '2026-02-01', 'geen', 0)`, fmt.Sprintf("%s-%d", g, i), g)
		}
	}
	for i, p := range [][2]string{{"GM0014-0", "GM0014"}, {"GM0106-0", "GM0106"}, {"unknown-to-jgz", "GM0014"}} {
		mustExec(t, db, `INSERT INTO jzplus VALUES (?, 'A', ?, ?, 'spoed', DATE '2026-03-01', DATE '2026-03-01', NULL, NULL, 'ja', 'ja', 0)`,
			fmt.Sprintf("P%d", i), p[0], p[1])
	}
	// CBS counts 500 girls of 12-17 and 1,500 youths of other ages in GM0106.
	mustExec(t, db, `INSERT INTO population_cbs VALUES ('GM0106', 2026, '12-17', 'V', 500), ('GM0106', 2026, '0-3', NULL, 1500)`)
	want := [][]string{
		{"GM0014", "2026", "0-23", "2", "4", "jgz", "500"},
		{"GM0014", "2026", "12-17", "1", "4", "jgz", "250"},
		{"GM0106", "2026", "0-23", "1", "2000", "cbs", "0.5"},
		{"GM0106", "2026", "0-3", "0", "1500", "cbs", "0"},
		{"GM0106", "2026", "12-17", "1", "500", "cbs", "2"},
	}
	got := table(t, db, `SELECT gemeente, calendar_year, age_band, placements, youths, denominator_source, placements_per_1000
		FROM population_rates ORDER BY ALL`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("population_rates (-want +got):\n%s", diff)
	}
}

// TestSourceCoverageAndLookback: coverage is the span of a source's rows
// in a municipality; a placement's look-back is complete where the window
// before its reference date lies inside it, for each source.
func TestSourceCoverageAndLookback(t *testing.T) {
	db := openResearchDB(t)
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	jgzFirst, verzuimFirst, toegangFirst, last := day("2023-01-10"), day("2022-08-01"), day("2023-03-01"), day("2026-11-30")
	for _, d := range []time.Time{jgzFirst, last} {
		mustExec(t, db, `INSERT INTO jgz VALUES ('y', NULL, NULL, 'GM0014', ?, 'geen', 0)`, d)
	}
	for _, d := range []time.Time{verzuimFirst, last} {
		mustExec(t, db, `INSERT INTO verzuim VALUES ('y', NULL, 'GM0014', ?, 'luxe', NULL, NULL, 0)`, d)
	}
	for _, d := range []time.Time{toegangFirst, last} {
		mustExec(t, db, `INSERT INTO toegang VALUES ('y', 'GM0014', ?, 'aanmelding', NULL, NULL, NULL, 0)`, d)
	}
	// GM0106 has JGZ and verzuim rows only, its last verzuim row early in
	// 2025: verzuim covers it up to the source's last date all the same.
	mustExec(t, db, `INSERT INTO jgz VALUES ('z', NULL, NULL, 'GM0106', DATE '2020-01-01', 'geen', 0), ('z', NULL, NULL, 'GM0106', DATE '2026-11-30', 'geen', 0)`)
	mustExec(t, db, `INSERT INTO verzuim VALUES ('z', NULL, 'GM0106', DATE '2020-01-01', 'luxe', NULL, NULL, 0), ('z', NULL, 'GM0106', DATE '2025-01-01', 'luxe', NULL, NULL, 0)`)

	gotCov := table(t, db, `SELECT source, date_column, gemeente, first_date, last_date, n_rows, source_last_date FROM source_coverage WHERE source <> 'jzplus' ORDER BY ALL`)
	wantCov := [][]string{
		{"jgz", "contactdatum", "GM0014", "2023-01-10", "2026-11-30", "2", "2026-11-30"},
		{"jgz", "contactdatum", "GM0106", "2020-01-01", "2026-11-30", "2", "2026-11-30"},
		{"toegang", "datum", "GM0014", "2023-03-01", "2026-11-30", "2", "2026-11-30"},
		{"verzuim", "meldingsdatum", "GM0014", "2022-08-01", "2026-11-30", "2", "2026-11-30"},
		{"verzuim", "meldingsdatum", "GM0106", "2020-01-01", "2025-01-01", "2", "2026-11-30"},
	}
	if diff := cmp.Diff(wantCov, gotCov); diff != "" {
		t.Errorf("source_coverage (-want +got):\n%s", diff)
	}

	// Placements at the boundaries: start (and machtiging) such that a
	// window starts on a source's first date (complete) or the day before
	// (cut short).
	type placement struct {
		id, gemeente      string
		machtiging, start time.Time
		// lookback, jgz, verzuim, toegang, va, ambulant_before, beraad_with_youth, early_signal
		want string
	}
	placements := []placement{
		{"jgz-exact", "GM0014", jgzFirst.AddDate(0, 0, 730), jgzFirst.AddDate(0, 0, 730),
			"false true true false true true true true"},
		{"jgz-one-day-short", "GM0014", jgzFirst.AddDate(0, 0, 729), jgzFirst.AddDate(0, 0, 729),
			"false false true false true true true false"},
		{"toegang-exact", "GM0014", toegangFirst.AddDate(0, 0, 365), toegangFirst.AddDate(0, 0, 730),
			"true true true true true true true true"},
		{"va-one-day-short", "GM0014", toegangFirst.AddDate(0, 0, 364), toegangFirst.AddDate(0, 0, 364),
			"false false false false false false true false"},
		{"va-cut-short-ambulant-not", "GM0014", toegangFirst.AddDate(0, 0, 364), toegangFirst.AddDate(0, 0, 400),
			"false false false false false true true false"},
		{"beraad-exact", "GM0014", toegangFirst.AddDate(0, 0, 90), toegangFirst.AddDate(0, 0, 90),
			"false false false false false false true false"},
		{"beraad-one-day-short", "GM0014", toegangFirst.AddDate(0, 0, 89), toegangFirst.AddDate(0, 0, 89),
			"false false false false false false false false"},
		{"after-coverage-ends", "GM0014", last, last.AddDate(0, 0, 1),
			"false false false false true false false false"},
		{"no-toegang-rows", "GM0106", day("2025-06-01"), day("2025-06-01"),
			"false true true false false false false true"},
		{"unknown-gemeente", "", day("2025-06-01"), day("2025-06-01"),
			"false false false false false false false false"},
	}
	for _, p := range placements {
		mustExec(t, db, `INSERT INTO jzplus VALUES (?, 'A', 'p', NULLIF(?, ''), 'regulier', ?, ?, NULL, NULL, 'nee', 'nee', 0)`,
			p.id, p.gemeente, p.machtiging, p.start)
	}
	got := map[string]string{}
	for _, r := range table(t, db, `SELECT plaatsing_id, concat_ws(' ', lookback_complete, jgz_lookback_complete, verzuim_lookback_complete,
		toegang_lookback_complete, va_lookback_complete, ambulant_before_lookback_complete, beraad_with_youth_lookback_complete,
		early_signal_lookback_complete) FROM placement`) {
		got[r[0]] = r[1]
	}
	want := map[string]string{}
	for _, p := range placements {
		want[p.id] = p.want
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("look-back flags: lookback, jgz, verzuim, toegang, va, ambulant_before, beraad_with_youth, early_signal (-want +got):\n%s", diff)
	}
}

// TestPlacementView: one row per placement; every flag of
// placement_timeline with the date of the earliest event behind it, at the
// boundaries of each look-back window; age and sex from JGZ.
func TestPlacementView(t *testing.T) {
	db := openResearchDB(t)
	// Every case is a youth of its own with one placement: machtiging on
	// 2026-01-31, start 2026-03-01, unless the case says otherwise.
	type ev struct {
		table string // toegang, jgz, verzuim
		days  int    // relative to the reference date of the KPI column (negative: before)
		ref   string // m (machtigingsdatum) or s (startdatum)
		what  string // gebeurtenis, signaal or verzuimsoort
		extra string // toegang: jongere_aanwezig / gedeeld / productcategorie as col=value
	}
	tests := []struct {
		name   string
		events []ev
		column string // the KPI flag; its date column is column_date
		want   string // "flag date"
	}{
		{"va shared 365 days before", []ev{{"toegang", -365, "m", "verklarende_analyse", "gedeeld=ja"}}, "va_coverage", "true 2025-01-31"},
		{"va shared 366 days before", []ev{{"toegang", -366, "m", "verklarende_analyse", "gedeeld=ja"}}, "va_coverage", "false NULL"},
		{"va not shared", []ev{{"toegang", -100, "m", "verklarende_analyse", "gedeeld=nee"}}, "va_coverage", "false NULL"},
		{"va on machtigingsdatum", []ev{{"toegang", 0, "m", "verklarende_analyse", "gedeeld=ja"}}, "va_coverage", "true 2026-01-31"},
		{"va after machtigingsdatum", []ev{{"toegang", 1, "m", "verklarende_analyse", "gedeeld=ja"}}, "va_coverage", "false NULL"},
		{"va earliest of two", []ev{{"toegang", -10, "m", "verklarende_analyse", "gedeeld=ja"}, {"toegang", -200, "m", "verklarende_analyse", "gedeeld=ja"}}, "va_coverage", "true 2025-07-15"},
		{"va timely 28 days before", []ev{{"toegang", -28, "m", "verklarende_analyse", "gedeeld=ja"}}, "va_timely", "true 2026-01-03"},
		{"va not timely 27 days before", []ev{{"toegang", -27, "m", "verklarende_analyse", "gedeeld=ja"}}, "va_timely", "false NULL"},
		{"va timely: the earliest timely one", []ev{{"toegang", -5, "m", "verklarende_analyse", "gedeeld=ja"}, {"toegang", -40, "m", "verklarende_analyse", "gedeeld=ja"}}, "va_timely", "true 2025-12-22"},
		{"ambulant ingezet 365 days before start", []ev{{"toegang", -365, "s", "ambulant_ingezet", ""}}, "ambulant_before", "true 2025-03-01"},
		{"ambulant overwogen 366 days before start", []ev{{"toegang", -366, "s", "ambulant_overwogen", ""}}, "ambulant_before", "false NULL"},
		{"beschikking 54", []ev{{"toegang", -3, "s", "beschikking", "productcategorie=54"}}, "ambulant_before", "true 2026-02-26"},
		{"beschikking 35", []ev{{"toegang", -3, "s", "beschikking", "productcategorie=35"}}, "ambulant_before", "false NULL"},
		{"zorgoverleg with youth 90 days before", []ev{{"toegang", -90, "s", "zorgoverleg", "jongere_aanwezig=ja"}}, "beraad_with_youth", "true 2025-12-01"},
		{"spoedberaad with youth 91 days before", []ev{{"toegang", -91, "s", "spoedberaad", "jongere_aanwezig=ja"}}, "beraad_with_youth", "false NULL"},
		{"spoedberaad without youth", []ev{{"toegang", -5, "s", "spoedberaad", "jongere_aanwezig=nee"}}, "beraad_with_youth", "false NULL"},
		{"jgz signal 730 days before", []ev{{"jgz", -730, "s", "zorg_thuissituatie", ""}}, "early_signal", "true 2024-03-01"},
		{"jgz signal 731 days before", []ev{{"jgz", -731, "s", "zorg_thuissituatie", ""}}, "early_signal", "false NULL"},
		{"jgz geen", []ev{{"jgz", -10, "s", "geen", ""}}, "early_signal", "false NULL"},
		{"verzuim luxe", []ev{{"verzuim", -10, "s", "luxe", ""}}, "early_signal", "false NULL"},
		{"verzuim thuiszitter before a jgz signal", []ev{{"jgz", -10, "s", "sdq_verhoogd", ""}, {"verzuim", -20, "s", "thuiszitter", ""}}, "early_signal", "true 2026-02-09"},
		{"first signal: aanmelding and luxe count", []ev{{"toegang", -30, "s", "aanmelding", ""}, {"verzuim", -40, "s", "luxe", ""}}, "first_signal", "true 2026-01-20"},
		{"first signal: 731 days before is out", []ev{{"toegang", -731, "s", "aanmelding", ""}}, "first_signal", "false NULL"},
	}
	for i, tt := range tests {
		youth := fmt.Sprintf("youth%02d", i)
		mustExec(t, db, `INSERT INTO jzplus VALUES (?, 'A', ?, 'GM0014', 'regulier', DATE '2026-01-31', DATE '2026-03-01', NULL, NULL, 'nee', 'onbekend', 0)`, youth, youth)
		for _, e := range tt.events {
			ref := "DATE '2026-03-01'"
			if e.ref == "m" {
				ref = "DATE '2026-01-31'"
			}
			date := fmt.Sprintf("%s + %d", ref, e.days)
			switch e.table {
			case "toegang":
				cols := map[string]string{}
				if k, v, ok := strings.Cut(e.extra, "="); ok {
					cols[k] = v
				}
				mustExec(t, db, `INSERT INTO toegang VALUES (?, 'GM0014', `+date+`, ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), 0)`,
					youth, e.what, cols["jongere_aanwezig"], cols["gedeeld"], cols["productcategorie"])
			case "jgz":
				mustExec(t, db, `INSERT INTO jgz VALUES (?, NULL, NULL, 'GM0014', `+date+`, ?, 0)`, youth, e.what)
			case "verzuim":
				mustExec(t, db, `INSERT INTO verzuim VALUES (?, NULL, 'GM0014', `+date+`, ?, NULL, NULL, 0)`, youth, e.what)
			}
		}
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flag, date := tt.column, tt.column+"_date"
			if tt.column == "first_signal" {
				flag = "first_signal_date IS NOT NULL"
			}
			got := table(t, db, `SELECT concat_ws(' ', `+flag+`, coalesce(CAST(`+date+` AS VARCHAR), 'NULL')) FROM placement WHERE plaatsing_id = ?`,
				fmt.Sprintf("youth%02d", i))
			if diff := cmp.Diff([][]string{{tt.want}}, got); diff != "" {
				t.Errorf("%s, %s (-want +got):\n%s", flag, date, diff)
			}
		})
	}
	// Every flag the view takes over equals placement_timeline's.
	if got := table(t, db, `SELECT count(*) FROM placement p JOIN placement_timeline tl USING (aanbieder, plaatsing_id)
		WHERE (p.va_coverage, p.va_timely, p.ambulant_before, p.beraad_with_youth, p.early_signal, p.first_signal_date)
		   IS DISTINCT FROM (tl.va_coverage, tl.va_timely, tl.ambulant_before, tl.beraad_with_youth, tl.early_signal, tl.first_signal_date)`); got[0][0] != "0" {
		t.Errorf("%s placements whose flags differ from placement_timeline", got[0][0])
	}
}

// TestPlacementOneRowPerKey: the single key, age and sex from JGZ, spoed
// with its date, readmission within 1 to 365 days after einddatum.
func TestPlacementOneRowPerKey(t *testing.T) {
	db := openResearchDB(t)
	mustExec(t, db, `INSERT INTO jgz VALUES
		('y1', DATE '2010-03-01', 'V', 'GM0014', DATE '2024-01-01', 'geen', 0),
		('y1', DATE '2010-03-01', 'M', 'GM0014', DATE '2025-01-01', 'geen', 0),
		('y1', DATE '2010-03-01', NULL, 'GM0014', DATE '2025-06-01', 'geen', 0)`)
	mustExec(t, db, `INSERT INTO jzplus VALUES
		('P1', 'A', 'y1', 'GM0014', 'spoed', DATE '2026-03-10', DATE '2026-03-10', DATE '2026-05-31', '01', 'ja', 'nee', 0),
		('P1', 'B', 'y1', 'GM0014', 'regulier', DATE '2026-05-01', DATE '2026-06-01', DATE '2026-06-30', '02', 'nee', 'ja', 0),
		('P2', 'A', 'y1', 'GM0014', 'voorwaardelijk', DATE '2027-06-01', DATE '2027-07-01', NULL, NULL, 'onbekend', 'onbekend', 0),
		('P3', 'A', 'y2', 'GM9999', 'spoed', DATE '2026-01-01', DATE '2026-01-01', DATE '2026-02-01', '03', 'ja', 'ja', 0),
		('P4', 'A', 'y2', 'GM9999', 'spoed', DATE '2026-02-01', DATE '2026-02-01', NULL, NULL, 'ja', 'ja', 0)`)
	mustExec(t, db, `INSERT INTO regions VALUES ('GM0014', 'groningen')`)
	want := [][]string{
		// aanbieder, plaatsing_id, region, geslacht, age months, years, spoed, spoed_date, readmitted_365, readmitted_365_date
		{"A", "P1", "groningen", "M", "192", "16", "true", "2026-03-10", "true", "2026-06-01"},
		{"A", "P2", "groningen", "M", "208", "17", "false", "NULL", "false", "NULL"},
		{"A", "P3", "NULL", "NULL", "NULL", "NULL", "true", "2026-01-01", "false", "NULL"}, // next start on einddatum: a transfer
		{"A", "P4", "NULL", "NULL", "NULL", "NULL", "true", "2026-02-01", "false", "NULL"},
		{"B", "P1", "groningen", "M", "195", "16", "false", "NULL", "false", "NULL"}, // next start 366 days after einddatum
	}
	got := table(t, db, `SELECT aanbieder, plaatsing_id, region, geslacht, age_at_start_months, age_at_start_years,
		spoed, spoed_date, readmitted_365, readmitted_365_date FROM placement ORDER BY aanbieder, plaatsing_id`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("placement (-want +got):\n%s", diff)
	}
	keys := table(t, db, `SELECT count(*), count(DISTINCT placement_key), min(length(placement_key)), (SELECT count(*) FROM jzplus) FROM placement`)
	if diff := cmp.Diff([][]string{{"5", "5", "16", "5"}}, keys); diff != "" {
		t.Errorf("rows, distinct keys, key length, placements (-want +got):\n%s", diff)
	}
}

// TestJzplusHistory lands three JZ+ deliveries through ingest: the second
// corrects a machtiging from spoed to regulier, the third repeats the
// second. Both versions of the corrected placement stay, with the
// deliveries that carried them and their landing times; an unchanged
// placement and a repeated delivery add no version.
func TestJzplusHistory(t *testing.T) {
	ctx := context.Background()
	db := openResearchDB(t)
	dir := t.TempDir()
	const header = "plaatsing_id,aanbieder,pseudonym,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen\n"
	const p1 = "P-1,ELKER,453347fd1671589187ffa1ff87a95b52,GM0014,"
	const p2 = "P-2,ELKER,70b6cb83c51a63c6838ce36e28067f13,GM0106,regulier,2025-12-01,2026-01-10,,,ja,ja\n"
	deliveries := []struct {
		name, body string
		at         time.Time
	}{
		{"d1.csv", header + p1 + "spoed,2026-01-05,2026-01-05,,,onbekend,onbekend\n" + p2, time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)},
		{"d2.csv", header + p1 + "regulier,2026-01-05,2026-01-05,,,onbekend,onbekend\n" + p2, time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC)},
		{"d3.csv", header + p2 + p1 + "regulier,2026-01-05,2026-01-05,,,onbekend,onbekend\n", time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC)},
	}
	c, err := ingest.Source("jzplus")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deliveries {
		path := filepath.Join(dir, d.name)
		if err := os.WriteFile(path, []byte(d.body), 0o600); err != nil {
			t.Fatal(err)
		}
		in := &ingest.Ingester{DB: db, ResearchKey: []byte("research-key-for-history-tests-0123456789"), Now: func() time.Time { return d.at }}
		if _, err := in.IngestFile(ctx, c, path); err != nil {
			t.Fatal(err)
		}
	}
	want := [][]string{
		{"P-1", "spoed", "1", "2026-01-20T09:00:00Z", "2026-02-20T09:00:00Z"},
		{"P-1", "regulier", "2", "2026-02-20T09:00:00Z", "NULL"},
		{"P-2", "regulier", "1", "2026-01-20T09:00:00Z", "NULL"},
	}
	got := table(t, db, `SELECT plaatsing_id, machtiging, delivery_id, valid_from, valid_to FROM jzplus_history ORDER BY plaatsing_id, valid_from`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("jzplus_history (-want +got):\n%s", diff)
	}
	// The open versions are the placements as jzplus holds them, under
	// the placement view's key.
	mismatch := table(t, db, `
		SELECT count(*) FROM (
			SELECT placement_key, aanbieder, plaatsing_id, research_id, gemeente, machtiging, machtigingsdatum, startdatum, einddatum,
			       reden_einde, perspectief_onderwijs, perspectief_wonen FROM jzplus_history WHERE valid_to IS NULL
			EXCEPT
			SELECT placement_key, aanbieder, plaatsing_id, research_id, gemeente, machtiging, machtigingsdatum, startdatum, einddatum,
			       reden_einde, perspectief_onderwijs, perspectief_wonen FROM placement)`)
	if mismatch[0][0] != "0" {
		t.Errorf("%s open history versions differ from the placement view", mismatch[0][0])
	}
}
