package dashboards

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"html/template"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

//go:embed templates/page.html
var templateFS embed.FS

// newTemplate parses the page template; Build parses it once per call.
func newTemplate() (*template.Template, error) {
	return template.New("page.html").ParseFS(templateFS, "templates/page.html")
}

// page is everything one month's HTML page shows.
type page struct {
	Month       time.Time
	MonthLabel  string // oktober 2026
	WindowLabel string
	Generated   string
	Threshold   int
	Headlines   []headlineCard
	Summary     []statusCount
	HeadlineCSV string
	Sections    []section
	files       []csvFile
}

// section is a titled group of tables and figures, and the CSV files
// behind them.
type section struct {
	ID, Title, Intro string
	Tables           []tableBlock
	Figures          []figure
	files            []csvFile
}

// tableBlock is a table without a chart, with its CSV download.
type tableBlock struct {
	Table    table
	CSV      string
	Download string
}

// figure is one chart with its explanation, table and CSV.
type figure struct {
	ID      string
	Title   string
	Caption string // what exactly it counts (SPEC §4), in Dutch
	Option  string // ECharts option JSON
	Format  string // how dashboard.js formats values
	Height  int
	Alt     string // a short text alternative of the chart itself
	// NoChart, when set, stands in for a chart that has nothing it may
	// draw (every figure withheld); the table is then shown open.
	NoChart string
	Table   table
	CSV     string
	Note    string
}

// figureSpec is what a section says of a figure; addFigure derives the
// table, the CSV and the chart from its grid.
type figureSpec struct {
	id, title, caption, alt, note string
	// noChart says why nothing is drawn where the chart has nothing it
	// may draw.
	noChart string
	grid    *grid
	chart   chartSpec
}

// addFigure renders a figure's table, CSV file (id.csv) and chart from
// its grid.
func (s *section) addFigure(fs figureSpec) error {
	f := figure{ID: fs.id, Title: fs.title, Caption: fs.caption, Alt: fs.alt, Note: fs.note,
		Table: fs.grid.table(false), CSV: fs.id + ".csv"}
	opt, err := fs.chart.option(fs.grid)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.id, err)
	}
	if opt == "" {
		f.NoChart = fs.noChart
		if f.NoChart == "" {
			f.NoChart = "Geen enkel cijfer van deze grafiek mag getoond worden: de tabel hieronder zegt waarom."
		}
	} else {
		f.Option, f.Format, f.Height = opt, fs.chart.format(fs.grid), fs.chart.height(fs.grid)
	}
	s.Figures = append(s.Figures, f)
	s.files = append(s.files, csvOf(f.CSV, fs.grid))
	return nil
}

// addTable adds a table without a chart, with its CSV file.
func (s *section) addTable(g *grid, name, download string) {
	s.Tables = append(s.Tables, tableBlock{Table: g.table(false), CSV: name, Download: download})
	s.files = append(s.files, csvOf(name, g))
}

// monthData is what every section of one report month reads.
type monthData struct {
	cfg    *config.Config
	policy disclosure.Policy
	h      *history
	m      time.Time
	pub    *kpi.Published
	now    time.Time
}

// fixedMonth is the CSV column of the report month.
func (d *monthData) fixedMonth() fixedCol {
	return fixedCol{csv: "maand", cell: textCell(d.m.Format("2006-01"))}
}

// unitNote explains the unit and window every KPI shares.
const unitNote = "Eenheid: de plaatsing (een jongere die twee keer is geplaatst, telt twee keer). Elke maand is een venster van 12 kalendermaanden tot en met die maand: de plaatsingen met een startdatum in dat venster."

// buildPage gathers and publishes everything of report month m.
func buildPage(ctx context.Context, db *sql.DB, cfg *config.Config, policy disclosure.Policy, h *history, m time.Time, now time.Time) (*page, error) {
	pub, ok := h.pub[m]
	if !ok {
		return nil, fmt.Errorf("%w: %s", kpi.ErrNoMonth, m.Format("2006-01"))
	}
	d := &monthData{cfg: cfg, policy: policy, h: h, m: m, pub: pub, now: now}
	p := &page{
		Month:       m,
		MonthLabel:  monthLabel(m),
		WindowLabel: fmt.Sprintf("plaatsingen met een startdatum van %s tot en met %s", dateLabel(pub.WindowStart), dateLabel(pub.WindowEnd)),
		Generated:   now.In(amsterdam()).Format("2-1-2006 15:04"),
		Threshold:   policy.Threshold,
	}
	cards, summary, f := headlines(d)
	p.Headlines, p.Summary, p.HeadlineCSV = cards, summary, f.Name
	p.files = append(p.files, f)

	rs, err := loadRoutes(ctx, db, pub.WindowStart, pub.WindowEnd)
	if err != nil {
		return nil, err
	}
	qs, err := loadQuality(ctx, db, cfg, policy, now)
	if err != nil {
		return nil, err
	}
	for _, build := range []func() (section, error){
		func() (section, error) { return trends(d) },
		func() (section, error) { return comparisons(d) },
		func() (section, error) { return flow(d) },
		func() (section, error) { return klantroutes(d, rs) },
		func() (section, error) { return signalTime(d, rs) },
		func() (section, error) { return dataQuality(d, qs) },
	} {
		s, err := build()
		if err != nil {
			return nil, err
		}
		p.Sections = append(p.Sections, s)
		p.files = append(p.files, s.files...)
	}
	return p, nil
}

func amsterdam() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.UTC
}

func monthName(m time.Month) string {
	return [...]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}[m-1]
}

func monthLabel(m time.Time) string { return monthName(m.Month()) + " " + strconv.Itoa(m.Year()) }

func shortMonth(m time.Time) string {
	short := [...]string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}
	return short[m.Month()-1] + " '" + m.Format("06")
}

func dateLabel(t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + monthName(t.Month()) + " " + strconv.Itoa(t.Year())
}

// archiveLink is one month in the archive list.
type archiveLink struct {
	Label, Href string
	Current     bool
}

// view is the template's data: the page and where it sits. The same page
// is written as YYYY-MM/index.html and, for the latest month, as the
// dashboard's index.html; relative links differ by where it sits (no
// <base>: a server's Content-Security-Policy may forbid it).
type view struct {
	*page
	Root    string // from the page to the dashboard folder: "../" or ""
	Here    string // from the page to the month folder: "" or "YYYY-MM/"
	Index   bool
	Archive []archiveLink
}

// writeMonth writes the month's page and CSVs, or, with index, the
// dashboard's index.html showing that month.
func writeMonth(tmpl *template.Template, root string, p *page, present []time.Time, index bool) error {
	v := view{page: p, Index: index, Root: "../"}
	if index {
		v.Root, v.Here = "", p.Month.Format("2006-01")+"/"
	}
	for i := len(present) - 1; i >= 0; i-- {
		m := present[i]
		v.Archive = append(v.Archive, archiveLink{Label: monthLabel(m), Href: v.Root + m.Format("2006-01") + "/index.html", Current: m.Equal(p.Month)})
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if index {
		return writeFile(filepath.Join(root, "index.html"), buf.Bytes())
	}
	dir := filepath.Join(root, p.Month.Format("2006-01"))
	for _, f := range p.files {
		if err := writeFile(filepath.Join(dir, f.Name), f.bytes()); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(dir, "index.html"), buf.Bytes())
}
