package dashboards

import (
	"strings"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/kpi"
)

// trendKPIs are the KPIs with a trend chart and a comparison: the ratios
// with a 2027 target and the descriptive early signal.
func trendKPIs() []kpi.KPI {
	var ks []kpi.KPI
	for _, k := range kpi.Targeted() {
		if k.Kind == kpi.KindRatio {
			ks = append(ks, k)
		}
	}
	if k, ok := kpi.Lookup(kpi.EarlySignal); ok {
		ks = append(ks, k)
	}
	return ks
}

// monthRows are the rows of a trend: every report month of the history
// up to m and, with toTarget, the months after it up to the target
// month, so that glide paths show where an area must be by then.
func monthRows(d *monthData, toTarget bool) []time.Time {
	months := d.h.upTo(d.m)
	if !toTarget {
		return months
	}
	axis := append([]time.Time(nil), months...)
	targetMonth := config.Month(d.cfg.TargetMonth)
	for x := d.m.AddDate(0, 1, 0); !x.After(targetMonth) && len(axis) < len(months)+36; x = x.AddDate(0, 1, 0) {
		axis = append(axis, x)
	}
	return axis
}

func monthHead(m time.Time) rowHead {
	return rowHead{label: monthLabel(m), short: shortMonth(m), csv: []string{m.Format("2006-01")}}
}

// trendGrid starts a grid of report months (rows) × summary areas
// (series).
func trendGrid(d *monthData, caption string, fixed []fixedCol, measures []measure) *grid {
	g := &grid{threshold: d.policy.Threshold, caption: caption, rowTitle: "Maand", fixed: fixed,
		rowCSV: []string{"maand"}, seriesCSV: areaCSV(), measures: measures}
	for i, a := range summaryAreas(d.pub) {
		g.series = append(g.series, areaSeries(d.cfg, a, i))
	}
	return g
}

// trends is the section of a trend chart per KPI: per report month the
// published value of all and every region, with the 2027 target and each
// area's glide path from its first published value.
func trends(d *monthData) (section, error) {
	sec := section{ID: "trends", Title: "Ontwikkeling per doel", Intro: "Per maand de waarde over de 12 maanden tot en met die maand, met het doel voor 2027 (stippellijn) en per gebied de koerslijn (gestreept): de rechte lijn van de eerste maand naar het doel. " + unitNote}
	areas := summaryAreas(d.pub)
	for _, k := range trendKPIs() {
		target, hasTarget := kpi.Target(d.cfg, k.ID)
		fixed := []fixedCol{{csv: "kpi", cell: textCell(string(k.ID))}}
		measures := []measure{{"Waarde", "waarde"}, {"Teller", "teller"}, {"Noemer", "noemer"}}
		lines := []lineMeasure{{measure: 0}}
		var tp *float64
		if hasTarget {
			tp = &target
			fixed = append(fixed, fixedCol{csv: "doel_2027", cell: levelCell(target, kindShareLevel)})
			measures = append(measures, measure{"Koerslijn", "koerslijn"})
			lines = append(lines, lineMeasure{measure: 3, style: lineGlide, prefix: glidePrefix})
		}
		g := trendGrid(d, k.Label+" per maand", fixed, measures)
		for _, x := range monthRows(d, hasTarget) {
			var row [][]cell
			for _, a := range areas {
				cs := []cell{{}, {}, {}}
				if !x.After(d.m) {
					cs = ratioCells(d.h.figure(k.ID, a, x))
				}
				if hasTarget {
					cs = append(cs, optLevel(d.h.glide(d.cfg, k.ID, a, x, target), kindShareLevel))
				}
				row = append(row, cs)
			}
			g.add(monthHead(x), row...)
		}
		names := make([]string, len(g.series))
		for i, s := range g.series {
			names[i] = s.name
		}
		if err := sec.addFigure(figureSpec{
			id: "trend-" + string(k.ID), title: k.Label, caption: k.Caption,
			alt:   "Lijngrafiek: " + k.Label + " per maand voor " + strings.Join(names, ", ") + ".",
			note:  "Een maand zonder punt is niet getoond ter bescherming van kleine aantallen; de tabel zegt waarom.",
			grid:  g,
			chart: lineChart{lines: lines, target: tp},
		}); err != nil {
			return section{}, err
		}
	}
	return sec, nil
}
