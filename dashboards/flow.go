package dashboards

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/kpi"
)

// occupancyTarget is the configured occupancy of a region for the target
// month (optional; all regions together have none).
func occupancyTarget(d *monthData, a kpi.Area) (float64, bool) {
	if a.Type != kpi.AreaRegion {
		return 0, false
	}
	t, ok := d.cfg.OccupancyTargets[a.Key]
	return t, ok
}

// flow is the section on in- and outflow and occupancy (issue 20): the
// region reduces its closed places, which it can only do when inflow and
// outflow are in hand.
func flow(d *monthData) (section, error) {
	caption := func(id kpi.ID) string {
		k, _ := kpi.Lookup(id)
		return k.Caption
	}
	label := func(id kpi.ID) string {
		k, _ := kpi.Lookup(id)
		return k.Label
	}
	areas := summaryAreas(d.pub)
	var targets []string
	for _, a := range areas {
		if t, ok := occupancyTarget(d, a); ok {
			targets = append(targets, fmt.Sprintf("%s %s", areaName(d.cfg, a), levelCell(t, kindCountLevel).display(d.policy.Threshold)))
		}
	}
	targetText := "Er is geen doel voor de bezetting ingesteld."
	if len(targets) > 0 {
		targetText = fmt.Sprintf("Doel voor de bezetting in %s: %s jongeren. De koerslijn is de rechte lijn van de eerste gepubliceerde bezetting naar dat doel; ‘op koers’ betekent dat de bezetting op of onder de koerslijn ligt.",
			monthLabel(config.Month(d.cfg.TargetMonth)), strings.Join(targets, ", "))
	}
	sec := section{ID: "stroom", Title: "In- en uitstroom en bezetting",
		Intro: "De regio's bouwen de plaatsen in de gesloten jeugdzorg af. Dat kan alleen als de instroom en de uitstroom in de hand zijn. Per gebied: hoeveel plaatsingen begonnen (instroom) en eindigden (uitstroom) in de 12 maanden tot en met de verslagmaand, hoeveel jongeren er op de laatste dag van de maand verbleven (bezetting), hoe lang het duurde van machtiging tot start, en hoe vaak een jongere binnen een jaar na vertrek opnieuw werd geplaatst. " + targetText}

	// The month at a glance.
	stand := &grid{threshold: d.policy.Threshold, caption: "In- en uitstroom en bezetting per gebied, " + monthLabel(d.m), rowTitle: "Gebied",
		fixed: []fixedCol{d.fixedMonth()}, rowCSV: areaCSV(), series: []seriesHead{{name: "Stand"}},
		measures: []measure{{"Instroom", "instroom"}, {"Uitstroom", "uitstroom"}, {"Bezetting", "bezetting"},
			{"Doel bezetting", "doel_bezetting_2027"}, {"Koerslijn bezetting", "koerslijn_bezetting"}, {"Status bezetting", "status"},
			{"Wachttijd (dagen)", "mediaan_wachttijd_dagen"},
			{"Terugval", "terugval"}, {"Teller", "terugval_teller"}, {"Noemer", "terugval_noemer"}}}
	for _, a := range areas {
		name := areaName(d.cfg, a)
		occ := d.h.figure(kpi.Occupancy, a, d.m)
		target, glide, st := cell{}, cell{}, textCell("geen doel")
		if t, ok := occupancyTarget(d, a); ok {
			g := d.h.glide(d.cfg, kpi.Occupancy, a, d.m, t)
			target, glide = levelCell(t, kindCountLevel), optLevel(g, kindCountLevel)
			st = statusCell(judge(occ.Value, g, t, true, false), occ.Value == nil)
		}
		cs := []cell{figureCell(d.h.figure(kpi.Placements, a, d.m)), figureCell(d.h.figure(kpi.Outflow, a, d.m)), figureCell(occ),
			target, glide, st, figureCell(d.h.figure(kpi.MedianWaitDays, a, d.m))}
		stand.add(rowHead{label: name, csv: []string{string(a.Type), a.Key, name}}, append(cs, ratioCells(d.h.figure(kpi.Readmitted365, a, d.m))...))
	}
	if err := sec.addFigure(figureSpec{
		id: "stroom-stand", title: "Instroom, uitstroom en bezetting in " + monthLabel(d.m),
		caption: caption(kpi.Placements) + " " + caption(kpi.Outflow) + " " + caption(kpi.Occupancy) +
			" In de tabel ook het doel voor de bezetting in " + monthLabel(config.Month(d.cfg.TargetMonth)) + " met de koerslijn, de mediane wachttijd van machtiging tot start, en de terugval: " + lowerFirst(caption(kpi.Readmitted365)),
		alt:   "Staafdiagram van instroom, uitstroom en bezetting per gebied.",
		note:  "Een ontbrekende staaf is niet getoond ter bescherming van kleine aantallen; de tabel zegt waarom.",
		grid:  stand,
		chart: groupedBars{bars: []barRef{{0, 0}, {0, 1}, {0, 2}}, colours: []string{"#0072B2", "#D55E00", "#009E73"}},
	}); err != nil {
		return section{}, err
	}

	// Occupancy over time, with the glide paths of the regions that have
	// a target.
	anyTarget := len(targets) > 0
	measures := []measure{{"Bezetting", "bezetting"}}
	lines := []lineMeasure{{measure: 0}}
	if anyTarget {
		measures = append(measures, measure{"Koerslijn", "koerslijn"})
		lines = append(lines, lineMeasure{measure: 1, style: lineGlide, prefix: glidePrefix})
	}
	occ := trendGrid(d, label(kpi.Occupancy)+" per maand", []fixedCol{{csv: "kpi", cell: textCell(string(kpi.Occupancy))}}, measures)
	for _, x := range monthRows(d, anyTarget) {
		var row [][]cell
		for _, a := range areas {
			cs := []cell{{}}
			if !x.After(d.m) {
				cs[0] = figureCell(d.h.figure(kpi.Occupancy, a, x))
			}
			if anyTarget {
				g := cell{}
				if t, ok := occupancyTarget(d, a); ok {
					g = optLevel(d.h.glide(d.cfg, kpi.Occupancy, a, x, t), kindCountLevel)
				}
				cs = append(cs, g)
			}
			row = append(row, cs)
		}
		occ.add(monthHead(x), row...)
	}
	if err := sec.addFigure(figureSpec{
		id: "stroom-bezetting", title: label(kpi.Occupancy), caption: caption(kpi.Occupancy) + " " + targetText,
		alt:  "Lijngrafiek van de bezetting per maand per gebied, met de koerslijn naar het doel.",
		grid: occ, chart: lineChart{lines: lines},
	}); err != nil {
		return section{}, err
	}

	// Inflow and outflow over time.
	inout := trendGrid(d, "Instroom en uitstroom per maand", nil, []measure{{"Instroom", "instroom"}, {"Uitstroom", "uitstroom"}})
	for _, x := range monthRows(d, false) {
		var row [][]cell
		for _, a := range areas {
			row = append(row, []cell{figureCell(d.h.figure(kpi.Placements, a, x)), figureCell(d.h.figure(kpi.Outflow, a, x))})
		}
		inout.add(monthHead(x), row...)
	}
	if err := sec.addFigure(figureSpec{
		id: "stroom-in-uit", title: "Instroom en uitstroom", caption: caption(kpi.Placements) + " " + caption(kpi.Outflow) + " Doorgetrokken lijn: instroom; stippellijn: uitstroom. Ligt de uitstroom boven de instroom, dan daalt de bezetting.",
		alt:   "Lijngrafiek van instroom en uitstroom per maand per gebied.",
		grid:  inout,
		chart: lineChart{lines: []lineMeasure{{measure: 0, suffix: ": instroom"}, {measure: 1, style: lineDashed, suffix: ": uitstroom"}}},
	}); err != nil {
		return section{}, err
	}

	// Wait from machtiging to start, and readmission, over time.
	for _, fs := range []struct {
		id  string
		kpi kpi.ID
		alt string
	}{
		{"stroom-wachttijd", kpi.MedianWaitDays, "Lijngrafiek van de mediane wachttijd van machtiging tot start per maand per gebied."},
		{"stroom-terugval", kpi.Readmitted365, "Lijngrafiek van het aandeel plaatsingen waarna de jongere binnen een jaar opnieuw werd geplaatst, per maand per gebied."},
	} {
		k, _ := kpi.Lookup(fs.kpi)
		measures := []measure{{"Mediaan (dagen)", "mediaan_dagen"}}
		if k.Kind == kpi.KindRatio {
			measures = []measure{{"Waarde", "waarde"}, {"Teller", "teller"}, {"Noemer", "noemer"}}
		}
		g := trendGrid(d, k.Label+" per maand", []fixedCol{{csv: "kpi", cell: textCell(string(k.ID))}}, measures)
		for _, x := range monthRows(d, false) {
			var row [][]cell
			for _, a := range areas {
				f := d.h.figure(k.ID, a, x)
				if k.Kind == kpi.KindRatio {
					row = append(row, ratioCells(f))
				} else {
					row = append(row, []cell{figureCell(f)})
				}
			}
			g.add(monthHead(x), row...)
		}
		if err := sec.addFigure(figureSpec{
			id: fs.id, title: k.Label, caption: k.Caption, alt: fs.alt,
			note: "Een maand zonder punt is niet getoond ter bescherming van kleine aantallen; de tabel zegt waarom.",
			grid: g, chart: lineChart{lines: []lineMeasure{{measure: 0}}},
		}); err != nil {
			return section{}, err
		}
	}
	return sec, nil
}

// lowerFirst starts a caption in the middle of a sentence.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
