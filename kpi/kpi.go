// Package kpi holds the KPIs toward the 2027 targets (SPEC §4): their
// catalogue, the monthly KPI history in the working database, and what a
// report month publishes under disclosure control (SPEC §2, §5). Every
// published output — `zothuis kpi`, the dashboard, the Prometheus series —
// renders from the one Published value that Publish decides.
package kpi

import (
	"fmt"
	"slices"
	"sort"

	"github.com/zothuis/zothuis/config"
)

// ID names a KPI or count row, as in kpi_history.kpi and the JSON output.
type ID string

// The KPIs and count rows of SPEC §4.
const (
	SpoedShare           ID = "spoed_share"
	VACoverage           ID = "va_coverage"
	VATimely             ID = "va_timely"
	AmbulantBefore       ID = "ambulant_before"
	BeraadWithYouth      ID = "beraad_with_youth"
	PerspectiveEducation ID = "perspective_education"
	PerspectiveHousing   ID = "perspective_housing"
	EarlySignal          ID = "early_signal"
	LinkedToegang        ID = "linked_toegang"
	LinkedSignalSources  ID = "linked_signal_sources"
	Placements           ID = "placements"
	Youths               ID = "youths"
	YouthsReplaced       ID = "youths_replaced"
	MedianStayDays       ID = "median_stay_days"
	MedianSignalDays     ID = "median_signal_days"
	Outflow              ID = "outflow"
	Occupancy            ID = "occupancy"
	MedianWaitDays       ID = "median_wait_days"
	Readmitted365        ID = "readmitted_365"
)

// Kind says how a KPI's figure is formed and published.
type Kind int

const (
	// KindRatio is numerator / denominator.
	KindRatio Kind = iota
	// KindCount is a number of placements or youths; counts add up from
	// municipalities to regions to all, so they get complementary
	// suppression.
	KindCount
	// KindMedian is a median number of days.
	KindMedian
)

// KPI is one entry of the catalogue.
type KPI struct {
	ID ID
	// Label is the Dutch name people read; Caption says in Dutch exactly
	// what it counts.
	Label, Caption string
	Kind           Kind
	// LowerIsBetter is true where the target is approached from above.
	LowerIsBetter bool
	// HasTarget says whether the KPI has a 2027 target (DefaultTarget,
	// unless configured otherwise); descriptive KPIs and counts have none.
	HasTarget     bool
	DefaultTarget float64
}

// catalogue is every KPI and count row in reporting order. It is never
// changed; Catalogue and Lookup hand out copies.
var catalogue = []KPI{
	{ID: SpoedShare, Kind: KindRatio, LowerIsBetter: true, HasTarget: true, DefaultTarget: 0,
		Label:   "Aandeel spoedmachtigingen",
		Caption: "Het aandeel van de plaatsingen in JeugdzorgPlus dat begon met een spoedmachtiging (machtiging = spoed). Lager is beter; het doel voor 2027 is 0%."},
	{ID: VACoverage, Kind: KindRatio, HasTarget: true, DefaultTarget: 1,
		Label:   "Gedeelde verklarende analyse vóór machtiging",
		Caption: "Het aandeel van de plaatsingen waarvan de jongere in de 365 dagen tot en met de machtigingsdatum een verklarende analyse had die met jongere en ouders is gedeeld (toegang: verklarende_analyse met gedeeld = ja)."},
	{ID: VATimely, Kind: KindRatio, HasTarget: true, DefaultTarget: 1,
		Label:   "Gedeelde verklarende analyse ≥ 28 dagen vóór machtiging",
		Caption: "Als ‘gedeelde verklarende analyse vóór machtiging’, maar de gedeelde verklarende analyse lag ten minste 28 dagen vóór de machtigingsdatum (en niet meer dan 365 dagen)."},
	{ID: AmbulantBefore, Kind: KindRatio, HasTarget: true, DefaultTarget: 1,
		Label:   "Ambulante hulp vooraf ingezet of overwogen",
		Caption: "Het aandeel van de plaatsingen waarvan de jongere in de 365 dagen tot en met de startdatum ambulante hulp kreeg of waarbij die is overwogen (toegang: ambulant_ingezet of ambulant_overwogen), of een beschikking had in productcategorie 31–34 of 54."},
	{ID: BeraadWithYouth, Kind: KindRatio, HasTarget: true, DefaultTarget: 1,
		Label:   "Spoedberaad of zorgoverleg met de jongere",
		Caption: "Het aandeel van de plaatsingen waarbij in de 90 dagen tot en met de startdatum een spoedberaad of zorgoverleg plaatsvond waar de jongere bij was (jongere_aanwezig = ja)."},
	{ID: PerspectiveEducation, Kind: KindRatio, HasTarget: true, DefaultTarget: 1,
		Label:   "Perspectief op onderwijs",
		Caption: "Het aandeel van de plaatsingen waarvoor de JeugdzorgPlus-aanbieder een perspectief op onderwijs vastlegde (perspectief_onderwijs = ja)."},
	{ID: PerspectiveHousing, Kind: KindRatio, HasTarget: true, DefaultTarget: 1,
		Label:   "Perspectief op wonen",
		Caption: "Het aandeel van de plaatsingen waarvoor de JeugdzorgPlus-aanbieder een perspectief op wonen vastlegde (perspectief_wonen = ja)."},
	{ID: EarlySignal, Kind: KindRatio,
		Label:   "Vroeg signaal bij JGZ of verzuim",
		Caption: "Het aandeel van de plaatsingen waarvan de jongere in de 730 dagen tot en met de startdatum een JGZ-signaal had (anders dan ‘geen’) of een verzuimmelding van de soort langdurig relatief, absoluut of thuiszitter. Beschrijvend: hiervoor is geen doel."},
	{ID: LinkedToegang, Kind: KindRatio,
		Label:   "Koppeling met toegang",
		Caption: "Het aandeel van de plaatsingen waarvan de jongere (op welk moment ook) in de gegevens van de toegang voorkomt."},
	{ID: LinkedSignalSources, Kind: KindRatio,
		Label:   "Koppeling met JGZ of verzuim",
		Caption: "Het aandeel van de plaatsingen waarvan de jongere (op welk moment ook) in de gegevens van de JGZ of van verzuim voorkomt."},
	{ID: Placements, Kind: KindCount,
		Label:   "Plaatsingen (instroom)",
		Caption: "Het aantal plaatsingen in JeugdzorgPlus met een startdatum in het venster: de instroom."},
	{ID: Youths, Kind: KindCount,
		Label:   "Jongeren",
		Caption: "Het aantal verschillende jongeren onder de plaatsingen in het venster."},
	{ID: YouthsReplaced, Kind: KindCount,
		Label:   "Jongeren twee of meer keer geplaatst",
		Caption: "Het aantal jongeren met twee of meer plaatsingen die in het venster begonnen."},
	{ID: MedianStayDays, Kind: KindMedian,
		Label:   "Mediane verblijfsduur (dagen)",
		Caption: "De mediaan van de verblijfsduur (einddatum min startdatum, in dagen) van de plaatsingen die in het venster eindigden, afgerond op hele weken."},
	{ID: MedianSignalDays, Kind: KindMedian,
		Label:   "Mediane tijd van eerste signaal tot plaatsing (dagen)",
		Caption: "De mediaan van het aantal dagen van het eerste signaal (JGZ-signaal anders dan ‘geen’, een verzuimmelding of een aanmelding bij de toegang, in de 730 dagen vooraf) tot de startdatum, over de plaatsingen in het venster die zo’n signaal hadden, afgerond op hele weken."},
	{ID: Outflow, Kind: KindCount,
		Label:   "Uitstroom",
		Caption: "Het aantal plaatsingen met een einddatum in het venster: de uitstroom."},
	{ID: Occupancy, Kind: KindCount, LowerIsBetter: true,
		Label:   "Bezetting op de laatste dag van de maand",
		Caption: "Het aantal verschillende jongeren dat op de laatste dag van de verslagmaand in JeugdzorgPlus verbleef: gestart op of vóór die dag, en zonder einddatum of met een einddatum op of na die dag."},
	{ID: MedianWaitDays, Kind: KindMedian,
		Label:   "Mediane wachttijd van machtiging tot start (dagen)",
		Caption: "De mediaan van het aantal dagen van de machtigingsdatum tot de startdatum, over de plaatsingen in het venster, afgerond op hele weken."},
	{ID: Readmitted365, Kind: KindRatio,
		Label:   "Terugval: opnieuw geplaatst binnen een jaar",
		Caption: "Van de plaatsingen die eindigden in het venster van een jaar eerder: het aandeel waarna dezelfde jongere binnen 365 dagen na de einddatum opnieuw in JeugdzorgPlus werd geplaatst. Beschrijvend: hiervoor is geen doel."},
}

// Catalogue returns every KPI and count row in reporting order.
func Catalogue() []KPI { return slices.Clone(catalogue) }

// Lookup returns the KPI with the id.
func Lookup(id ID) (KPI, bool) {
	for _, k := range catalogue {
		if k.ID == id {
			return k, true
		}
	}
	return KPI{}, false
}

// Target is the 2027 target of a KPI: the configured one, else its
// default; ok is false for a KPI without a target.
func Target(cfg *config.Config, id ID) (float64, bool) {
	k, ok := Lookup(id)
	if !ok || !k.HasTarget {
		return 0, false
	}
	if v, ok := cfg.Targets[string(id)]; ok {
		return v, true
	}
	return k.DefaultTarget, true
}

// Targeted returns the KPIs with a 2027 target, in reporting order.
func Targeted() []KPI {
	var ks []KPI
	for _, k := range catalogue {
		if k.HasTarget {
			ks = append(ks, k)
		}
	}
	return ks
}

// CheckConfig checks what the configuration says of KPIs: targets only
// for KPIs that have one, and occupancy targets only for configured
// regions.
func CheckConfig(cfg *config.Config) error {
	var unknown, known []string
	for id := range cfg.Targets {
		if k, ok := Lookup(ID(id)); !ok || !k.HasTarget {
			unknown = append(unknown, id)
		}
	}
	for _, k := range Targeted() {
		known = append(known, string(k.ID))
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%w: targets for unknown KPIs %v (targets exist for %v)", config.ErrInvalid, unknown, known)
	}
	regions := map[string]bool{}
	for _, r := range cfg.Regions {
		regions[r.Key] = true
	}
	var stray []string
	for key := range cfg.OccupancyTargets {
		if !regions[key] {
			stray = append(stray, key)
		}
	}
	if len(stray) > 0 {
		sort.Strings(stray)
		return fmt.Errorf("%w: occupancy targets for regions that are not configured: %v", config.ErrInvalid, stray)
	}
	return nil
}

// AreaType is the level of an area in KPI output.
type AreaType string

// The area types of SPEC §4. AreaOutside is only in raw output: the
// placements of municipalities that no region lists.
const (
	AreaTotal    AreaType = "total"
	AreaRegion   AreaType = "region"
	AreaGemeente AreaType = "gemeente"
	AreaOutside  AreaType = "outside"
)

// Area keys of the total and of the placements outside the regions.
const (
	AllKey     = "all"
	OutsideKey = "outside"
)

// Area is one area of KPI output.
type Area struct {
	Type AreaType
	Key  string // all, a region key, a CBS municipality code, or outside
}

// All is all configured regions together.
func All() Area { return Area{Type: AreaTotal, Key: AllKey} }

// Outside is the placements of municipalities that no region lists.
func Outside() Area { return Area{Type: AreaOutside, Key: OutsideKey} }

// String is the area as type/key.
func (a Area) String() string { return string(a.Type) + "/" + a.Key }

// Tree is the published areas of every report month in reading order
// (all; each region followed by its municipalities) and the additive
// relations between them (the municipalities of a region add up to the
// region; the regions add up to all).
type Tree struct {
	Areas     []Area
	Relations []Relation
}

// Relation is one additive relation over indexes into Tree.Areas.
type Relation struct {
	Whole int
	Parts []int
}

// AreaTree is the tree of the configured regions: the same every month,
// whatever the counts (SPEC §2).
func AreaTree(cfg *config.Config) Tree {
	t := Tree{Areas: []Area{All()}}
	all := Relation{Whole: 0}
	for _, r := range cfg.Regions {
		ri := len(t.Areas)
		t.Areas = append(t.Areas, Area{Type: AreaRegion, Key: r.Key})
		all.Parts = append(all.Parts, ri)
		rel := Relation{Whole: ri}
		for _, g := range r.Gemeenten {
			rel.Parts = append(rel.Parts, len(t.Areas))
			t.Areas = append(t.Areas, Area{Type: AreaGemeente, Key: g})
		}
		t.Relations = append(t.Relations, rel)
	}
	t.Relations = append([]Relation{all}, t.Relations...)
	return t
}
