package dashboards

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

// A grid is the published numbers of one figure: rows (months, areas,
// categories) × series (areas, KPIs) × measures (value, numerator,
// denominator, glide path, …). Its cells are made only from published
// figures (kpi.Figure, kpi.Count), targets and glide paths, so the HTML
// table, the CSV file and the chart, which all render from the grid
// alone, cannot show a raw number, and show the same one everywhere.

// cellKind says what a cell holds, and so how it is written and checked.
type cellKind int

const (
	kindEmpty      cellKind = iota // nothing: a month after the report month
	kindText                       // a label, date or status: no figure
	kindCount                      // a published count
	kindRatio                      // a published ratio, from the published counts beside it
	kindMedian                     // a published median of days, in whole weeks
	kindShareLevel                 // a target or glide path of a ratio: configured, not counted
	kindCountLevel                 // a target or glide path of a count
	kindDelta                      // change of a published ratio since the month before
)

// attr is the cell's data-kind in HTML, which the disclosure test reads.
func (k cellKind) attr() string {
	switch k {
	case kindCount:
		return "count"
	case kindRatio:
		return "ratio"
	case kindMedian:
		return "median"
	case kindShareLevel, kindCountLevel:
		return "level"
	case kindDelta:
		return "delta"
	}
	return "text"
}

// cell is one published cell: a value, or a withheld marker with the
// reason and, for some ratios, the bound the published counts imply.
type cell struct {
	kind   cellKind
	value  *float64 // nil when withheld (reason) or not a figure
	reason kpi.Reason
	bound  *kpi.Bound
	// because replaces reason's Dutch text where the unit is not
	// placements.
	because string
	// text is a text cell's content, plain its CSV form where ownPlain
	// says it differs (an ISO date); class and icon style a status.
	text, plain, class, icon string
	ownPlain                 bool
	// lower says, for a delta, that a fall is for the better.
	lower bool
}

// countCell is a published count.
func countCell(c kpi.Count) cell {
	x := cell{kind: kindCount, reason: c.Reason}
	if c.Shown() {
		x.value = ptr(float64(c.Value))
	}
	return x
}

// figureCell is a KPI figure's published value.
func figureCell(f kpi.Figure) cell {
	switch f.KPI.Kind {
	case kpi.KindRatio:
		return cell{kind: kindRatio, value: f.Value, reason: f.Reason, bound: f.Bound}
	case kpi.KindMedian:
		return cell{kind: kindMedian, value: f.Value, reason: f.Reason}
	}
	return countCell(f.Count)
}

// ratioCells are a ratio figure's value, numerator and denominator, the
// three cells that always stand together.
func ratioCells(f kpi.Figure) []cell {
	num := countCell(f.Numerator)
	if f.Reason == kpi.SmallNumerator {
		num.reason = kpi.Small // below the threshold, as the reason says: "<10"
	}
	return []cell{figureCell(f), num, countCell(f.Denominator)}
}

// levelCell is a target or a glide path: a share or a count level.
func levelCell(v float64, kind cellKind) cell {
	digits := 3.0
	if kind == kindCountLevel {
		digits = 1
	}
	p := math.Pow(10, digits)
	return cell{kind: kind, value: ptr(math.Round(v*p) / p)}
}

// optLevel is a level cell where there is one, else an empty cell.
func optLevel(v *float64, kind cellKind) cell {
	if v == nil {
		return cell{}
	}
	return levelCell(*v, kind)
}

// deltaCell is the change of a published ratio since the month before;
// without both values it says "–".
func deltaCell(cur, prev *float64, lower bool) cell {
	c := cell{kind: kindDelta, lower: lower}
	if cur != nil && prev != nil {
		c.value = ptr(math.Round((*cur-*prev)*100) / 100)
	}
	return c
}

func textCell(s string) cell { return cell{kind: kindText, text: s} }

// labelCell is a text that a CSV writes in another form.
func labelCell(text, plain string) cell {
	return cell{kind: kindText, text: text, plain: plain, ownPlain: true}
}

// withheld says whether the cell holds a figure that is not shown.
func (c cell) withheld() bool {
	switch c.kind {
	case kindCount, kindRatio, kindMedian:
		return c.value == nil
	}
	return false
}

// display is the cell as a person reads it on the page: whole percents,
// "<10" for a count under the threshold, the bound or "–" for another
// withheld figure.
func (c cell) display(threshold int) string {
	switch c.kind {
	case kindEmpty:
		return ""
	case kindText:
		return c.text
	}
	if c.value == nil {
		return c.withheldText(threshold)
	}
	v := *c.value
	switch c.kind {
	case kindRatio, kindShareLevel:
		return percent(v)
	case kindDelta:
		return deltaText(v, c.lower)
	case kindCountLevel:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	return strconv.Itoa(int(v))
}

// withheldText is what stands in for a withheld figure.
func (c cell) withheldText(threshold int) string {
	switch {
	case c.bound != nil:
		return boundText(*c.bound)
	case c.kind == kindCount && c.reason == kpi.Small:
		return "<" + strconv.Itoa(threshold)
	}
	return "–"
}

// csvText is the cell in a CSV file: decimal commas, shares as fractions
// to 0.01, "<10" or "–" where withheld (never empty: a reader must not
// take a withheld figure for a missing one).
func (c cell) csvText(threshold int) string {
	switch c.kind {
	case kindEmpty:
		return ""
	case kindText:
		if c.ownPlain {
			return c.plain
		}
		return c.text
	}
	if c.value == nil {
		if c.kind == kindCount && c.reason == kpi.Small {
			return "<" + strconv.Itoa(threshold)
		}
		return "–"
	}
	switch c.kind {
	case kindCount, kindMedian:
		return strconv.Itoa(int(*c.value))
	}
	return decimalComma(*c.value)
}

// note explains in Dutch why a ratio or median is withheld, with its
// bound, and why a count shows "–"; "<10" explains itself.
func (c cell) note(threshold int) string {
	if !c.withheld() || c.kind == kindCount && c.reason != kpi.Protected {
		return ""
	}
	why := c.explain(threshold)
	if c.bound != nil {
		return boundText(*c.bound) + " (" + why + ")"
	}
	return why
}

// explain says in Dutch why the cell's figure is withheld.
func (c cell) explain(threshold int) string {
	if !c.withheld() {
		return ""
	}
	if c.because != "" {
		return c.because
	}
	return c.reason.Dutch(threshold)
}

// chartValue is the cell in a chart option: ECharts' "-" draws nothing.
func (c cell) chartValue() any {
	if c.value == nil || c.kind == kindText || c.kind == kindEmpty {
		return "-"
	}
	return *c.value
}

// percent shows a share in whole percents: a rounding of the published
// value to 0.01, never a value of its own.
func percent(v float64) string {
	return strconv.FormatFloat(math.Round(v*100), 'f', 0, 64) + "%"
}

// boundText says where a withheld ratio lies, rounded outward so that the
// statement stays true: "minder dan 15%", "meer dan 85%".
func boundText(b kpi.Bound) string {
	if b.Upper {
		return "minder dan " + strconv.FormatFloat(math.Ceil(b.Value*100-1e-9), 'f', 0, 64) + "%"
	}
	return "meer dan " + strconv.FormatFloat(math.Floor(b.Value*100+1e-9), 'f', 0, 64) + "%"
}

// deltaText shows a change in percentage points with an arrow.
func deltaText(d float64, lower bool) string {
	pp := int(math.Round(d * 100))
	switch {
	case pp == 0:
		return "= gelijk"
	case pp > 0:
		return "▲ +" + strconv.Itoa(pp) + " %-punt"
	}
	return "▼ −" + strconv.Itoa(-pp) + " %-punt"
}

// deltaClass says whether a change is for the better.
func (c cell) deltaClass() string {
	if c.kind != kindDelta || c.value == nil {
		return ""
	}
	pp := int(math.Round(*c.value * 100))
	switch {
	case pp == 0:
		return "same"
	case (pp < 0) == c.lower:
		return "better"
	}
	return "worse"
}

func decimalComma(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
}

func ptr(v float64) *float64 { return &v }

// measure is one column of a series: the value, the numerator, ….
type measure struct {
	name string // column head in the table
	csv  string // CSV column name
}

// rowHead labels a row of a grid.
type rowHead struct {
	label string   // the row header in the table
	short string   // the label on a chart axis, where shorter
	csv   []string // the row's CSV label columns (grid.rowCSV)
	sub   bool     // indented: a municipality under its region
	// total marks a row that adds up the others: a table row, not a
	// category of a chart.
	total bool
	// colour is the row's bar colour in a chart of rows.
	colour string
	// route places a klantroutes row in the Sankey diagram.
	route *routeRef
}

// seriesHead labels a series of a grid.
type seriesHead struct {
	name   string
	csv    []string // the series' CSV label columns (grid.seriesCSV)
	colour string
}

// fixedCol is a CSV column with the same cell in every record.
type fixedCol struct {
	csv  string
	cell cell
}

// grid is one figure's published numbers (see the top of this file).
type grid struct {
	threshold int
	caption   string // the table's caption
	rowTitle  string // the table head above the row headers
	fixed     []fixedCol
	rowCSV    []string
	seriesCSV []string
	measures  []measure
	series    []seriesHead
	rows      []rowHead
	cells     [][][]cell // [row][series][measure]
}

// add appends a row with, per series, one cell per measure.
func (g *grid) add(r rowHead, perSeries ...[]cell) {
	if len(perSeries) != len(g.series) {
		panic(fmt.Sprintf("grid %q: row %q has %d series, want %d", g.caption, r.label, len(perSeries), len(g.series)))
	}
	for _, cs := range perSeries {
		if len(cs) != len(g.measures) {
			panic(fmt.Sprintf("grid %q: row %q has %d measures, want %d", g.caption, r.label, len(cs), len(g.measures)))
		}
	}
	g.rows = append(g.rows, r)
	g.cells = append(g.cells, perSeries)
}

// at returns a cell.
func (g *grid) at(r, s, m int) cell { return g.cells[r][s][m] }

// multiSeries says whether the table groups measures under series heads.
func (g *grid) multiSeries() bool { return len(g.series) > 1 }

// table is the accessible HTML table of a grid.
type table struct {
	Caption string
	Class   string
	Head    [][]headCell
	Rows    [][]htmlCell
	// Notes explain withheld figures under a compact table (a card),
	// which has no room for a column.
	Notes []string
}

type headCell struct {
	Text             string
	ColSpan, RowSpan int
}

// htmlCell is one cell of a table. Kind, Measure and Series are written
// as data attributes, so the disclosure test can find the numerator and
// denominator beside every percentage.
type htmlCell struct {
	Text, Kind, Measure, Class, Icon, Title string
	Series                                  int
	Header, Sub                             bool
}

// rowNotes explain the withheld figures of a row in a table, where a
// bound stands in its cell: the distinct reasons, each prefixed by its
// series where the series differ.
func (g *grid) rowNotes(r int) []string {
	var notes, plain []string
	for s := range g.series {
		var own []string
		for m := range g.measures {
			c := g.at(r, s, m)
			if n := c.explain(g.threshold); n != "" && c.note(g.threshold) != "" && !slices.Contains(own, n) {
				own = append(own, n)
			}
		}
		for _, n := range own {
			if !slices.Contains(plain, n) {
				plain = append(plain, n)
			}
			if g.multiSeries() {
				n = g.series[s].name + ": " + n
			}
			notes = append(notes, n)
		}
	}
	if len(notes) > 1 && len(plain) == 1 {
		return plain // the same reason for every series
	}
	return notes
}

// table renders the grid as an HTML table: a row header, then per series
// its measures, and a column of explanations where a figure is withheld
// (compact: the explanations go under the table instead).
func (g *grid) table(compact bool) table {
	t := table{Caption: g.caption}
	if compact {
		t.Class = "mini"
	}
	hasNotes := false
	for r := range g.rows {
		if len(g.rowNotes(r)) > 0 {
			hasNotes = true
		}
	}
	withColumn := hasNotes && !compact
	if g.multiSeries() {
		top := []headCell{{Text: g.rowTitle, RowSpan: 2}}
		var second []headCell
		for _, s := range g.series {
			top = append(top, headCell{Text: s.name, ColSpan: len(g.measures)})
			for _, m := range g.measures {
				second = append(second, headCell{Text: m.name})
			}
		}
		if withColumn {
			top = append(top, headCell{Text: "Toelichting", RowSpan: 2})
		}
		t.Head = [][]headCell{top, second}
	} else {
		head := []headCell{{Text: g.rowTitle}}
		for _, m := range g.measures {
			head = append(head, headCell{Text: m.name})
		}
		if withColumn {
			head = append(head, headCell{Text: "Toelichting"})
		}
		t.Head = [][]headCell{head}
	}
	for r, rh := range g.rows {
		row := []htmlCell{{Text: rh.label, Header: true, Sub: rh.sub}}
		for s := range g.series {
			for m, ms := range g.measures {
				c := g.at(r, s, m)
				class := c.class
				if dc := c.deltaClass(); dc != "" {
					class = strings.TrimSpace("delta " + dc)
				}
				row = append(row, htmlCell{Text: c.display(g.threshold), Kind: c.kind.attr(), Measure: ms.csv, Series: s,
					Class: class, Icon: c.icon, Title: c.note(g.threshold)})
			}
		}
		notes := g.rowNotes(r)
		switch {
		case withColumn:
			row = append(row, htmlCell{Text: strings.Join(notes, "; "), Kind: "text", Class: "why"})
		case len(notes) > 0:
			t.Notes = append(t.Notes, rh.label+": "+strings.Join(notes, "; "))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// csvFile is one CSV download: exactly the published numbers of a grid.
type csvFile struct {
	Name   string
	Header []string
	Rows   [][]string
}

// csvOf renders grids of the same columns as one CSV file: a record per
// row and series, with the fixed and label columns, a column per measure
// and the explanation of what is withheld. A record whose measures are
// all empty (a month after the report month without a glide path) is
// left out.
func csvOf(name string, grids ...*grid) csvFile {
	f := csvFile{Name: name}
	for i, g := range grids {
		var header []string
		for _, c := range g.fixed {
			header = append(header, c.csv)
		}
		header = append(header, g.rowCSV...)
		header = append(header, g.seriesCSV...)
		for _, m := range g.measures {
			header = append(header, m.csv)
		}
		header = append(header, "toelichting")
		if i == 0 {
			f.Header = header
		} else if !slices.Equal(header, f.Header) {
			panic(fmt.Sprintf("%s: grids of different columns: %v and %v", name, f.Header, header))
		}
		for r, rh := range g.rows {
			for s, sh := range g.series {
				empty := true
				for m := range g.measures {
					if g.at(r, s, m).kind != kindEmpty {
						empty = false
					}
				}
				if empty {
					continue
				}
				var rec []string
				for _, c := range g.fixed {
					rec = append(rec, c.cell.csvText(g.threshold))
				}
				rec = append(rec, rh.csv...)
				rec = append(rec, sh.csv...)
				var notes []string
				for m := range g.measures {
					c := g.at(r, s, m)
					rec = append(rec, c.csvText(g.threshold))
					if n := c.note(g.threshold); n != "" && !slices.Contains(notes, n) {
						notes = append(notes, n)
					}
				}
				f.Rows = append(f.Rows, append(rec, strings.Join(notes, "; ")))
			}
		}
	}
	return f
}

// bytes writes the CSV the way kpi.WriteCSV does, for Dutch Excel:
// UTF-8 with a byte-order mark, ';' between fields, CRLF line ends, every
// cell through kpi.CSVCell.
func (f csvFile) bytes() []byte {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.Comma, w.UseCRLF = ';', true
	w.Write(f.Header)
	for _, r := range f.Rows {
		w.Write(kpi.CSVRecord(slices.Clone(r)))
	}
	w.Flush()
	return buf.Bytes()
}

// publishCount publishes a count in no additive relation (rows of a
// delivery, placements outside the regions): withheld below the
// threshold, else rounded to 5.
func publishCount(p disclosure.Policy, n int) kpi.Count {
	if v, ok := p.Count(n); ok {
		return kpi.Count{Value: v}
	}
	return kpi.Count{Reason: kpi.Small}
}

// publishRatio publishes a ratio the dashboard counts itself (rows in
// quarantine of rows delivered) under the rules kpi.Publish applies to a
// KPI: a value only where numerator, complement and denominator are at
// least the threshold and the published counts do not pin the exact ones
// (disclosure.Policy.Pinned), from the published counts; a bound where
// only one side is small; the numerator withheld with the value.
func publishRatio(p disclosure.Policy, num, den int) kpi.Figure {
	f := kpi.Figure{KPI: kpi.KPI{Kind: kpi.KindRatio}, Denominator: publishCount(p, den)}
	smallNum, smallComp := p.Small(num), p.Small(den-num)
	switch {
	case f.Denominator.Shown() && !smallNum && !smallComp && !p.Pinned(num, f.Denominator.Value):
		f.Numerator = publishCount(p, num)
		f.Value = ptr(disclosure.Ratio(f.Numerator.Value, f.Denominator.Value))
		return f
	case f.Denominator.Shown() && !smallNum && !smallComp:
		// Shown, 6 of 12 rows would read 10/10 = 100 % at threshold 6.
		f.Reason = kpi.Protected
	case !f.Denominator.Shown() || smallNum && smallComp:
		f.Reason = kpi.SmallBasis
	case smallNum:
		f.Reason = kpi.SmallNumerator
		f.Bound = &kpi.Bound{Value: p.UpperBound(f.Denominator.Value), Upper: true}
	default:
		f.Reason = kpi.SmallComplement
		f.Bound = &kpi.Bound{Value: p.LowerBound(f.Denominator.Value)}
	}
	f.Numerator = kpi.Count{Reason: f.Reason}
	return f
}
