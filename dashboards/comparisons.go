package dashboards

import (
	"strings"

	"github.com/zothuis/zothuis/kpi"
)

// comparisons is the section of a comparison per KPI: the published
// value of all, every region and every municipality the regions list,
// every month the same areas, whatever their counts (SPEC §2).
func comparisons(d *monthData) (section, error) {
	sec := section{ID: "vergelijking", Title: "Regio's en gemeenten vergeleken",
		Intro: "De waarde per gebied in het venster van deze maand, met de teller en de noemer (plaatsingen) waaruit het percentage is berekend. Elke maand staan alle regio's en al hun gemeenten erin; waar een cijfer niet getoond wordt, zegt de tabel waarom. " + unitNote}
	for _, k := range trendKPIs() {
		target, hasTarget := kpi.Target(d.cfg, k.ID)
		fixed := []fixedCol{d.fixedMonth(), {csv: "kpi", cell: textCell(string(k.ID))}}
		var tp *float64
		if hasTarget {
			tp = &target
			fixed = append(fixed, fixedCol{csv: "doel_2027", cell: levelCell(target, kindShareLevel)})
		}
		g := &grid{threshold: d.policy.Threshold, caption: k.Label + " per gebied", rowTitle: "Gebied", fixed: fixed,
			rowCSV: areaCSV(), measures: []measure{{"Waarde", "waarde"}, {"Teller", "teller"}, {"Noemer (plaatsingen)", "noemer"}},
			series: []seriesHead{{name: k.Label}}}
		region := 0
		var left []string
		for _, a := range d.pub.Tree.Areas {
			name := areaName(d.cfg, a)
			rh := rowHead{label: name, csv: []string{string(a.Type), a.Key, name}}
			switch a.Type {
			case kpi.AreaTotal:
				rh.colour = areaColour(0)
			case kpi.AreaRegion:
				region++
				rh.colour = areaColour(region)
			default:
				rh.colour, rh.sub = gemeenteColour, true
			}
			f := d.h.figure(k.ID, a, d.m)
			if f.Value == nil && rh.sub {
				left = append(left, name)
			}
			g.add(rh, ratioCells(f))
		}
		note := ""
		if len(left) > 0 {
			// A long column of empty bars would hide the areas that have a
			// figure; the table has every municipality.
			note = "Niet in de grafiek, want hun cijfer wordt niet getoond (de tabel zegt waarom): " + strings.Join(left, ", ") + "."
		}
		if err := sec.addFigure(figureSpec{
			id: "vergelijking-" + string(k.ID), title: k.Label, caption: k.Caption,
			alt:  "Staafdiagram: " + k.Label + " per regio en gemeente.",
			note: note, grid: g, chart: rowBars{measure: 0, target: tp},
		}); err != nil {
			return section{}, err
		}
	}
	return sec, nil
}
