package dashboards

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/kpi"
)

// The disclosure test reads back every HTML and CSV file the dashboard
// wrote and checks two things:
//
//  1. Form: every published count (a CSV column of counts, an HTML cell
//     marked data-kind="count", a value in a count chart's option) is
//     withheld ("<10" or "–") or a multiple of 5 of at least the
//     threshold; every share is between -1 and 1. A CSV column the test
//     does not know fails it, so a new column must be classified here.
//  2. Against the unsuppressed values: for every KPI numerator and
//     denominator (kpi.Raw), every route flow and stage, every
//     signal-time group and every source's quarantined rows whose exact
//     value is below the threshold, the published cell is withheld. The
//     test counts these cases and fails if there are too few to mean
//     anything.

// csvColumns classifies every CSV column the dashboard writes.
var csvColumns = map[string]string{
	"maand": "label", "kpi": "label", "omschrijving": "label", "gebied": "label", "gebied_type": "label",
	"naam": "label", "soort": "label", "van": "label", "naar": "label", "categorie": "label", "bron": "label",
	"status": "label", "laatste_levering": "date", "actueel": "label",
	"waarde": "share", "vorige_maand": "share", "verschil": "share", "koerslijn": "share", "doel_2027": "share",
	"aandeel_quarantaine": "share", "koppeling_plaatsingen": "share",
	"teller": "count", "noemer": "count", "plaatsingen": "count", "rijen_opgenomen": "count", "rijen_quarantaine": "count",
	"mediaan_dagen": "median",
}

var (
	dateCell   = regexp.MustCompile(`^\d{4}-\d{2}(-\d{2})?$`)
	anyNumber  = regexp.MustCompile(`\d`)
	countCell  = regexp.MustCompile(`<td data-kind="count"[^>]*>([^<]*)</td>`)
	optionAttr = regexp.MustCompile(`data-format="(\w+)" data-option="([^"]*)"`)
	nodeCount  = regexp.MustCompile(`\(([^()]*)\)$`)
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

func checkShare(s string) string {
	if s == "" || s == "–" {
		return ""
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || v < -1 || v > 1 {
		return fmt.Sprintf("share %q is not a number from -1 to 1", s)
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

// checkCSVForm checks the form of every cell of one CSV file.
func checkCSVForm(b []byte, threshold int) []string {
	header, rows, err := readCSV(b)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, row := range rows {
		for i, c := range row {
			col := header[i]
			var p string
			switch csvColumns[col] {
			case "count":
				p = checkCount(c, threshold)
			case "share":
				p = checkShare(c)
			case "median":
				if c != "" && c != "–" {
					if _, err := strconv.ParseFloat(strings.Replace(c, ",", ".", 1), 64); err != nil {
						p = fmt.Sprintf("median %q", c)
					}
				}
			case "date":
				if c != "" && !dateCell.MatchString(c) {
					p = fmt.Sprintf("date %q", c)
				}
			case "label":
				// A label holds no figure: a digit in it would be a number
				// that escaped the rules (months and dates excepted).
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

// checkHTMLForm checks the count cells and chart options of one page.
func checkHTMLForm(b []byte, threshold int) (problems []string, counts int) {
	for _, m := range countCell.FindAllSubmatch(b, -1) {
		counts++
		if p := checkCount(html.UnescapeString(string(m[1])), threshold); p != "" {
			problems = append(problems, "table cell: "+p)
		}
	}
	for _, m := range optionAttr.FindAllSubmatch(b, -1) {
		var opt struct {
			Series []struct {
				Type  string            `json:"type"`
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
				switch format {
				case "count":
					counts++
					if p := checkCount(strconv.FormatFloat(v, 'f', -1, 64), threshold); p != "" {
						problems = append(problems, "chart value: "+p)
					}
				case "percent":
					if v < 0 || v > 1 {
						problems = append(problems, fmt.Sprintf("chart share %v", v))
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
	leaky := "\uFEFFmaand;gebied;plaatsingen;waarde\r\n2026-10;Groningen;3;0,4\r\n2026-10;Drenthe;12;0,5\r\n"
	if got := checkCSVForm([]byte(leaky), 10); len(got) != 2 {
		t.Errorf("leaky CSV: problems %q, want two (3 below the threshold, 12 not rounded)", got)
	}
	if got := checkCSVForm([]byte("\uFEFFgeheim\r\n7\r\n"), 10); len(got) != 1 {
		t.Errorf("unknown column: problems %q, want one", got)
	}
	page := `<td data-kind="count">5</td><td data-kind="count">&lt;10</td>` +
		`<div data-format="count" data-option="{&#34;series&#34;:[{&#34;type&#34;:&#34;sankey&#34;,&#34;data&#34;:[{&#34;name&#34;:&#34;VA (7)&#34;}],&#34;links&#34;:[{&#34;value&#34;:4}]}]}">`
	if got, n := checkHTMLForm([]byte(page), 10); len(got) != 3 || n != 4 {
		t.Errorf("leaky page: problems %q over %d counts, want 3 over 4", got, n)
	}
}

// TestNoSmallNumbersPublished applies the checks to every file of the
// fixture's dashboard, and compares the published cells with the exact
// values behind them.
func TestNoSmallNumbersPublished(t *testing.T) {
	db, out := fixture(t)
	ctx := context.Background()
	cfg := config.Default()
	threshold := cfg.Disclosure.Threshold
	root := filepath.Join(out, "dashboard")
	months, err := builtMonths(root)
	if err != nil || len(months) == 0 {
		t.Fatalf("no month pages: %v", err)
	}

	// Form of every file.
	htmlCounts := 0
	err = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.Contains(p, string(filepath.Separator)+"assets"+string(filepath.Separator)) {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
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
	small := 0
	for _, m := range months {
		small += checkMonthAgainstRaw(t, ctx, db, cfg, filepath.Join(root, m.Format("2006-01")), m)
	}
	t.Logf("%d exact values below %d checked to be withheld, %d published counts in the HTML checked", small, threshold, htmlCounts)
	if small < 50*len(months)/4 {
		t.Errorf("only %d exact values below the threshold in %d months: the fixture no longer tests suppression", small, len(months))
	}
}

// checkMonthAgainstRaw checks one month folder's CSVs against the exact
// values and returns how many small values it checked.
func checkMonthAgainstRaw(t *testing.T, ctx context.Context, db *sql.DB, cfg *config.Config, dir string, m time.Time) int {
	t.Helper()
	threshold := cfg.Disclosure.Threshold
	withheld := func(s string) bool { return s == "–" || s == "<"+strconv.Itoa(threshold) }
	read := func(name string) ([]string, [][]string) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		h, rows, err := readCSV(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return h, rows
	}
	col := func(h []string, name string) int {
		for i, c := range h {
			if c == name {
				return i
			}
		}
		t.Fatalf("no column %s in %v", name, h)
		return -1
	}
	small := 0
	month := m.Format("2006-01")

	// KPI numerators and denominators.
	rep, err := kpi.Load(ctx, db, m)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]kpi.Figure{}
	for _, f := range kpi.Raw(rep, cfg).Rows {
		raw[f.KPI+"/"+f.AreaType+"/"+f.Area] = f
	}
	for _, k := range trendKPIs(cfg) {
		h, rows := read("vergelijking-" + k.ID + ".csv")
		for _, r := range rows {
			f, ok := raw[r[col(h, "kpi")]+"/"+r[col(h, "gebied_type")]+"/"+r[col(h, "gebied")]]
			if !ok {
				t.Errorf("%s vergelijking: row %v has no exact figure", month, r)
				continue
			}
			if *f.Numerator < int64(threshold) {
				small++
				if !withheld(r[col(h, "teller")]) {
					t.Errorf("%s %s %s: numerator %d published as %q", month, k.ID, r[col(h, "gebied")], *f.Numerator, r[col(h, "teller")])
				}
			}
			if *f.Denominator < int64(threshold) {
				small++
				if !withheld(r[col(h, "noemer")]) || r[col(h, "waarde")] != "–" {
					t.Errorf("%s %s %s: %d placements, published %q over %q", month, k.ID, r[col(h, "gebied")], *f.Denominator, r[col(h, "waarde")], r[col(h, "noemer")])
				}
			}
		}
	}

	// Routes and signal times, from the exact route counts.
	start := m.AddDate(0, -11, 0)
	end := m.AddDate(0, 1, -1)
	rs, err := loadRoutes(ctx, db, start, end)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, a := range []string{allArea, otherArea} {
		names[areaName(cfg, a)] = a
	}
	for _, r := range cfg.Regions {
		names[r.Name] = r.Key
	}
	stages := routeStages(rs)
	rt := routeTally(regionKeys(cfg), rs, stages, true)
	nodeOf, linkOf := map[string]string{}, map[[2]string]string{}
	for s, st := range stages {
		for _, c := range st.Cats {
			nodeOf[c.Label] = nodeKey(s, c.ID)
			if s+1 < len(stages) {
				for _, d := range stages[s+1].Cats {
					linkOf[[2]string{c.Label, d.Label}] = linkKey(s, c.ID, d.ID)
				}
			}
		}
	}
	routeFiles := 0
	for _, a := range rt.areas {
		if a == otherArea {
			continue
		}
		h, rows := read("klantroutes-" + csvArea(a) + ".csv")
		routeFiles++
		for _, r := range rows {
			var key string
			switch r[col(h, "soort")] {
			case "totaal":
				key = totalKey
			case "stap":
				key = nodeOf[r[col(h, "van")]]
			case "stroom":
				key = linkOf[[2]string{r[col(h, "van")], r[col(h, "naar")]}]
			}
			if key == "" {
				t.Errorf("%s klantroutes: row %v matches no route cell", month, r)
				continue
			}
			if v := rt.raw[names[r[col(h, "gebied")]]][key]; v < threshold {
				small++
				if !withheld(r[col(h, "plaatsingen")]) {
					t.Errorf("%s klantroutes %s %s: exact %d published as %q", month, a, key, v, r[col(h, "plaatsingen")])
				}
			}
		}
	}
	if routeFiles != 1+len(cfg.Regions) {
		t.Errorf("%s: %d klantroutes files, want %d", month, routeFiles, 1+len(cfg.Regions))
	}
	st := signalTally(regionKeys(cfg), rs, true)
	binOf := map[string]string{"totaal": totalKey}
	for _, b := range signalBins {
		binOf[b.Label] = b.ID
	}
	h, rows := read("signaaltijd.csv")
	for _, r := range rows {
		key, ok := binOf[r[col(h, "categorie")]]
		if !ok {
			t.Errorf("%s signaaltijd: row %v matches no group", month, r)
			continue
		}
		if v := st.raw[names[r[col(h, "gebied")]]][key]; v < threshold {
			small++
			if !withheld(r[col(h, "plaatsingen")]) {
				t.Errorf("%s signaaltijd %s %s: exact %d published as %q", month, r[col(h, "gebied")], key, v, r[col(h, "plaatsingen")])
			}
		}
	}

	// Rows in quarantine, counted here straight from the delivery log.
	exact := map[string]int{}
	q, err := db.QueryContext(ctx, "SELECT source, sum(rows_quarantined) FROM deliveries GROUP BY source")
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var s string
		var n int
		if err := q.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		exact[s] = n
	}
	q.Close()
	h, rows = read("kwaliteit.csv")
	for _, r := range rows {
		if n := exact[r[col(h, "bron")]]; n < threshold {
			small++
			if !withheld(r[col(h, "rijen_quarantaine")]) {
				t.Errorf("%s kwaliteit %s: %d rows in quarantine published as %q", month, r[col(h, "bron")], n, r[col(h, "rijen_quarantaine")])
			}
		}
	}
	return small
}
