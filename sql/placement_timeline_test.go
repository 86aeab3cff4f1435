package sql_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	zsql "github.com/zothuis/zothuis/sql"
)

// The view of migration 0003, which 0017 replaced by one that reads each
// source table once: the reference the new one must equal.
func placementTimeline0003(t *testing.T) string {
	t.Helper()
	ms, err := zsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version != 3 {
			continue
		}
		_, def, ok := strings.Cut(m.SQL, "CREATE VIEW placement_timeline AS")
		if !ok {
			break
		}
		def, _, _ = strings.Cut(def, ";")
		return "CREATE TEMP VIEW placement_timeline_0003 AS" + def
	}
	t.Fatal("migration 0003 has no placement_timeline")
	return ""
}

// TestPlacementTimelineMatches0003 fills the sources with rows at every
// boundary of every look-back (a day inside, on and outside each end),
// with every code and NULL where a column allows it, for youths with
// several placements, placements without dates and youths that no
// placement has, and compares the view with 0003's row for row.
func TestPlacementTimelineMatches0003(t *testing.T) {
	db := openResearchDB(t)
	mustExec(t, db, placementTimeline0003(t))
	mustExec(t, db, `INSERT INTO regions VALUES ('GM0014', 'groningen')`)

	rng := rand.New(rand.NewPCG(17, 3))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	offsets := []int{-731, -730, -729, -366, -365, -364, -91, -90, -89, -29, -28, -27, -1, 0, 1, 40}
	day := func(d time.Time, off int) string { return "'" + d.AddDate(0, 0, off).Format(time.DateOnly) + "'" }
	null := func(s string) string {
		if s == "NULL" {
			return s
		}
		return "'" + s + "'"
	}
	var placements, toegang, jgz, verzuim []string
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	for y := range 400 {
		rid := fmt.Sprintf("%032x", y)
		var refs []time.Time // the dates the youth's rows are placed around
		if y%10 != 9 {       // every tenth youth is known to the sources only
			for k := range 1 + rng.IntN(3) {
				start := base.AddDate(0, 0, rng.IntN(500))
				mdate := start.AddDate(0, 0, -rng.IntN(60))
				startSQL, mdateSQL := day(start, 0), day(mdate, 0)
				switch rng.IntN(12) {
				case 0:
					mdateSQL = "NULL"
				case 1:
					startSQL = "NULL"
				}
				placements = append(placements, fmt.Sprintf("('p%d-%d', 'A%d', '%s', %s, %s, %s, %s, NULL, NULL, %s, %s, 1)",
					y, k, k, rid, null(pick("GM0014", "GM0363")), null(pick("spoed", "regulier", "NULL")),
					mdateSQL, startSQL, null(pick("ja", "nee", "NULL")), null(pick("ja", "onbekend"))))
				refs = append(refs, start, mdate)
			}
		} else {
			refs = append(refs, base, base)
		}
		for range rng.IntN(9) {
			d := day(refs[rng.IntN(len(refs))], offsets[rng.IntN(len(offsets))])
			switch rng.IntN(3) {
			case 0:
				toegang = append(toegang, fmt.Sprintf("('%s', NULL, %s, '%s', %s, %s, %s, 1)", rid, d,
					pick("verklarende_analyse", "ambulant_ingezet", "ambulant_overwogen", "beschikking", "spoedberaad", "zorgoverleg", "aanmelding"),
					null(pick("ja", "nee", "NULL")), null(pick("ja", "nee", "NULL")), null(pick("31", "34", "35", "54", "NULL"))))
			case 1:
				jgz = append(jgz, fmt.Sprintf("('%s', NULL, NULL, NULL, %s, '%s', 1)", rid, d,
					pick("geen", "geen", "sdq_verhoogd", "zorg_thuissituatie", "melding_veilig_thuis", "verwijzing_toegang")))
			default:
				verzuim = append(verzuim, fmt.Sprintf("('%s', NULL, NULL, %s, '%s', NULL, NULL, 1)", rid, d,
					pick("luxe", "kort_relatief", "langdurig_relatief", "absoluut", "thuiszitter")))
			}
		}
	}
	for table, rows := range map[string][]string{"jzplus": placements, "toegang": toegang, "jgz": jgz, "verzuim": verzuim} {
		mustExec(t, db, "INSERT INTO "+table+" VALUES "+strings.Join(rows, ",\n"))
	}

	for _, q := range []string{
		`SELECT * FROM placement_timeline EXCEPT ALL SELECT * FROM placement_timeline_0003`,
		`SELECT * FROM placement_timeline_0003 EXCEPT ALL SELECT * FROM placement_timeline`,
	} {
		if diff := table(t, db, q+` ORDER BY ALL`); len(diff) > 0 {
			t.Errorf("%s: %d rows, first %v", q, len(diff), diff[0])
		}
	}
	// The cases reach both sides of every flag, so that equality says
	// something.
	got := table(t, db, `SELECT count(*),
		count(*) FILTER (va_coverage), count(*) FILTER (va_timely), count(*) FILTER (ambulant_before),
		count(*) FILTER (beraad_with_youth), count(*) FILTER (early_signal), count(first_signal_date),
		count(*) FILTER (linked_toegang), count(*) FILTER (linked_signal_sources)
		FROM placement_timeline_0003`)
	names := []string{"va_coverage", "va_timely", "ambulant_before", "beraad_with_youth", "early_signal", "first_signal_date", "linked_toegang", "linked_signal_sources"}
	total := got[0][0]
	for i, name := range names {
		if n := got[0][i+1]; n == "0" || n == total {
			t.Errorf("%s holds for %s of %s placements: the cases do not reach both sides", name, n, total)
		}
	}
	n, err := strconv.Atoi(total)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(len(placements), n); diff != "" {
		t.Errorf("placements (-inserted +view):\n%s", diff)
	}
}
