package dashboards

import (
	"fmt"
	"strings"

	"github.com/zothuis/zothuis/kpi"
)

// klantroutes is the section of the route to placement: per area a
// Sankey diagram of the stages each placement passed, from the
// published counts of a tally whose totals are the published placements.
func klantroutes(d *monthData, rs []route) (section, error) {
	stages := routeStages(rs)
	rt := routeTally(d.pub.Tree.Areas, rs, stages)
	pub := rt.publish(d.policy, placementCounts(d.pub))
	sec := section{ID: "klantroutes", Title: "Klantroutes: van eerste signaal tot machtiging",
		Intro: "Welke weg de plaatsingen in het venster aflegden: het eerste signaal in de 2 jaar vóór de plaatsing (JGZ-signaal anders dan ‘geen’, een verzuimmelding of een aanmelding bij de toegang; bij gelijke datum telt JGZ vóór verzuim vóór toegang), of er vooraf een gedeelde verklarende analyse was (365 dagen vóór de machtiging), ambulante hulp (365 dagen vóór de start) en een beraad met de jongere erbij (90 dagen vóór de start), en met welke machtiging de plaatsing begon. " + unitNote}
	for _, a := range rt.areas {
		ap := pub[a]
		name := areaName(d.cfg, a)
		g := &grid{threshold: d.policy.Threshold, caption: "Klantroutes " + name, rowTitle: "Stap of stroom",
			fixed: []fixedCol{d.fixedMonth(), {csv: "gebied_type", cell: textCell(string(a.Type))},
				{csv: "gebied", cell: textCell(a.Key)}, {csv: "naam", cell: textCell(name)}},
			rowCSV: []string{"soort", "van", "naar"}, measures: []measure{{"Plaatsingen", "plaatsingen"}},
			series: []seriesHead{{name: name}}}
		g.add(rowHead{label: "Alle plaatsingen", csv: []string{"totaal", "", ""}, total: true}, []cell{countCell(ap[totalKey])})
		for s, st := range stages {
			for ci, c := range st.Cats {
				g.add(rowHead{label: c.Label + " (stap " + st.Title + ")", csv: []string{"stap", c.Label, ""}, route: &routeRef{stage: s, from: ci, to: -1}},
					[]cell{countCell(ap[nodeKey(s, c.ID)])})
			}
		}
		for s := 0; s+1 < len(stages); s++ {
			for xi, x := range stages[s].Cats {
				for yi, y := range stages[s+1].Cats {
					g.add(rowHead{label: x.Label + " → " + y.Label, csv: []string{"stroom", x.Label, y.Label}, route: &routeRef{stage: s, from: xi, to: yi}},
						[]cell{countCell(ap[linkKey(s, x.ID, y.ID)])})
				}
			}
		}
		chart := sankeyChart{stages: stages}
		_, left, err := chart.draw(g)
		if err != nil {
			return section{}, err
		}
		note := fmt.Sprintf("Stromen van minder dan %d plaatsingen (in de tabel ‘<%d’) en stromen die ter bescherming van kleine aantallen niet worden getoond (‘–’) zijn niet getekend.", d.policy.Threshold, d.policy.Threshold)
		if len(left) > 0 {
			note += " Daardoor ontbreken in de grafiek de stappen " + strings.Join(left, ", ") + "; hun aantallen staan in de tabel."
		}
		if err := sec.addFigure(figureSpec{
			id: "klantroutes-" + a.Key, title: "Klantroutes " + name,
			caption: "Elke kolom is een stap; de breedte van een stroom is het aantal plaatsingen dat van de ene naar de volgende stap ging, afgerond op 5. Tussen haakjes het aantal plaatsingen van de stap.",
			alt:     "Sankeydiagram van de klantroutes van " + name + ".",
			note:    note,
			noChart: fmt.Sprintf("Geen enkele stroom van %s heeft %d of meer plaatsingen die getoond mogen worden: de klantroutes staan alleen in de tabel.", name, d.policy.Threshold),
			grid:    g, chart: chart,
		}); err != nil {
			return section{}, err
		}
	}
	return sec, nil
}

// signalTime is the section of the time from first signal to placement:
// placements per group of days, for all and every region, from a tally
// whose totals are the published placements, with the published median.
func signalTime(d *monthData, rs []route) (section, error) {
	st := signalTally(d.pub.Tree.Areas, rs)
	pub := st.publish(d.policy, placementCounts(d.pub))
	g := &grid{threshold: d.policy.Threshold, caption: "Plaatsingen naar tijd van eerste signaal tot plaatsing", rowTitle: "Tijd van eerste signaal tot plaatsing",
		fixed: []fixedCol{d.fixedMonth()}, rowCSV: []string{"categorie"}, seriesCSV: areaCSV(),
		measures: []measure{{"Plaatsingen", "plaatsingen"}, {"Mediaan (dagen)", "mediaan_dagen"}}}
	for i, a := range st.areas {
		g.series = append(g.series, areaSeries(d.cfg, a, i))
	}
	for _, b := range signalBins() {
		var row [][]cell
		for _, a := range st.areas {
			row = append(row, []cell{countCell(pub[a][b.ID]), {}})
		}
		g.add(rowHead{label: b.Label, csv: []string{b.Label}}, row...)
	}
	var row [][]cell
	for _, a := range st.areas {
		row = append(row, []cell{countCell(pub[a][totalKey]), figureCell(d.h.figure(kpi.MedianSignalDays, a, d.m))})
	}
	g.add(rowHead{label: "Alle plaatsingen", csv: []string{"totaal"}, total: true}, row...)

	// Say in words what the chart cannot draw: the withheld groups, and
	// the medians.
	var missing, medians []string
	for r, rh := range g.rows {
		var which []string
		for s, sh := range g.series {
			if c := g.at(r, s, 0); c.value == nil && !rh.total {
				which = append(which, sh.name+" "+c.display(g.threshold))
			}
			if c := g.at(r, s, 1); rh.total && c.value != nil {
				medians = append(medians, sh.name+" "+c.display(g.threshold)+" dagen")
			}
		}
		if len(which) > 0 {
			missing = append(missing, rh.label+" ("+strings.Join(which, ", ")+")")
		}
	}
	note := ""
	if len(medians) > 0 {
		note = "Mediane tijd van eerste signaal tot plaatsing, afgerond op hele weken: " + strings.Join(medians, ", ") + ". "
	}
	if len(missing) > 0 {
		note += "Niet getekend: " + strings.Join(missing, "; ") + ". "
	}
	var bars []barRef
	for s := range g.series {
		bars = append(bars, barRef{series: s})
	}
	sec := section{ID: "signaaltijd", Title: "Tijd van eerste signaal tot plaatsing"}
	err := sec.addFigure(figureSpec{
		id: "signaaltijd", title: "Plaatsingen naar tijd van eerste signaal tot plaatsing",
		caption: "Het aantal plaatsingen in het venster naar het aantal dagen tussen het eerste signaal van de jongere en de startdatum. Een signaal is een JGZ-contact met een signaal anders dan ‘geen’, een verzuimmelding of een aanmelding bij de toegang, in de 730 dagen tot en met de startdatum. De mediaan in de tabel is die over de plaatsingen met een signaal, afgerond op hele weken. " + unitNote,
		alt:     "Staafdiagram van het aantal plaatsingen per duur van eerste signaal tot plaatsing, per gebied.",
		note:    note + fmt.Sprintf("Aantallen afgerond op 5; minder dan %d als ‘<%d’; ‘–’ is niet getoond ter bescherming van kleine aantallen.", d.policy.Threshold, d.policy.Threshold),
		grid:    g, chart: groupedBars{bars: bars},
	})
	return sec, err
}
