package dashboards

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

// The disclosure test reads back every HTML and CSV file the dashboard
// wrote and checks them in three ways:
//
//  1. Form: every published count (a CSV column of counts, an HTML cell
//     marked data-kind="count", a value in a count chart's option) is
//     "<10", "–" or a multiple of 5 of at least the threshold; every
//     median is "–" or a multiple of 7 days; a CSV column the test does
//     not know fails it, so a new column must be classified here.
//  2. Every percentage, in a table or a CSV, stands beside its numerator
//     and denominator and equals round(published numerator / published
//     denominator, 2) of them; every bound equals the one the published
//     denominator implies.
//  3. Against the exact values (the KPI history, the exact route counts,
//     the delivery log): a count below the threshold is withheld and
//     every other published count is its rounding; no ratio is published
//     whose numerator, complement or denominator is below the threshold;
//     no median over too few values. The comparison lists every
//     configured municipality, and only those, every month. The test
//     counts the small values it checked and fails if there are too few
//     to mean anything.

// csvColumnKind classifies every CSV column the dashboard writes.
func csvColumnKind(col string) string {
	switch col {
	case "maand", "kpi", "omschrijving", "gebied_type", "gebied", "naam", "soort", "van", "naar", "categorie", "bron", "status":
		return "label"
	case "laatste_levering":
		return "date"
	case "actueel", "toelichting":
		return "text"
	case "teller", "noemer", "plaatsingen", "rijen_quarantaine", "rijen_geleverd", "instroom", "uitstroom", "bezetting",
		"terugval_teller", "terugval_noemer", "plaatsingen_buiten_regios":
		return "count"
	case "waarde", "terugval", "aandeel_quarantaine":
		return "ratio"
	case "doel_2027", "koerslijn", "doel_bezetting_2027", "koerslijn_bezetting":
		return "level"
	case "verschil":
		return "delta"
	case "mediaan_dagen", "mediaan_wachttijd_dagen":
		return "median"
	}
	return ""
}

// ratioParts names the numerator and denominator beside a ratio, as CSV
// columns and as the data-m of table cells.
func ratioParts(col string) (num, den string) {
	switch col {
	case "waarde":
		return "teller", "noemer"
	case "terugval":
		return "terugval_teller", "terugval_noemer"
	case "aandeel_quarantaine":
		return "rijen_quarantaine", "rijen_geleverd"
	}
	return "", ""
}

var (
	dateCell    = regexp.MustCompile(`^\d{4}-\d{2}(-\d{2})?$`)
	anyNumber   = regexp.MustCompile(`\d`)
	countCellRE = regexp.MustCompile(`<td data-kind="count"[^>]*>([^<]*)</td>`)
	tableRow    = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	dataCell    = regexp.MustCompile(`(?s)<td data-kind="(\w+)" data-m="([^"]*)" data-s="(\d+)"[^>]*>(.*?)</td>`)
	tag         = regexp.MustCompile(`<[^>]+>`)
	optionAttr  = regexp.MustCompile(`data-format="(\w+)" data-option="([^"]*)"`)
	nodeCount   = regexp.MustCompile(`\(([^()]*)\)$`)
	boundRE     = regexp.MustCompile(`(minder|meer) dan (\d+)%`)
)

// checkCount says what is wrong with a published count cell, if anything.
func checkCount(s string, threshold int) string {
	if s == "–" || s == "<"+strconv.Itoa(threshold) {
		return ""
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return fmt.Sprintf("count %q is neither a number nor withheld", s)
	case n < threshold:
		return fmt.Sprintf("count %d below the threshold %d published", n, threshold)
	case n%5 != 0:
		return fmt.Sprintf("count %d not rounded to 5", n)
	}
	return ""
}

func checkMedian(s string) string {
	if s == "" || s == "–" {
		return ""
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n%7 != 0 {
		return fmt.Sprintf("median %q is not whole weeks of days", s)
	}
	return ""
}

func number(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	return v, err == nil
}

// checkBound checks a bound "minder dan X%" or "meer dan X%" against the
// published denominator it must come from.
func checkBound(s string, den, threshold int) string {
	m := boundRE.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	x, _ := strconv.Atoi(m[2])
	upper := float64(threshold) / float64(den)
	want := int(math.Ceil(upper*100 - 1e-9))
	if m[1] == "meer" {
		want = int(math.Floor((1-upper)*100 + 1e-9))
	}
	if x != want {
		return fmt.Sprintf("bound %q over a denominator of %d, want %d%%", s, den, want)
	}
	return ""
}

// checkRatio checks a published ratio against the counts beside it: a
// point value needs both, and equals their ratio to 0.01 (in a table, in
// whole percents); a bound equals the one the denominator implies.
func checkRatio(value, num, den string, threshold int, percent bool) string {
	if value == "" || value == "–" {
		return ""
	}
	d, derr := strconv.Atoi(den)
	dok := derr == nil
	if boundRE.MatchString(value) {
		if dok {
			return checkBound(value, d, threshold)
		}
		return ""
	}
	n, nerr := strconv.Atoi(num)
	if nerr != nil || !dok {
		return fmt.Sprintf("percentage %q without its numerator and denominator beside it (%q, %q)", value, num, den)
	}
	want := disclosure.Ratio(n, d)
	if percent {
		if value != strconv.Itoa(int(math.Round(want*100)))+"%" {
			return fmt.Sprintf("percentage %s beside %d of %d, want %.0f%%", value, n, d, math.Round(want*100))
		}
		return ""
	}
	if v, ok := number(value); !ok || v != want {
		return fmt.Sprintf("ratio %q beside %d of %d, want %v", value, n, d, want)
	}
	return ""
}

// readCSV reads a dashboard CSV: BOM, ';', a header.
func readCSV(b []byte) ([]string, [][]string, error) {
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, nil, fmt.Errorf("not a CSV with a header: %v", err)
	}
	return recs[0], recs[1:], nil
}

// record maps a CSV row by column name.
func record(header, row []string) map[string]string {
	rec := map[string]string{}
	for i, c := range row {
		rec[header[i]] = c
	}
	return rec
}

// checkCSVForm checks the form of every cell of one CSV file.
func checkCSVForm(b []byte, threshold int) []string {
	header, rows, err := readCSV(b)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, row := range rows {
		rec := record(header, row)
		for _, col := range header {
			c := rec[col]
			var p string
			switch csvColumnKind(col) {
			case "count":
				if c != "" { // empty: a month after the report month (checked against the exact values)
					p = checkCount(c, threshold)
				}
			case "ratio":
				num, den := ratioParts(col)
				if _, ok := rec[num]; !ok {
					p = "ratio column without its numerator and denominator"
					break
				}
				p = checkRatio(c, rec[num], rec[den], threshold, false)
			case "median":
				p = checkMedian(c)
			case "level":
				if _, ok := number(c); c != "" && !ok {
					p = fmt.Sprintf("level %q", c)
				}
			case "delta":
				if v, ok := number(c); c != "–" && (!ok || v < -1 || v > 1) {
					p = fmt.Sprintf("change %q", c)
				}
			case "date":
				if c != "" && !dateCell.MatchString(c) {
					p = fmt.Sprintf("date %q", c)
				}
			case "text":
			case "label":
				if col == "kpi" {
					if _, ok := kpi.Lookup(kpi.ID(c)); !ok {
						p = fmt.Sprintf("%q is no KPI", c)
					}
					break
				}
				// A label holds no figure: a digit in it would be a number
				// that escaped the rules (months, dates, codes and the names
				// of categories excepted).
				if anyNumber.MatchString(c) && !dateCell.MatchString(c) && !strings.HasPrefix(c, "GM") && col != "categorie" && col != "van" && col != "naar" && col != "omschrijving" {
					p = fmt.Sprintf("label %q holds a number", c)
				}
			default:
				p = fmt.Sprintf("column %q unknown to the disclosure test", col)
			}
			if p != "" {
				problems = append(problems, col+": "+p)
			}
		}
	}
	return problems
}

// cellText is the text a person reads in a table cell.
func cellText(s string) string {
	return strings.TrimSpace(html.UnescapeString(tag.ReplaceAllString(s, "")))
}

// checkHTMLForm checks the count, ratio and median cells of the tables
// and the chart options of one page.
func checkHTMLForm(b []byte, threshold int) (problems []string, counts int) {
	for _, m := range countCellRE.FindAllSubmatch(b, -1) {
		counts++
		if p := checkCount(html.UnescapeString(string(m[1])), threshold); p != "" {
			problems = append(problems, "table cell: "+p)
		}
	}
	for _, row := range tableRow.FindAllSubmatch(b, -1) {
		type tdCell struct{ kind, text string }
		series := map[string]map[string]tdCell{}
		for _, m := range dataCell.FindAllSubmatch(row[1], -1) {
			s := string(m[3])
			if series[s] == nil {
				series[s] = map[string]tdCell{}
			}
			series[s][string(m[2])] = tdCell{kind: string(m[1]), text: cellText(string(m[4]))}
		}
		for _, cells := range series {
			for measure, c := range cells {
				switch c.kind {
				case "ratio":
					num, den := ratioParts(measure)
					if p := checkRatio(c.text, cells[num].text, cells[den].text, threshold, true); p != "" {
						problems = append(problems, "table: "+p)
					}
				case "median":
					if p := checkMedian(c.text); p != "" {
						problems = append(problems, "table: "+p)
					}
				}
			}
		}
	}
	for _, m := range optionAttr.FindAllSubmatch(b, -1) {
		var opt struct {
			Series []struct {
				Type  string            `json:"type"`
				Name  string            `json:"name"`
				Data  []json.RawMessage `json:"data"`
				Links []struct {
					Value float64 `json:"value"`
				} `json:"links"`
			} `json:"series"`
		}
		if err := json.Unmarshal([]byte(html.UnescapeString(string(m[2]))), &opt); err != nil {
			problems = append(problems, "chart option: "+err.Error())
			continue
		}
		format := string(m[1])
		for _, s := range opt.Series {
			for _, l := range s.Links {
				counts++
				if p := checkCount(strconv.FormatFloat(l.Value, 'f', -1, 64), threshold); p != "" {
					problems = append(problems, "sankey link: "+p)
				}
			}
			if s.Type == "sankey" {
				// A node's name ends in its published count: "… (25)".
				for _, d := range s.Data {
					var node struct {
						Name string `json:"name"`
					}
					json.Unmarshal(d, &node)
					m := nodeCount.FindStringSubmatch(node.Name)
					if m == nil {
						problems = append(problems, fmt.Sprintf("sankey node %q without its count", node.Name))
						continue
					}
					counts++
					if p := checkCount(m[1], threshold); p != "" {
						problems = append(problems, "sankey node: "+p)
					}
				}
				continue
			}
			for _, d := range s.Data {
				var item struct {
					Value any `json:"value"`
				}
				if json.Unmarshal(d, &item) != nil {
					problems = append(problems, "chart data "+string(d))
					continue
				}
				v, ok := item.Value.(float64)
				if !ok {
					continue // "-": no value
				}
				switch {
				case format == formatPercent:
					if v < 0 || v > 1 {
						problems = append(problems, fmt.Sprintf("chart share %v", v))
					}
				case strings.HasPrefix(s.Name, glidePrefix):
					// A glide path is a line toward a target, not a count.
				case format == formatCount:
					counts++
					if p := checkCount(strconv.FormatFloat(v, 'f', -1, 64), threshold); p != "" {
						problems = append(problems, "chart value: "+p)
					}
				case format == formatDays:
					if p := checkMedian(strconv.FormatFloat(v, 'f', -1, 64)); p != "" {
						problems = append(problems, "chart value: "+p)
					}
				default:
					problems = append(problems, "chart of unknown format "+format)
				}
			}
		}
	}
	return problems, counts
}

// TestDisclosureCheckerCatchesLeaks makes sure the checks above can fail.
func TestDisclosureCheckerCatchesLeaks(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		want []string
	}{
		{"small and unrounded counts", "\uFEFFmaand;plaatsingen\r\n2026-10;3\r\n2026-10;12\r\n",
			[]string{"plaatsingen: count 3 below the threshold 10 published", "plaatsingen: count 12 not rounded to 5"}},
		{"unknown column", "\uFEFFgeheim\r\n7\r\n", []string{`geheim: column "geheim" unknown to the disclosure test`}},
		{"ratio from other counts", "\uFEFFwaarde;teller;noemer\r\n0,4;20;55\r\n", []string{`waarde: ratio "0,4" beside 20 of 55, want 0.36`}},
		{"ratio without its counts", "\uFEFFwaarde;teller;noemer\r\n0,4;–;55\r\n", []string{`waarde: percentage "0,4" without its numerator and denominator beside it ("–", "55")`}},
		{"median in days", "\uFEFFmediaan_dagen\r\n80\r\n", []string{`mediaan_dagen: median "80" is not whole weeks of days`}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, checkCSVForm([]byte(tt.csv), 10)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	page := `<tr><td data-kind="count" data-m="plaatsingen" data-s="0">5</td><td data-kind="count" data-m="plaatsingen" data-s="1">&lt;10</td></tr>` +
		`<tr><td data-kind="ratio" data-m="waarde" data-s="0">40%</td><td data-kind="count" data-m="teller" data-s="0">20</td><td data-kind="count" data-m="noemer" data-s="0">55</td></tr>` +
		`<tr><td data-kind="ratio" data-m="waarde" data-s="0" title="x">minder dan 20%</td><td data-kind="count" data-m="teller" data-s="0">&lt;10</td><td data-kind="count" data-m="noemer" data-s="0">70</td></tr>` +
		`<div data-format="count" data-option="{&#34;series&#34;:[{&#34;type&#34;:&#34;sankey&#34;,&#34;data&#34;:[{&#34;name&#34;:&#34;VA (7)&#34;}],&#34;links&#34;:[{&#34;value&#34;:4}]}]}">`
	got, n := checkHTMLForm([]byte(page), 10)
	want := []string{
		"table cell: count 5 below the threshold 10 published",
		"table: percentage 40% beside 20 of 55, want 36%",
		`table: bound "minder dan 20%" over a denominator of 70, want 15%`,
		"sankey link: count 4 below the threshold 10 published",
		"sankey node: count 7 below the threshold 10 published",
	}
	if diff := cmp.Diff(want, got); diff != "" || n != 8 {
		t.Errorf("leaky page: %d counts, want 8; problems (-want +got):\n%s", n, diff)
	}
}

// TestNoSmallNumbersPublished applies the checks above to every file of
// the fixture's dashboard, and compares the published cells with the
// exact values behind them.
func TestNoSmallNumbersPublished(t *testing.T) {
	db, out := fixture(t)
	ctx := context.Background()
	cfg := testConfig()
	threshold := cfg.Disclosure.Threshold
	root := filepath.Join(out, "dashboard")
	months, err := builtMonths(root)
	if err != nil || len(months) == 0 {
		t.Fatalf("no month pages: %v", err)
	}

	// Form of every file.
	htmlCounts, files := 0, 0
	err = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.Contains(p, string(filepath.Separator)+"assets"+string(filepath.Separator)) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		var problems []string
		switch filepath.Ext(p) {
		case ".csv":
			problems = checkCSVForm(b, threshold)
		case ".html":
			var n int
			problems, n = checkHTMLForm(b, threshold)
			htmlCounts += n
		default:
			problems = []string{"unexpected file"}
		}
		for _, pr := range problems {
			t.Errorf("%s: %s", strings.TrimPrefix(p, root+"/"), pr)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if htmlCounts < 100 {
		t.Errorf("only %d published counts found in the HTML; the check sees too little", htmlCounts)
	}

	// Against the exact values.
	ex := &exactValues{ctx: ctx, db: db, months: map[time.Time]map[string]kpi.Row{}}
	small := 0
	for _, m := range months {
		small += checkMonthAgainstRaw(t, ex, cfg, filepath.Join(root, m.Format("2006-01")), m)
	}
	t.Logf("%d files; %d exact values below %d checked to be withheld, %d published counts in the HTML checked", files, small, threshold, htmlCounts)
	if small < 200*len(months)/4 {
		t.Errorf("only %d exact values below the threshold in %d months: the fixture no longer tests suppression", small, len(months))
	}
}

// exactValues reads the KPI history's exact rows, a month at a time.
type exactValues struct {
	ctx    context.Context
	db     *sql.DB
	months map[time.Time]map[string]kpi.Row
}

func (e *exactValues) month(t *testing.T, m time.Time) map[string]kpi.Row {
	t.Helper()
	if rows, ok := e.months[m]; ok {
		return rows
	}
	rep, err := kpi.Load(e.ctx, e.db, m)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]kpi.Row{}
	for _, r := range rep.Rows {
		rows[r.KPI+"/"+r.AreaType+"/"+r.Area] = r
	}
	e.months[m] = rows
	return rows
}

// exactCheck checks published cells against exact values and counts the
// small ones.
type exactCheck struct {
	t      *testing.T
	policy disclosure.Policy
	small  int
}

func (c *exactCheck) withheld(s string) bool {
	return s == "–" || s == "<"+strconv.Itoa(c.policy.Threshold)
}

// count: a count below the threshold is withheld, any other published
// one is its rounding.
func (c *exactCheck) count(where string, exact int, s string) {
	c.t.Helper()
	if c.policy.Small(exact) {
		c.small++
		if !c.withheld(s) {
			c.t.Errorf("%s: exact %d published as %q", where, exact, s)
		}
		return
	}
	// Withheld for a neighbour it shows "–": "<10" would say it is small.
	if want, _ := c.policy.Count(exact); s != "–" && s != strconv.Itoa(want) {
		c.t.Errorf("%s: exact %d published as %q, want %d or –", where, exact, s, want)
	}
}

// ratio: no value where the numerator, complement or denominator is
// small; any published one from the rounded counts.
func (c *exactCheck) ratio(where string, num, den int, s, note string) {
	c.t.Helper()
	p := c.policy
	if p.Small(num) || p.Small(den-num) || p.Small(den) {
		c.small++
		if s != "–" {
			c.t.Errorf("%s: %d of %d published as %q", where, num, den, s)
		}
	} else if s != "–" {
		pn, _ := p.Count(num)
		pd, _ := p.Count(den)
		if v, ok := number(s); !ok || v != disclosure.Ratio(pn, pd) {
			c.t.Errorf("%s: %d of %d published as %q, want %v", where, num, den, s, disclosure.Ratio(pn, pd))
		}
	}
	// A bound only where one side is small, from the published
	// denominator.
	if m := boundRE.FindStringSubmatch(note); m != nil {
		pd, ok := p.Count(den)
		switch {
		case !ok || m[1] == "minder" && !p.Small(num) || m[1] == "meer" && !p.Small(den-num):
			c.t.Errorf("%s: bound %q for %d of %d", where, m[0], num, den)
		default:
			if pr := checkBound(m[0], pd, p.Threshold); pr != "" {
				c.t.Errorf("%s: %s", where, pr)
			}
		}
	}
}

// median: withheld where the area's placements or the values behind it
// are too few; else in whole weeks of the exact median.
func (c *exactCheck) median(where string, r kpi.Row, placements int, s string) {
	c.t.Helper()
	p := c.policy
	if !r.Value.Valid || p.Small(int(r.NValues)) || p.Small(placements) {
		c.small++
		if s != "–" && s != "" {
			c.t.Errorf("%s: median over %d values (%d placements) published as %q", where, r.NValues, placements, s)
		}
		return
	}
	if want := strconv.Itoa(int(math.Round(r.Value.Float64/7) * 7)); s != "–" && s != "" && s != want {
		c.t.Errorf("%s: median %v published as %q, want %s", where, r.Value.Float64, s, want)
	}
}

// kpiOf names the KPI behind a CSV column of a record.
func kpiOf(col string, rec map[string]string, file string) kpi.ID {
	switch col {
	case "teller", "noemer", "waarde":
		return kpi.ID(rec["kpi"])
	case "terugval", "terugval_teller", "terugval_noemer":
		return kpi.Readmitted365
	case "instroom":
		return kpi.Placements
	case "uitstroom":
		return kpi.Outflow
	case "bezetting":
		return kpi.Occupancy
	case "mediaan_wachttijd_dagen":
		return kpi.MedianWaitDays
	case "mediaan_dagen":
		if file == "signaaltijd.csv" {
			return kpi.MedianSignalDays
		}
		return kpi.ID(rec["kpi"])
	}
	return ""
}

// checkMonthAgainstRaw checks one month folder's CSVs against the exact
// values and returns how many small values it checked.
func checkMonthAgainstRaw(t *testing.T, ex *exactValues, cfg *config.Config, dir string, m time.Time) int {
	t.Helper()
	c := &exactCheck{t: t, policy: disclosure.Policy{Threshold: cfg.Disclosure.Threshold}}
	month := m.Format("2006-01")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree := kpi.AreaTree(cfg)
	var gemeenten []string
	for _, a := range tree.Areas {
		if a.Type == kpi.AreaGemeente {
			gemeenten = append(gemeenten, a.Key)
		}
	}
	cur := ex.month(t, m)
	files := map[string][]map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if filepath.Ext(name) != ".csv" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		h, rows, err := readCSV(b)
		if err != nil {
			t.Fatalf("%s/%s: %v", month, name, err)
		}
		var compared []string
		for _, row := range rows {
			rec := record(h, row)
			files[name] = append(files[name], rec)
			typ, key := rec["gebied_type"], rec["gebied"]
			if typ == "" {
				continue
			}
			if !slices.Contains([]kpi.AreaType{kpi.AreaTotal, kpi.AreaRegion, kpi.AreaGemeente}, kpi.AreaType(typ)) {
				t.Errorf("%s/%s: area %s/%s is not a published area", month, name, typ, key)
			}
			if strings.HasPrefix(name, "vergelijking-") && typ == string(kpi.AreaGemeente) {
				compared = append(compared, key)
			}
			if strings.HasPrefix(name, "klantroutes-") || name == "signaaltijd.csv" && rec["categorie"] != "totaal" {
				continue // tallies, below
			}
			rm, err := time.Parse("2006-01", rec["maand"])
			if err != nil {
				t.Fatalf("%s/%s: month %q", month, name, rec["maand"])
			}
			// After the report month a trend holds glide paths only;
			// up to it every figure is there, shown or withheld.
			future := rm.After(m)
			for _, col := range h {
				id := kpiOf(col, rec, name)
				if id == "" {
					continue
				}
				if empty := rec[col] == ""; empty != future {
					t.Errorf("%s/%s %s %s/%s: %s is %q", month, name, rec["maand"], typ, key, col, rec[col])
				}
			}
			if future {
				continue
			}
			raw := ex.month(t, rm)
			for _, col := range h {
				id := kpiOf(col, rec, name)
				if id == "" {
					continue
				}
				r, ok := raw[string(id)+"/"+typ+"/"+key]
				if !ok {
					t.Errorf("%s/%s: %s of %s/%s has no exact row", month, name, id, typ, key)
					continue
				}
				where := fmt.Sprintf("%s/%s %s %s %s/%s %s", month, name, rec["maand"], id, typ, key, col)
				switch csvColumnKind(col) {
				case "count":
					exact := int(r.Value.Float64)
					switch col {
					case "teller", "terugval_teller":
						exact = int(r.Numerator.Int64)
					case "noemer", "terugval_noemer":
						exact = int(r.Denominator.Int64)
					}
					c.count(where, exact, rec[col])
				case "ratio":
					c.ratio(where, int(r.Numerator.Int64), int(r.Denominator.Int64), rec[col], rec["toelichting"])
				case "median":
					c.median(where, r, int(raw[string(kpi.Placements)+"/"+typ+"/"+key].Value.Float64), rec[col])
				}
			}
		}
		// Every configured municipality, and only those, every month.
		if strings.HasPrefix(name, "vergelijking-") {
			if diff := cmp.Diff(gemeenten, compared); diff != "" {
				t.Errorf("%s/%s: municipalities (-configured +listed):\n%s", month, name, diff)
			}
		}
	}
	// One per figure (8 trends, 8 comparisons, 5 of flow, 3 klantroutes,
	// signal time, link rates), the targets, the sources, outside.
	if n := len(files); n != 29 {
		t.Errorf("%s: %d CSV files; want 29, every figure's and table's", month, n)
	}

	// Routes and signal times, from the exact route counts.
	start := m.AddDate(0, -11, 0)
	end := m.AddDate(0, 1, -1)
	rs, err := loadRoutes(ex.ctx, ex.db, start, end)
	if err != nil {
		t.Fatal(err)
	}
	stages := routeStages(rs)
	rt := routeTally(tree.Areas, rs, stages)
	nodeOf, linkOf := map[string]string{}, map[[2]string]string{}
	for s, st := range stages {
		for _, cat := range st.Cats {
			nodeOf[cat.Label] = nodeKey(s, cat.ID)
			if s+1 < len(stages) {
				for _, d := range stages[s+1].Cats {
					linkOf[[2]string{cat.Label, d.Label}] = linkKey(s, cat.ID, d.ID)
				}
			}
		}
	}
	areaOf := func(rec map[string]string) kpi.Area {
		return kpi.Area{Type: kpi.AreaType(rec["gebied_type"]), Key: rec["gebied"]}
	}
	// A tally's total is the KPI history's placements, exactly.
	for _, a := range rt.areas {
		if got, want := rt.raw[a][totalKey], int(cur[string(kpi.Placements)+"/"+a.String()].Value.Float64); got != want {
			t.Errorf("%s: klantroutes of %v count %d placements, the KPI history %d", month, a, got, want)
		}
	}
	// ... and its published total is the published placements figure.
	inflow := map[kpi.Area]string{}
	for _, rec := range files["stroom-stand.csv"] {
		inflow[areaOf(rec)] = rec["instroom"]
	}
	for name, recs := range files {
		for _, rec := range recs {
			if (strings.HasPrefix(name, "klantroutes-") && rec["soort"] == "totaal" || name == "signaaltijd.csv" && rec["categorie"] == "totaal") &&
				rec["plaatsingen"] != inflow[areaOf(rec)] {
				t.Errorf("%s/%s: %v counts %q placements, the published inflow is %q", month, name, areaOf(rec), rec["plaatsingen"], inflow[areaOf(rec)])
			}
		}
	}
	routeFiles := 0
	for name, recs := range files {
		if !strings.HasPrefix(name, "klantroutes-") {
			continue
		}
		routeFiles++
		for _, rec := range recs {
			var key string
			switch rec["soort"] {
			case "totaal":
				key = totalKey
			case "stap":
				key = nodeOf[rec["van"]]
			case "stroom":
				key = linkOf[[2]string{rec["van"], rec["naar"]}]
			}
			a := areaOf(rec)
			if _, ok := rt.raw[a]; key == "" || !ok {
				t.Errorf("%s/%s: row %v matches no route cell", month, name, rec)
				continue
			}
			c.count(fmt.Sprintf("%s/%s %v %s", month, name, a, key), rt.raw[a][key], rec["plaatsingen"])
		}
	}
	if routeFiles != 1+len(cfg.Regions) {
		t.Errorf("%s: %d klantroutes files, want %d", month, routeFiles, 1+len(cfg.Regions))
	}
	st := signalTally(tree.Areas, rs)
	binOf := map[string]string{"totaal": totalKey}
	for _, b := range signalBins() {
		binOf[b.Label] = b.ID
	}
	for _, rec := range files["signaaltijd.csv"] {
		key, ok := binOf[rec["categorie"]]
		a := areaOf(rec)
		if _, known := st.raw[a]; !ok || !known {
			t.Errorf("%s signaaltijd: row %v matches no group", month, rec)
			continue
		}
		c.count(fmt.Sprintf("%s signaaltijd %v %s", month, a, key), st.raw[a][key], rec["plaatsingen"])
	}

	// Placements outside the regions.
	for _, rec := range files["buiten-regios.csv"] {
		c.count(month+" buiten-regios", int(cur[string(kpi.Placements)+"/"+kpi.Outside().String()].Value.Float64), rec["plaatsingen_buiten_regios"])
	}
	if len(files["buiten-regios.csv"]) != 1 {
		t.Errorf("%s: placements outside the regions in %d rows, want one", month, len(files["buiten-regios.csv"]))
	}

	// Rows in quarantine, counted here straight from the delivery log, up
	// to the time the pages were made.
	type rows struct{ accepted, quarantined int }
	exact := map[string]rows{}
	q, err := ex.db.QueryContext(ex.ctx, "SELECT source, sum(rows_accepted), sum(rows_quarantined) FROM deliveries WHERE received_at <= ? GROUP BY source", testNow)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var s string
		var r rows
		if err := q.Scan(&s, &r.accepted, &r.quarantined); err != nil {
			t.Fatal(err)
		}
		exact[s] = r
	}
	q.Close()
	for _, rec := range files["kwaliteit.csv"] {
		r := exact[rec["bron"]]
		where := month + " kwaliteit " + rec["bron"]
		c.count(where, r.quarantined, rec["rijen_quarantaine"])
		c.count(where, r.accepted+r.quarantined, rec["rijen_geleverd"])
		c.ratio(where, r.quarantined, r.accepted+r.quarantined, rec["aandeel_quarantaine"], rec["toelichting"])
	}
	return c.small
}

// TestPublishRatio checks the ratios the dashboard counts itself (rows in
// quarantine) against the rules kpi.Publish applies to a KPI, including a
// share whose rounded counts would pin the exact ones: at threshold 6, 6
// of 12 rows would read 10/10 = 100 %.
func TestPublishRatio(t *testing.T) {
	type shown struct {
		Value                  *float64
		Reason                 kpi.Reason
		Numerator, Denominator kpi.Count
		Bound                  *kpi.Bound
	}
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		threshold, num, den int
		want                shown
	}{
		{6, 6, 12, shown{Reason: kpi.Protected, Numerator: kpi.Count{Reason: kpi.Protected}, Denominator: kpi.Count{Value: 10}}},
		{6, 6, 13, shown{Value: f(0.67), Numerator: kpi.Count{Value: 10}, Denominator: kpi.Count{Value: 15}}},
		{10, 12, 30, shown{Value: f(0.33), Numerator: kpi.Count{Value: 10}, Denominator: kpi.Count{Value: 30}}},
		{10, 5, 30, shown{Reason: kpi.SmallNumerator, Numerator: kpi.Count{Reason: kpi.SmallNumerator}, Denominator: kpi.Count{Value: 30},
			Bound: &kpi.Bound{Value: 0.34, Upper: true}}},
		{10, 25, 30, shown{Reason: kpi.SmallComplement, Numerator: kpi.Count{Reason: kpi.SmallComplement}, Denominator: kpi.Count{Value: 30},
			Bound: &kpi.Bound{Value: 0.66}}},
		{10, 5, 8, shown{Reason: kpi.SmallBasis, Numerator: kpi.Count{Reason: kpi.SmallBasis}, Denominator: kpi.Count{Reason: kpi.Small}}},
	}
	for _, tt := range tests {
		p, err := disclosure.New(tt.threshold)
		if err != nil {
			t.Fatal(err)
		}
		got := publishRatio(p, tt.num, tt.den)
		if diff := cmp.Diff(tt.want, shown{got.Value, got.Reason, got.Numerator, got.Denominator, got.Bound}); diff != "" {
			t.Errorf("threshold %d: publishRatio(%d, %d) (-want +got):\n%s", tt.threshold, tt.num, tt.den, diff)
		}
	}
}
