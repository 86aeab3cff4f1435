// Package metrics computes the KPIs toward the 2027 targets (SPEC §4) into
// the KPI history, and turns a month of it into published figures under
// disclosure control (SPEC §2, §5). Prometheus exposition builds on it.
package kpi

// Kind says how a KPI's figure is formed and published.
type Kind int

const (
	// Ratio is numerator / denominator over the placements in the window.
	Ratio Kind = iota
	// Count is a number of placements or youths.
	Count
	// Median is a median number of days.
	Median
)

// KPI describes one KPI or count row.
type KPI struct {
	ID    string
	Label string // Dutch, for people
	Kind  Kind
	// Additive counts add up from municipalities to regions to all, so they
	// need complementary suppression.
	Additive bool
}

var kpis = []KPI{
	{ID: "spoed_share", Label: "Aandeel spoedmachtigingen", Kind: Ratio},
	{ID: "va_coverage", Label: "Gedeelde verklarende analyse vóór machtiging", Kind: Ratio},
	{ID: "va_timely", Label: "Gedeelde verklarende analyse ≥ 28 dagen vóór machtiging", Kind: Ratio},
	{ID: "ambulant_before", Label: "Ambulante hulp vooraf ingezet of overwogen", Kind: Ratio},
	{ID: "beraad_with_youth", Label: "Spoedberaad of zorgoverleg met de jongere", Kind: Ratio},
	{ID: "perspective_education", Label: "Perspectief op onderwijs", Kind: Ratio},
	{ID: "perspective_housing", Label: "Perspectief op wonen", Kind: Ratio},
	{ID: "early_signal", Label: "Vroeg signaal bij JGZ of verzuim", Kind: Ratio},
	{ID: "linked_toegang", Label: "Koppeling met toegang", Kind: Ratio},
	{ID: "linked_signal_sources", Label: "Koppeling met JGZ of verzuim", Kind: Ratio},
	{ID: "placements", Label: "Plaatsingen", Kind: Count, Additive: true},
	{ID: "youths", Label: "Jongeren", Kind: Count, Additive: true},
	{ID: "youths_replaced", Label: "Jongeren twee of meer keer geplaatst", Kind: Count, Additive: true},
	{ID: "median_stay_days", Label: "Mediane verblijfsduur (dagen)", Kind: Median},
	{ID: "median_signal_days", Label: "Mediane tijd van eerste signaal tot plaatsing (dagen)", Kind: Median},
}

// KPIs returns every KPI and count row in reporting order.
func KPIs() []KPI { return append([]KPI(nil), kpis...) }

// Lookup returns the KPI with the id.
func Lookup(id string) (KPI, bool) {
	for _, k := range kpis {
		if k.ID == id {
			return k, true
		}
	}
	return KPI{}, false
}
