package kpi

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/zothuis/zothuis/config"
)

// WriteJSON writes the output as one JSON object (SPEC §5).
func WriteJSON(w io.Writer, o Output) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if o.Rows == nil {
		o.Rows = []OutputRow{}
	}
	return enc.Encode(o)
}

// WriteCSV writes the output as CSV the way Dutch Excel opens it without
// an import dialog: UTF-8 with a byte-order mark, ';' between fields,
// decimal commas and CRLF line ends. Empty cells are withheld or not
// applicable; the suppressed column says which. Cells pass CSVCell.
func WriteCSV(w io.Writer, o Output) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = ';', true
	cw.Write([]string{"maand", "kpi", "omschrijving", "area_type", "area", "numerator", "denominator", "value", "target", "suppressed"})
	for _, f := range o.Rows {
		k, _ := Lookup(f.KPI)
		cw.Write(CSVRecord([]string{o.Month, string(f.KPI), k.Label, string(f.AreaType), f.Area, intCell(f.Numerator), intCell(f.Denominator), decimalComma(f.Value), decimalComma(f.Target), strconv.FormatBool(f.Suppressed)}))
	}
	cw.Flush()
	return cw.Error()
}

func intCell(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func decimalComma(p *float64) string {
	if p == nil {
		return ""
	}
	return strings.Replace(strconv.FormatFloat(*p, 'f', -1, 64), ".", ",", 1)
}

// WriteTable writes the output for a person at a terminal: Dutch labels,
// aligned columns, shares as percentages, withheld counts as "<10" (the
// threshold) and other withheld figures as "–".
func WriteTable(w io.Writer, o Output, cfg *config.Config, raw bool) error {
	names := map[string]string{AllKey: "Alle regio's", OutsideKey: "Buiten de regio's"}
	for _, r := range cfg.Regions {
		names[r.Key] = r.Name
	}
	fmt.Fprintf(w, "Zo Thuis Monitor: KPI's voor verslagmaand %s (plaatsingen gestart %s t/m %s)\n", o.Month, o.WindowStart, o.WindowEnd)
	if raw {
		fmt.Fprintln(w, "ONBEWERKTE CIJFERS zonder onthullingscontrole: niet publiceren.")
	} else {
		fmt.Fprintf(w, "Gepubliceerde cijfers: aantallen onder %d (ook 0) niet getoond, andere afgerond op 5; een percentage alleen waar teller, noemer en hun verschil elk %d of meer zijn, berekend uit de afgeronde aantallen ernaast; medianen in hele weken; ‘–’ is niet getoond zodat een klein aantal elders niet terug te rekenen is.\n", cfg.Disclosure.Threshold, cfg.Disclosure.Threshold)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Indicator\tGebied\tTeller\tNoemer\tWaarde\tDoel 2027\t")
	below := fmt.Sprintf("<%d", cfg.Disclosure.Threshold)
	var last ID
	for _, f := range nested(o.Rows, cfg) {
		k, _ := Lookup(f.KPI)
		label := k.Label
		if f.KPI == last {
			label = ""
		}
		last = f.KPI
		area := f.Area
		if n, ok := names[area]; ok {
			area = n
		}
		if f.AreaType == AreaGemeente {
			area = "  " + area
		}
		value := "–"
		switch {
		case f.Value == nil && f.reason == Small:
			value = below
		case f.Value == nil:
		case k.Kind == KindRatio:
			value = percent(*f.Value, raw)
		case k.Kind == KindMedian:
			value = strings.Replace(strconv.FormatFloat(*f.Value, 'f', -1, 64), ".", ",", 1)
		default:
			value = strconv.FormatFloat(*f.Value, 'f', 0, 64)
		}
		num, den := intCell(f.Numerator), intCell(f.Denominator)
		tgt := ""
		if f.Target != nil {
			tgt = percent(*f.Target, false)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", label, area, num, den, value, tgt)
	}
	return tw.Flush()
}

func percent(v float64, precise bool) string {
	digits := 0
	if precise {
		digits = 1
	}
	return strings.Replace(strconv.FormatFloat(v*100, 'f', digits, 64), ".", ",", 1) + "%"
}

// nested orders rows for reading: per KPI all, then each region followed
// by its municipalities, then municipalities outside every region.
func nested(rows []OutputRow, cfg *config.Config) []OutputRow {
	rank := map[Area]int{}
	for i, a := range AreaTree(cfg).Areas {
		rank[a] = i
	}
	out := append([]OutputRow(nil), rows...)
	key := func(f OutputRow) int {
		if r, ok := rank[Area{Type: f.AreaType, Key: f.Area}]; ok {
			return r
		}
		return 1 << 30 // outside (raw output) last
	}
	order := map[ID]int{}
	for i, k := range catalogue {
		order[k.ID] = i
	}
	slices.SortStableFunc(out, func(a, b OutputRow) int {
		if d := order[a.KPI] - order[b.KPI]; d != 0 {
			return d
		}
		return key(a) - key(b)
	})
	return out
}
