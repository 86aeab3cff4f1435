package dashboards

import (
	"fmt"
	"strconv"

	"github.com/zothuis/zothuis/kpi"
)

// sourceLabel is the Dutch name of a source.
func sourceLabel(source string) string {
	switch source {
	case "jgz":
		return "JGZ"
	case "verzuim":
		return "Verzuim (leerplicht/RMC)"
	case "toegang":
		return "Toegang (gemeenten)"
	case "jzplus":
		return "JeugdzorgPlus-aanbieders"
	}
	return source
}

// quarantineWhy says in Dutch why a share of rows in quarantine is
// withheld: Reason.Dutch speaks of placements, these are rows.
func quarantineWhy(r kpi.Reason, threshold int) string {
	t := strconv.Itoa(threshold)
	switch r {
	case kpi.SmallNumerator:
		return "niet getoond: minder dan " + t + " rijen in quarantaine"
	case kpi.SmallComplement:
		return "niet getoond: minder dan " + t + " rijen opgenomen"
	case kpi.Protected:
		return kpi.Protected.Dutch(threshold)
	}
	return "niet getoond: te weinig rijen geleverd"
}

// dataQuality is the section on the sources: the freshness of their
// deliveries and the rows kept in quarantine, the placements outside the
// regions, and how well placements link to the other sources.
func dataQuality(d *monthData, qs []quality) (section, error) {
	t := d.policy.Threshold
	sec := section{ID: "datakwaliteit", Title: "Datakwaliteit",
		Intro: fmt.Sprintf("Per bron de laatste levering (stand op %s), of die actueel is, en hoeveel rijen van alle leveringen zijn geleverd en hoeveel daarvan in quarantaine zijn gehouden omdat ze niet aan het gegevenscontract voldeden. Aantallen zijn afgerond op 5; minder dan %d als ‘<%d’.", dateLabel(d.now.In(amsterdam())), t, t)}

	sources := &grid{threshold: t, caption: "Datakwaliteit per bron", rowTitle: "Bron", rowCSV: []string{"bron"},
		measures: []measure{{"Laatste levering", "laatste_levering"}, {"Actualiteit", "actueel"},
			{"Aandeel in quarantaine", "aandeel_quarantaine"}, {"Rijen in quarantaine", "rijen_quarantaine"}, {"Rijen geleverd", "rijen_geleverd"}},
		series: []seriesHead{{name: "Bron"}}}
	for _, q := range qs {
		last := labelCell("nog geen levering", "")
		if q.LastDelivery.Valid {
			at := q.LastDelivery.Time.In(amsterdam())
			last = labelCell(dateLabel(at), at.Format("2006-01-02"))
		}
		fresh := cell{kind: kindText, text: "Actueel", class: "ontrack"}
		if q.Stale {
			fresh = cell{kind: kindText, text: fmt.Sprintf("Verouderd: langer dan %d dagen geen levering", int(q.StaleAfter.Hours()/24)), class: "behind"}
		}
		share := ratioCells(q.Quarantine)
		share[0].because = quarantineWhy(q.Quarantine.Reason, t)
		sources.add(rowHead{label: sourceLabel(q.Source), csv: []string{q.Source}}, append([]cell{last, fresh}, share...))
	}
	sec.addTable(sources, "kwaliteit.csv", "Download de datakwaliteit (CSV)")

	// Placements outside the regions count in no area; their number is
	// shown once, here.
	outside := &grid{threshold: t, caption: "Plaatsingen buiten de regio's", rowTitle: "Plaatsingen in het venster",
		fixed: []fixedCol{d.fixedMonth()}, rowCSV: []string{"omschrijving"},
		measures: []measure{{"Aantal", "plaatsingen_buiten_regios"}}, series: []seriesHead{{name: "Buiten de regio's"}}}
	outside.add(rowHead{label: "Plaatsingen buiten de regio's: van gemeenten die geen regio noemt", csv: []string{"plaatsingen van gemeenten die geen regio noemt"}},
		[]cell{countCell(d.pub.Outside)})
	sec.addTable(outside, "buiten-regios.csv", "Download het aantal plaatsingen buiten de regio's (CSV)")

	// The link rates per area.
	ids := []kpi.ID{kpi.LinkedToegang, kpi.LinkedSignalSources}
	link := &grid{threshold: t, caption: "Koppeling van plaatsingen met de andere bronnen", rowTitle: "Gebied",
		fixed: []fixedCol{d.fixedMonth()}, rowCSV: areaCSV(), seriesCSV: []string{"kpi"},
		measures: []measure{{"Waarde", "waarde"}, {"Teller", "teller"}, {"Noemer", "noemer"}},
		series: []seriesHead{{name: "Gekoppeld met toegang", csv: []string{string(ids[0])}},
			{name: "Gekoppeld met JGZ of verzuim", csv: []string{string(ids[1])}}}}
	for _, a := range summaryAreas(d.pub) {
		name := areaName(d.cfg, a)
		var row [][]cell
		for _, id := range ids {
			row = append(row, ratioCells(d.h.figure(id, a, d.m)))
		}
		link.add(rowHead{label: name, csv: []string{string(a.Type), a.Key, name}}, row...)
	}
	k1, _ := kpi.Lookup(ids[0])
	k2, _ := kpi.Lookup(ids[1])
	err := sec.addFigure(figureSpec{
		id: "koppeling", title: "Koppeling van plaatsingen met de andere bronnen",
		caption: k1.Caption + " " + k2.Caption + " Een lage koppeling betekent dat de KPI's de voorgeschiedenis van jongeren missen. " + unitNote,
		alt:     "Staafdiagram van het aandeel gekoppelde plaatsingen per gebied.",
		note:    "Een gebied zonder staaf is niet getoond ter bescherming van kleine aantallen; de tabel zegt waarom.",
		grid:    link, chart: groupedBars{bars: []barRef{{0, 0}, {1, 0}}, colours: []string{"#0072B2", "#009E73"}},
	})
	return sec, err
}
