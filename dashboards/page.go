package dashboards

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/disclosure"
	"github.com/zothuis/zothuis/kpi"
)

//go:embed templates/page.html
var templateFS embed.FS

var pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{"lower": strings.ToLower}).ParseFS(templateFS, "templates/page.html"))

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
	Quality     qualityTable
	files       []csvFile
}

// Cell kinds in tables; the disclosure test reads them back.
const (
	kindCount = "count" // a published count: ≥ threshold, a multiple of 5, or withheld
	kindRatio = "ratio"
	kindDays  = "median"
	kindText  = "text"
)

// cell is one table cell.
type cell struct {
	Text   string
	Kind   string
	Header bool
	Class  string
}

// table is the accessible alternative of a chart.
type table struct {
	Caption string
	Head    []string
	Rows    [][]cell
}

// figure is one chart with its explanation, table and CSV.
type figure struct {
	ID      string
	Title   string
	Caption string // what exactly it counts (SPEC §4), in Dutch
	Option  string // ECharts option JSON
	Format  string // percent or count: how dashboard.js formats values
	Height  int
	Alt     string // a short text alternative of the chart itself
	// NoChart, when set, stands in for a chart that has nothing it may
	// draw (every figure withheld); the table is then shown open.
	NoChart string
	Table   table
	CSV     string
	Note    string
}

// section is a titled group of figures.
type section struct {
	ID, Title, Intro string
	Figures          []figure
}

// headlineCard is one 2027 target at a glance.
type headlineCard struct {
	Label, Target, Direction string
	Value, Status, Icon      string
	StatusClass              string
	Delta, DeltaClass        string
	Glide                    string
	Rows                     []headlineCardRow
	Caption                  string
}

type headlineCardRow struct {
	Area, Value, Delta, DeltaClass, Glide, Status, Icon, StatusClass string
}

// statusCount is how many targets stand where, for all regions together.
type statusCount struct {
	N                 int
	Text, Icon, Class string
}

// qualityTable is the data-quality block.
type qualityTable struct {
	Table table
	CSV   string
}

// csvFile is one CSV download: exactly the published numbers of a chart.
type csvFile struct {
	Name   string
	Header []string
	Rows   [][]string
}

var monthNames = []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}

func monthLabel(m time.Time) string { return monthNames[m.Month()-1] + " " + strconv.Itoa(m.Year()) }

var shortMonthNames = []string{"jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}

func shortMonth(m time.Time) string { return shortMonthNames[m.Month()-1] + " '" + m.Format("06") }
func dateLabel(t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + monthNames[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// pct shows a published share as a whole percentage.
func pct(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v*100, 'f', 0, 64) + "%"
}

// decimal writes a share for a CSV with a decimal comma.
func decimal(v *float64) string {
	if v == nil {
		return ""
	}
	return strings.Replace(strconv.FormatFloat(*v, 'f', -1, 64), ".", ",", 1)
}

// countText shows a published count; withheld ones as "<10" or "–".
func countText(c count, threshold int) string {
	switch {
	case c.Value != nil:
		return strconv.Itoa(*c.Value)
	case c.BelowThreshold:
		return "<" + strconv.Itoa(threshold)
	default:
		return "–"
	}
}

// figureCount turns a metrics count figure into a count.
func figureCount(p *int64, withheld, below bool) count {
	if p == nil || withheld {
		return count{BelowThreshold: below}
	}
	v := int(*p)
	return count{Value: &v}
}

// ratioParts are the published numerator and denominator of a ratio
// figure: a count under the threshold is withheld ("<10").
func ratioParts(f kpi.Figure) (num, den count) {
	if f.Suppressed {
		return count{}, count{}
	}
	num = figureCount(f.Numerator, false, f.Numerator == nil)
	den = figureCount(f.Denominator, false, f.Denominator == nil)
	return num, den
}

// deltaText shows a change in percentage points with an arrow, and says
// whether it is for the better.
func deltaText(d *float64, lower bool) (string, string) {
	if d == nil {
		return "–", ""
	}
	pp := int(*d*100 + 0.5*sign(*d))
	switch {
	case pp == 0:
		return "= gelijk", "same"
	case (pp < 0) == lower:
		return arrow(pp) + strconv.Itoa(abs(pp)) + " %-punt", "better"
	default:
		return arrow(pp) + strconv.Itoa(abs(pp)) + " %-punt", "worse"
	}
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func arrow(pp int) string {
	if pp > 0 {
		return "▲ +"
	}
	return "▼ −"
}

// statusText names a status in full (for the card) and short (for the
// rows of regions); the icon repeats it so colour is never the only cue.
func statusText(s status, withheld bool) (text, short, icon, class string) {
	switch s {
	case statusReached:
		return "Doel bereikt", "Bereikt", "★", "reached"
	case statusOnTrack:
		return "Op koers", "Op koers", "✓", "ontrack"
	case statusBehind:
		return "Achter op koers", "Achter", "!", "behind"
	}
	if withheld {
		return "Niet getoond (kleine aantallen)", "Niet getoond", "–", "unknown"
	}
	return "Geen koerslijn", "Geen koerslijn", "?", "unknown"
}

// kpiCaption says in Dutch exactly what each KPI counts (SPEC §4).
var kpiCaption = map[string]string{
	"spoed_share":           "Het aandeel van de plaatsingen in JeugdzorgPlus dat begon met een spoedmachtiging (machtiging = spoed). Lager is beter; het doel voor 2027 is 0%.",
	"va_coverage":           "Het aandeel van de plaatsingen waarvan de jongere in de 365 dagen tot en met de machtigingsdatum een verklarende analyse had die met jongere en ouders is gedeeld (toegang: verklarende_analyse met gedeeld = ja).",
	"va_timely":             "Als ‘gedeelde verklarende analyse vóór machtiging’, maar de gedeelde verklarende analyse lag ten minste 28 dagen vóór de machtigingsdatum (en niet meer dan 365 dagen).",
	"ambulant_before":       "Het aandeel van de plaatsingen waarvan de jongere in de 365 dagen tot en met de startdatum ambulante hulp kreeg of waarbij die is overwogen (toegang: ambulant_ingezet of ambulant_overwogen), of een beschikking had in productcategorie 31–34 of 54.",
	"beraad_with_youth":     "Het aandeel van de plaatsingen waarbij in de 90 dagen tot en met de startdatum een spoedberaad of zorgoverleg plaatsvond waar de jongere bij was (jongere_aanwezig = ja).",
	"perspective_education": "Het aandeel van de plaatsingen waarvoor de JeugdzorgPlus-aanbieder een perspectief op onderwijs vastlegde (perspectief_onderwijs = ja).",
	"perspective_housing":   "Het aandeel van de plaatsingen waarvoor de JeugdzorgPlus-aanbieder een perspectief op wonen vastlegde (perspectief_wonen = ja).",
	"early_signal":          "Het aandeel van de plaatsingen waarvan de jongere in de 730 dagen tot en met de startdatum een JGZ-signaal had (anders dan ‘geen’) of een verzuimmelding van de soort langdurig relatief, absoluut of thuiszitter. Beschrijvend: hiervoor is geen doel.",
	"linked_toegang":        "Het aandeel van de plaatsingen waarvan de jongere (op welk moment ook) in de gegevens van de toegang voorkomt.",
	"linked_signal_sources": "Het aandeel van de plaatsingen waarvan de jongere (op welk moment ook) in de gegevens van de JGZ of van verzuim voorkomt.",
}

// unitNote explains the unit and window every KPI shares.
const unitNote = "Eenheid: de plaatsing (een jongere die twee keer is geplaatst, telt twee keer). Elke maand is een venster van 12 kalendermaanden tot en met die maand: de plaatsingen met een startdatum in dat venster."

// buildPage gathers and publishes everything of report month m.
func buildPage(ctx context.Context, db *sql.DB, cfg *config.Config, policy disclosure.Policy, h *history, m time.Time, now time.Time) (*page, error) {
	cur, ok := h.pub[m]
	if !ok {
		return nil, fmt.Errorf("%w: %s", kpi.ErrNoMonth, m.Format("2006-01"))
	}
	start, _ := time.Parse("2006-01-02", cur.out.WindowStart)
	end, _ := time.Parse("2006-01-02", cur.out.WindowEnd)
	p := &page{
		Month:       m,
		MonthLabel:  monthLabel(m),
		WindowLabel: fmt.Sprintf("plaatsingen met een startdatum van %s tot en met %s", dateLabel(start), dateLabel(end)),
		Generated:   now.In(amsterdam()).Format("2-1-2006 15:04"),
		Threshold:   policy.Threshold,
	}
	p.headlines(cfg, h, m)
	p.trends(cfg, h, m)
	p.comparisons(cfg, cur)
	rs, err := loadRoutes(ctx, db, start, end)
	if err != nil {
		return nil, err
	}
	p.routes(cfg, policy, cur, rs)
	qs, err := loadQuality(ctx, db, cfg, policy, now)
	if err != nil {
		return nil, err
	}
	p.quality(cfg, cur, qs, now)
	return p, nil
}

func amsterdam() *time.Location {
	if loc, err := time.LoadLocation("Europe/Amsterdam"); err == nil {
		return loc
	}
	return time.UTC
}

func (p *page) headlines(cfg *config.Config, h *history, m time.Time) {
	f := csvFile{Name: "doelen.csv", Header: []string{"maand", "kpi", "omschrijving", "gebied", "waarde", "vorige_maand", "verschil", "koerslijn", "doel_2027", "status"}}
	counts := map[string]*statusCount{}
	for _, st := range []status{statusReached, statusOnTrack, statusBehind, statusUnknown} {
		text, _, icon, class := statusText(st, false)
		if st == statusUnknown {
			text = "Niet te beoordelen"
		}
		c := &statusCount{Text: text, Icon: icon, Class: class}
		counts[class] = c
		p.Summary = append(p.Summary, *c)
	}
	for _, hl := range h.headlines(cfg, m) {
		dir := "hoger is beter"
		if hl.Lower {
			dir = "lager is beter"
		}
		t := hl.Target
		card := headlineCard{Label: hl.KPI.Label, Target: pct(&t), Direction: dir, Caption: kpiCaption[hl.KPI.ID]}
		for i, r := range hl.Rows {
			st, short, icon, class := statusText(r.Status, r.Value == nil)
			dt, dclass := deltaText(r.Delta, hl.Lower)
			row := headlineCardRow{Area: r.Area.Name, Value: pct(r.Value), Delta: dt, DeltaClass: dclass, Glide: pct(r.Glide), Status: short, Icon: icon, StatusClass: class}
			if i == 0 {
				card.Value, card.Status, card.Icon, card.StatusClass, card.Delta, card.DeltaClass, card.Glide = row.Value, st, icon, class, dt, dclass, row.Glide
				counts[class].N++
			}
			card.Rows = append(card.Rows, row)
			var glide *float64
			if r.Glide != nil {
				g := round3(*r.Glide)
				glide = &g
			}
			f.Rows = append(f.Rows, []string{m.Format("2006-01"), hl.KPI.ID, hl.KPI.Label, r.Area.Name, csvValue(r.Value), decimal(r.Prev), decimal(r.Delta), decimal(glide), decimal(&t), st})
		}
		p.Headlines = append(p.Headlines, card)
	}
	for i := range p.Summary {
		p.Summary[i].N = counts[p.Summary[i].Class].N
	}
	p.HeadlineCSV = f.Name
	p.files = append(p.files, f)
}

func round3(v float64) float64 { return float64(int64(v*1000+0.5*sign(v))) / 1000 }

// trendKPIs are the KPIs with a trend chart and a comparison: the targets
// and the descriptive early signal.
func trendKPIs(cfg *config.Config) []kpi.KPI {
	ks := targetKPIs(cfg)
	if k, ok := kpi.Lookup("early_signal"); ok {
		ks = append(ks, k)
	}
	return ks
}

func (p *page) trends(cfg *config.Config, h *history, m time.Time) {
	months := h.upTo(m)
	// Draw on to the target month, so the glide paths show where the
	// regions must be by then.
	axis := append([]time.Time(nil), months...)
	targetMonth := config.Month(cfg.TargetMonth)
	for x := m.AddDate(0, 1, 0); !x.After(targetMonth) && len(axis) < len(months)+36; x = x.AddDate(0, 1, 0) {
		axis = append(axis, x)
	}
	labels := make([]string, len(axis))
	for i, x := range axis {
		labels[i] = shortMonth(x)
	}
	sec := section{ID: "trends", Title: "Ontwikkeling per doel", Intro: "Per maand de waarde over de 12 maanden tot en met die maand, met het doel voor 2027 (stippellijn) en per gebied de koerslijn (gestreept): de rechte lijn van de eerste maand naar het doel. " + unitNote}
	for _, k := range trendKPIs(cfg) {
		var target *float64
		if t, ok := cfg.Targets[k.ID]; ok {
			target = &t
		}
		var series []trendSeries
		head := []string{"Maand"}
		f := csvFile{Name: "trend-" + k.ID + ".csv", Header: []string{"maand", "kpi", "gebied", "waarde", "koerslijn", "doel_2027"}}
		for i, a := range summaryAreas(cfg) {
			s := trendSeries{Name: a.Name, Colour: areaColours[i%len(areaColours)], Values: make([]*float64, len(axis))}
			if target != nil && h.glideFor(cfg, k.ID, a, m) != nil {
				s.Glide = make([]*float64, len(axis))
			}
			for j, x := range axis {
				if pub, ok := h.pub[x]; ok && !x.After(m) {
					if fg, ok := pub.get(k.ID, a); ok {
						s.Values[j] = fg.Value
					}
				}
				if s.Glide != nil {
					g := round3(*h.glideFor(cfg, k.ID, a, x))
					s.Glide[j] = &g
				}
			}
			series = append(series, s)
			head = append(head, a.Name)
			if s.Glide != nil {
				head = append(head, "Koerslijn "+a.Name)
			}
		}
		t := table{Caption: k.Label + " per maand", Head: head}
		for j, x := range axis {
			row := []cell{{Text: monthLabel(x), Header: true}}
			for _, s := range series {
				row = append(row, cell{Text: pct(s.Values[j]), Kind: kindRatio})
				if s.Glide != nil {
					row = append(row, cell{Text: pct(s.Glide[j]), Kind: kindRatio})
				}
				tgt := ""
				if target != nil {
					tgt = decimal(target)
				}
				glide := ""
				if s.Glide != nil {
					glide = decimal(s.Glide[j])
				}
				switch {
				case !x.After(m):
					f.Rows = append(f.Rows, []string{x.Format("2006-01"), k.ID, s.Name, csvValue(s.Values[j]), glide, tgt})
				case glide != "": // after the report month: the glide path only
					f.Rows = append(f.Rows, []string{x.Format("2006-01"), k.ID, s.Name, "", glide, tgt})
				}
			}
			t.Rows = append(t.Rows, row)
		}
		opt, err := trendChart(labels, series, target)
		if err != nil {
			continue // marshalling plain data cannot fail
		}
		caption := kpiCaption[k.ID]
		sec.Figures = append(sec.Figures, figure{
			ID: "trend-" + k.ID, Title: k.Label, Caption: caption, Option: opt, Format: "percent", Height: 340,
			Alt:   "Lijngrafiek: " + k.Label + " per maand voor " + strings.Join(head[1:], ", ") + ".",
			Table: t, CSV: f.Name,
		})
		p.files = append(p.files, f)
	}
	p.Sections = append(p.Sections, sec)
}

func (p *page) comparisons(cfg *config.Config, cur published) {
	sec := section{ID: "vergelijking", Title: "Regio's en gemeenten vergeleken", Intro: fmt.Sprintf("De waarde per gebied in het venster van deze maand. Een gemeente met minder dan %d plaatsingen krijgt geen balk: haar aandeel wordt niet getoond ter bescherming van kleine aantallen. ", max(p.Threshold, 10)) + unitNote}
	areas := comparisonAreas(cfg, cur)
	for _, k := range trendKPIs(cfg) {
		var target *float64
		if t, ok := cfg.Targets[k.ID]; ok {
			target = &t
		}
		f := csvFile{Name: "vergelijking-" + k.ID + ".csv", Header: []string{"maand", "kpi", "gebied_type", "gebied", "naam", "waarde", "teller", "noemer", "doel_2027"}}
		t := table{Caption: k.Label + " per gebied", Head: []string{"Gebied", "Waarde", "Teller", "Noemer (plaatsingen)"}}
		var items []barItem
		var below, hidden []string
		region := 0
		for _, a := range areas {
			fg, ok := cur.get(k.ID, a)
			if !ok {
				continue
			}
			num, den := ratioParts(fg)
			if fg.Suppressed {
				if pl, ok := cur.get("placements", a); ok {
					den = figureCount(nil, true, pl.BelowThreshold)
					num = count{}
				}
			}
			label := a.Name
			colour := muted
			switch a.Type {
			case "total":
				colour = areaColours[0]
			case "region":
				region++
				colour = areaColours[region%len(areaColours)]
			case "gemeente":
				colour = "#7a9cc6"
			}
			switch {
			case fg.Value != nil:
				items = append(items, barItem{Label: label, Value: fg.Value, Colour: colour})
			case a.Type == "gemeente" && den.BelowThreshold:
				// Kept out of the chart, named below it: a long column of
				// empty bars hides the areas that have a figure.
				below = append(below, a.Name)
			case a.Type == "gemeente":
				hidden = append(hidden, a.Name)
			case den.BelowThreshold:
				items = append(items, barItem{Label: label + " (<" + strconv.Itoa(p.Threshold) + " plaatsingen)", Colour: colour})
			default:
				items = append(items, barItem{Label: label + " (niet getoond)", Colour: colour})
			}
			name := cell{Text: a.Name, Header: true}
			if a.Type == "gemeente" {
				name.Class = "sub"
			}
			t.Rows = append(t.Rows, []cell{name, {Text: pct(fg.Value), Kind: kindRatio}, {Text: countText(num, p.Threshold), Kind: kindCount}, {Text: countText(den, p.Threshold), Kind: kindCount}})
			tgt := ""
			if target != nil {
				tgt = decimal(target)
			}
			f.Rows = append(f.Rows, []string{p.Month.Format("2006-01"), k.ID, a.Type, a.Key, a.Name, csvValue(fg.Value), countText(num, p.Threshold), countText(den, p.Threshold), tgt})
		}
		opt, err := comparisonChart(items, target)
		if err != nil {
			continue
		}
		sec.Figures = append(sec.Figures, figure{
			ID: "vergelijking-" + k.ID, Title: k.Label, Caption: kpiCaption[k.ID], Option: opt, Format: "percent", Height: 60 + 22*len(items),
			Alt: "Staafdiagram: " + k.Label + " per regio en gemeente.", Table: t, CSV: f.Name,
			Note: withheldNote(below, hidden, p.Threshold) + "Teller en noemer zijn afgerond op 5; het percentage is berekend uit de onafgeronde aantallen.",
		})
		p.files = append(p.files, f)
	}
	p.Sections = append(p.Sections, sec)
}

// withheldNote names the municipalities a comparison chart leaves out.
func withheldNote(below, hidden []string, threshold int) string {
	var b strings.Builder
	if len(below) > 0 {
		fmt.Fprintf(&b, "Niet in de grafiek, want minder dan %d plaatsingen (in de tabel ‘<%d’): %s. ", threshold, threshold, strings.Join(below, ", "))
	}
	if len(hidden) > 0 {
		fmt.Fprintf(&b, "Niet getoond ter bescherming van kleine aantallen elders (in de tabel ‘–’): %s. ", strings.Join(hidden, ", "))
	}
	return b.String()
}

// csvValue is a published share in a CSV: withheld is "–", never empty
// or zero, so a reader cannot mistake it for a value.
func csvValue(v *float64) string {
	if v == nil {
		return "–"
	}
	return decimal(v)
}

// regionKeys are the configured region keys in order.
func regionKeys(cfg *config.Config) []string {
	var ks []string
	for _, r := range cfg.Regions {
		ks = append(ks, r.Key)
	}
	return ks
}

// areaName names a tally area.
func areaName(cfg *config.Config, key string) string {
	switch key {
	case allArea:
		return "Alle regio's"
	case otherArea:
		return "Gemeenten buiten de regio's"
	}
	for _, r := range cfg.Regions {
		if r.Key == key {
			return r.Name
		}
	}
	return key
}

// hasUnlisted says whether the month's KPI output has a municipality no
// configured region lists.
func hasUnlisted(cfg *config.Config, cur published) bool {
	for _, a := range comparisonAreas(cfg, cur) {
		if a.Type == "gemeente" && !slices.Contains(regionGemeenten(cfg), a.Key) {
			return true
		}
	}
	return false
}

func regionGemeenten(cfg *config.Config) []string {
	var gs []string
	for _, r := range cfg.Regions {
		gs = append(gs, r.Gemeenten...)
	}
	return gs
}

// placementTotals are the published placements figures per tally area.
func placementTotals(cfg *config.Config, cur published) map[string]kpi.Figure {
	totals := map[string]kpi.Figure{}
	for _, a := range summaryAreas(cfg) {
		if f, ok := cur.get("placements", a); ok {
			key := a.Key
			totals[key] = f
		}
	}
	return totals
}

func (p *page) routes(cfg *config.Config, policy disclosure.Policy, cur published, rs []route) {
	stages := routeStages(rs)
	rt := routeTally(regionKeys(cfg), rs, stages, hasUnlisted(cfg, cur))
	pub := rt.publish(policy, placementTotals(cfg, cur))
	sec := section{ID: "klantroutes", Title: "Klantroutes: van eerste signaal tot machtiging",
		Intro: "Welke weg de plaatsingen in het venster aflegden: het eerste signaal in de 2 jaar vóór de plaatsing (JGZ-signaal anders dan ‘geen’, een verzuimmelding of een aanmelding bij de toegang; bij gelijke datum telt JGZ vóór verzuim vóór toegang), of er vooraf een gedeelde verklarende analyse was (365 dagen vóór de machtiging), ambulante hulp (365 dagen vóór de start) en een beraad met de jongere erbij (90 dagen vóór de start), en met welke machtiging de plaatsing begon. " + unitNote}
	for _, a := range rt.areas {
		if a == otherArea {
			continue // too few to draw; its figures count in all
		}
		ap := pub[a]
		f := csvFile{Name: "klantroutes-" + csvArea(a) + ".csv", Header: []string{"maand", "gebied", "soort", "van", "naar", "plaatsingen"}}
		t := table{Caption: "Klantroutes " + areaName(cfg, a), Head: []string{"Van", "Naar", "Plaatsingen"}}
		t.Rows = append(t.Rows, []cell{{Text: "Alle plaatsingen", Header: true}, {Text: "", Kind: kindText}, {Text: countText(ap[totalKey], p.Threshold), Kind: kindCount}})
		f.Rows = append(f.Rows, []string{p.Month.Format("2006-01"), areaName(cfg, a), "totaal", "", "", countText(ap[totalKey], p.Threshold)})
		for s, st := range stages {
			for _, c := range st.Cats {
				v := countText(ap[nodeKey(s, c.ID)], p.Threshold)
				t.Rows = append(t.Rows, []cell{{Text: c.Label, Header: true}, {Text: "(stap " + st.Title + ")", Kind: kindText}, {Text: v, Kind: kindCount}})
				f.Rows = append(f.Rows, []string{p.Month.Format("2006-01"), areaName(cfg, a), "stap", c.Label, "", v})
			}
		}
		for s := 0; s+1 < len(stages); s++ {
			for _, x := range stages[s].Cats {
				for _, y := range stages[s+1].Cats {
					v := countText(ap[linkKey(s, x.ID, y.ID)], p.Threshold)
					t.Rows = append(t.Rows, []cell{{Text: x.Label, Header: true}, {Text: y.Label, Kind: kindText}, {Text: v, Kind: kindCount}})
					f.Rows = append(f.Rows, []string{p.Month.Format("2006-01"), areaName(cfg, a), "stroom", x.Label, y.Label, v})
				}
			}
		}
		opt, left, err := sankeyChart(stages, ap, p.Threshold)
		if err != nil {
			continue
		}
		note := fmt.Sprintf("Stromen van minder dan %d plaatsingen (in de tabel ‘<%d’) en stromen die ter bescherming van kleine aantallen niet worden getoond (‘–’) zijn niet getekend.", p.Threshold, p.Threshold)
		if opt != "" && len(left) > 0 {
			note += " Daardoor ontbreken in de grafiek de stappen " + strings.Join(left, ", ") + "; hun aantallen staan in de tabel."
		}
		noChart := ""
		if opt == "" {
			noChart = fmt.Sprintf("Geen enkele stroom van %s heeft %d of meer plaatsingen die getoond mogen worden: de klantroutes staan alleen in de tabel.", areaName(cfg, a), p.Threshold)
		}
		sec.Figures = append(sec.Figures, figure{
			NoChart: noChart,
			ID:      "klantroutes-" + csvArea(a), Title: "Klantroutes " + areaName(cfg, a), Option: opt, Format: "count", Height: 460,
			Caption: "Elke kolom is een stap; de breedte van een stroom is het aantal plaatsingen dat van de ene naar de volgende stap ging, afgerond op 5. Tussen haakjes het aantal plaatsingen van de stap.",
			Alt:     "Sankeydiagram van de klantroutes van " + areaName(cfg, a) + ".",
			Table:   t, CSV: f.Name,
			Note: note,
		})
		p.files = append(p.files, f)
	}
	p.Sections = append(p.Sections, sec)
	p.signalTime(cfg, policy, cur, rs)
}

func csvArea(a string) string {
	if a == otherArea {
		return "overig"
	}
	return a
}

func (p *page) signalTime(cfg *config.Config, policy disclosure.Policy, cur published, rs []route) {
	st := signalTally(regionKeys(cfg), rs, hasUnlisted(cfg, cur))
	pub := st.publish(policy, placementTotals(cfg, cur))
	var areas []string
	for _, a := range st.areas {
		if a != otherArea {
			areas = append(areas, a)
		}
	}
	categories := make([]string, len(signalBins))
	for i, b := range signalBins {
		categories[i] = b.Label
	}
	names := make([]string, len(areas))
	values := make([][]interface{}, len(areas))
	head := []string{"Tijd van eerste signaal tot plaatsing"}
	f := csvFile{Name: "signaaltijd.csv", Header: []string{"maand", "gebied", "categorie", "plaatsingen", "mediaan_dagen"}}
	for i, a := range areas {
		names[i] = areaName(cfg, a)
		head = append(head, names[i])
		for _, b := range signalBins {
			values[i] = append(values[i], countVal(pub[a][b.ID]))
			f.Rows = append(f.Rows, []string{p.Month.Format("2006-01"), names[i], b.Label, countText(pub[a][b.ID], p.Threshold), ""})
		}
		median := "–"
		if mf, ok := cur.get("median_signal_days", area{Type: typeOf(a), Key: a}); ok && mf.Value != nil {
			median = strings.Replace(strconv.FormatFloat(*mf.Value, 'f', -1, 64), ".", ",", 1)
		}
		f.Rows = append(f.Rows, []string{p.Month.Format("2006-01"), names[i], "totaal", countText(pub[a][totalKey], p.Threshold), median})
	}
	t := table{Caption: "Plaatsingen naar tijd van eerste signaal tot plaatsing", Head: head}
	for _, b := range signalBins {
		row := []cell{{Text: b.Label, Header: true}}
		for _, a := range areas {
			row = append(row, cell{Text: countText(pub[a][b.ID], p.Threshold), Kind: kindCount})
		}
		t.Rows = append(t.Rows, row)
	}
	total := []cell{{Text: "Alle plaatsingen", Header: true}}
	med := []cell{{Text: "Mediaan (dagen, over plaatsingen met een signaal)", Header: true}}
	for _, a := range areas {
		total = append(total, cell{Text: countText(pub[a][totalKey], p.Threshold), Kind: kindCount})
		m := "–"
		if mf, ok := cur.get("median_signal_days", area{Type: typeOf(a), Key: a}); ok && mf.Value != nil {
			m = strings.Replace(strconv.FormatFloat(*mf.Value, 'f', -1, 64), ".", ",", 1)
		}
		med = append(med, cell{Text: m, Kind: kindDays})
	}
	t.Rows = append(t.Rows, total, med)
	// Say in words what the chart cannot draw: the withheld cells, and the
	// medians.
	var missing, medians []string
	for _, b := range signalBins {
		var which []string
		for i, a := range areas {
			if c := pub[a][b.ID]; c.Value == nil {
				which = append(which, names[i]+" "+countText(c, p.Threshold))
			}
		}
		if len(which) > 0 {
			missing = append(missing, b.Label+" ("+strings.Join(which, ", ")+")")
		}
	}
	for i := range areas {
		if m := med[i+1].Text; m != "–" {
			medians = append(medians, names[i]+" "+m+" dagen")
		}
	}
	note := ""
	if len(medians) > 0 {
		note = "Mediane tijd van eerste signaal tot plaatsing: " + strings.Join(medians, ", ") + ". "
	}
	if len(missing) > 0 {
		note += "Niet getekend: " + strings.Join(missing, "; ") + ". "
	}
	colours := areaColours[:len(areas)]
	opt, err := groupedBarChart(categories, names, colours, values, false)
	if err != nil {
		return
	}
	sec := section{ID: "signaaltijd", Title: "Tijd van eerste signaal tot plaatsing",
		Figures: []figure{{
			ID: "signaaltijd", Title: "Plaatsingen naar tijd van eerste signaal tot plaatsing", Option: opt, Format: "count", Height: 320,
			Caption: "Het aantal plaatsingen in het venster naar het aantal dagen tussen het eerste signaal van de jongere en de startdatum. Een signaal is een JGZ-contact met een signaal anders dan ‘geen’, een verzuimmelding of een aanmelding bij de toegang, in de 730 dagen tot en met de startdatum. De mediaan in de tabel is die over de plaatsingen met een signaal. " + unitNote,
			Alt:     "Staafdiagram van het aantal plaatsingen per duur van eerste signaal tot plaatsing, per gebied.",
			Table:   t, CSV: f.Name,
			Note: note + fmt.Sprintf("Aantallen afgerond op 5; minder dan %d als ‘<%d’; ‘–’ is niet getoond ter bescherming van kleine aantallen.", p.Threshold, p.Threshold),
		}},
	}
	p.Sections = append(p.Sections, sec)
	p.files = append(p.files, f)
}

func typeOf(a string) string {
	if a == allArea {
		return "total"
	}
	return "region"
}

// quarantineShare shows the share of rows kept out; a share that rounds
// to 0% while rows were kept out shows as "<1%".
func quarantineShare(q quality) string {
	if q.QuarantineShare != nil && *q.QuarantineShare == 0 && q.Quarantined > 0 {
		return "<1%"
	}
	return pct(q.QuarantineShare)
}

var sourceLabels = map[string]string{"jgz": "JGZ", "verzuim": "Verzuim (leerplicht/RMC)", "toegang": "Toegang (gemeenten)", "jzplus": "JeugdzorgPlus-aanbieders"}

func (p *page) quality(cfg *config.Config, cur published, qs []quality, now time.Time) {
	all := summaryAreas(cfg)[0]
	link := map[string]string{}
	linkVal := map[string]*float64{}
	if f, ok := cur.get("linked_toegang", all); ok {
		link["toegang"], linkVal["toegang"] = pct(f.Value), f.Value
	}
	if f, ok := cur.get("linked_signal_sources", all); ok {
		link["jgz"], link["verzuim"] = pct(f.Value)+" (JGZ of verzuim)", pct(f.Value)+" (JGZ of verzuim)"
		linkVal["jgz"], linkVal["verzuim"] = f.Value, f.Value
	}
	t := table{Caption: "Datakwaliteit per bron", Head: []string{"Bron", "Laatste levering", "Actualiteit", "Rijen opgenomen", "Rijen in quarantaine", "Aandeel in quarantaine", "Plaatsingen gekoppeld"}}
	f := csvFile{Name: "kwaliteit.csv", Header: []string{"bron", "laatste_levering", "actueel", "rijen_opgenomen", "rijen_quarantaine", "aandeel_quarantaine", "koppeling_plaatsingen"}}
	for _, q := range qs {
		last, lastCSV := "nog geen levering", ""
		if q.LastDelivery.Valid {
			last = dateLabel(q.LastDelivery.Time.In(amsterdam()))
			lastCSV = q.LastDelivery.Time.In(amsterdam()).Format("2006-01-02")
		}
		fresh, class := "Actueel", "ontrack"
		if q.Stale {
			fresh, class = fmt.Sprintf("Verouderd: langer dan %d dagen geen levering", int(q.StaleAfter.Hours()/24)), "behind"
		}
		l, ok := link[q.Source]
		if !ok {
			l = "n.v.t."
		}
		t.Rows = append(t.Rows, []cell{
			{Text: sourceLabels[q.Source], Header: true},
			{Text: last, Kind: kindText},
			{Text: fresh, Kind: kindText, Class: class},
			{Text: countText(q.PubAccepted, p.Threshold), Kind: kindCount},
			{Text: countText(q.PubQuarantined, p.Threshold), Kind: kindCount},
			{Text: quarantineShare(q), Kind: kindRatio},
			{Text: l, Kind: kindText},
		})
		f.Rows = append(f.Rows, []string{q.Source, lastCSV, strconv.FormatBool(!q.Stale), countText(q.PubAccepted, p.Threshold), countText(q.PubQuarantined, p.Threshold), csvValue(q.QuarantineShare), decimal(linkVal[q.Source])})
	}
	p.Quality = qualityTable{Table: t, CSV: f.Name}
	p.files = append(p.files, f)

	// The link rates per area as a chart.
	areas := summaryAreas(cfg)
	kf := csvFile{Name: "koppeling.csv", Header: []string{"maand", "kpi", "gebied", "waarde", "teller", "noemer"}}
	kt := table{Caption: "Koppeling van plaatsingen met de andere bronnen", Head: []string{"Gebied", "Gekoppeld met toegang", "Gekoppeld met JGZ of verzuim"}}
	names := []string{"Gekoppeld met toegang", "Gekoppeld met JGZ of verzuim"}
	values := make([][]interface{}, 2)
	var cats, notShown []string
	for _, a := range areas {
		if fg, ok := cur.get("linked_toegang", a); ok && fg.Value == nil {
			notShown = append(notShown, a.Name)
			cats = append(cats, a.Name+" (niet getoond)")
		} else {
			cats = append(cats, a.Name)
		}
		row := []cell{{Text: a.Name, Header: true}}
		for i, id := range []string{"linked_toegang", "linked_signal_sources"} {
			fg, _ := cur.get(id, a)
			values[i] = append(values[i], val(fg.Value))
			row = append(row, cell{Text: pct(fg.Value), Kind: kindRatio})
			num, den := ratioParts(fg)
			kf.Rows = append(kf.Rows, []string{p.Month.Format("2006-01"), id, a.Name, csvValue(fg.Value), countText(num, p.Threshold), countText(den, p.Threshold)})
		}
		kt.Rows = append(kt.Rows, row)
	}
	opt, err := groupedBarChart(cats, names, []string{"#0072B2", "#009E73"}, values, true)
	if err != nil {
		return
	}
	p.Sections = append(p.Sections, section{ID: "datakwaliteit", Title: "Datakwaliteit",
		Intro: fmt.Sprintf("Per bron de laatste levering (stand op %s), of die actueel is, en hoeveel rijen van alle leveringen zijn opgenomen of in quarantaine gehouden omdat ze niet aan het gegevenscontract voldeden. Aantallen zijn afgerond op 5; minder dan %d als ‘<%d’.", dateLabel(now.In(amsterdam())), p.Threshold, p.Threshold),
		Figures: []figure{{
			ID: "koppeling", Title: "Koppeling van plaatsingen met de andere bronnen", Option: opt, Format: "percent", Height: 320,
			Caption: kpiCaption["linked_toegang"] + " " + kpiCaption["linked_signal_sources"] + " Een lage koppeling betekent dat de KPI's de voorgeschiedenis van jongeren missen. " + unitNote,
			Alt:     "Staafdiagram van het aandeel gekoppelde plaatsingen per gebied.",
			Table:   kt, CSV: kf.Name,
			Note: linkNote(notShown),
		}},
	})
	p.files = append(p.files, kf)
}

func linkNote(areas []string) string {
	if len(areas) == 0 {
		return ""
	}
	return "Niet getoond ter bescherming van kleine aantallen: " + strings.Join(areas, ", ") + "."
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
func writeMonth(root string, p *page, present []time.Time, index bool) error {
	v := view{page: p, Index: index, Root: "../"}
	if index {
		v.Root, v.Here = "", p.Month.Format("2006-01")+"/"
	}
	for i := len(present) - 1; i >= 0; i-- {
		m := present[i]
		v.Archive = append(v.Archive, archiveLink{Label: monthLabel(m), Href: v.Root + m.Format("2006-01") + "/index.html", Current: m.Equal(p.Month)})
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
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

// bytes writes the CSV the way kpi.WriteCSV does, for Dutch Excel:
// UTF-8 with a byte-order mark, ';' between fields, CRLF line ends.
func (f csvFile) bytes() []byte {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.Comma, w.UseCRLF = ';', true
	w.Write(f.Header)
	for _, r := range f.Rows {
		safe := make([]string, len(r))
		for i, c := range r {
			safe[i] = kpi.CSVCell(c)
		}
		w.Write(safe)
	}
	w.Flush()
	return buf.Bytes()
}
