package synth

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/zothuis/zothuis/pseudonymize"
)

// Regions of the model; a municipality outside both counts as regionNone.
const (
	regionGroningen = iota
	regionDrenthe
	regionNone
)

// municipality weights are rough shares of youths, after CBS population
// figures; Leeuwarden stands for youths whose municipality no default
// region lists.
var municipalities = []struct {
	code   string
	region int
	weight int
}{
	{"GM0014", regionGroningen, 238}, {"GM1966", regionGroningen, 48}, {"GM1969", regionGroningen, 65},
	{"GM1952", regionGroningen, 61}, {"GM1979", regionGroningen, 45}, {"GM1895", regionGroningen, 38},
	{"GM0765", regionGroningen, 12}, {"GM0037", regionGroningen, 32}, {"GM0047", regionGroningen, 28},
	{"GM1950", regionGroningen, 26},
	{"GM1680", regionDrenthe, 25}, {"GM0106", regionDrenthe, 69}, {"GM1681", regionDrenthe, 25},
	{"GM0109", regionDrenthe, 35}, {"GM1690", regionDrenthe, 24}, {"GM0114", regionDrenthe, 108},
	{"GM0118", regionDrenthe, 56}, {"GM0119", regionDrenthe, 35}, {"GM1731", regionDrenthe, 33},
	{"GM1699", regionDrenthe, 32}, {"GM1730", regionDrenthe, 35}, {"GM1701", regionDrenthe, 20},
	{"GM0080", regionNone, 6},
}

// Model rates. The trends run over calendar time, 2024-01 to 2026-10,
// whatever period is generated.
const (
	placementRate   = 0.027 // placement draws per youth per year; about a third land at ages 12–17
	replacedShare   = 0.14  // placed youths placed again after the first placement ends
	correctedShare  = 0.05  // placements whose first delivery is wrong
	linkedShare     = 0.92  // placements whose youth is known to toegang beforehand
	earlySignal     = 0.45  // placements with a JGZ or verzuim signal in the two years before
	toegangRate     = 0.04  // access-route episodes per youth per year
	verzuimRate     = 0.04  // absence reports per school-age youth per year
	rowFaultRate    = 0.003 // delivered rows with a contract fault
	badBSNRate      = 0.0005
	maxYouths       = 5_000_000
	regionSpoedStep = 0.04 // Groningen above, Drenthe below the trend
	afbouwShare     = 0.35 // placements the trend prevents by 2026-10
	shorterStays    = 100  // days the trend takes off the longest stays
)

var (
	trendStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	trendEnd   = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
)

// trend is 0 before 2024, rising linearly to 1 at the end of October 2026.
func trend(t time.Time) float64 {
	f := float64(t.Sub(trendStart)) / float64(trendEnd.Sub(trendStart))
	return min(max(f, 0), 1)
}

type jgzRow struct {
	date    time.Time
	signaal string
}

type verzuimRow struct {
	melding, start, end time.Time // end zero while ongoing
	soort               string
}

type toegangRow struct {
	date                       time.Time
	event, present, shared, pc string
}

type placement struct {
	id, provider, gemeente, machtiging string
	mdate, start, end                  time.Time // end zero while placed
	reason, education, housing         string
	wrongFirst                         bool // first delivery has a wrong machtiging
}

type youth struct {
	bsn, sex, gemeente, postcode string
	birth                        time.Time
	jgz                          []jgzRow
	verzuim                      []verzuimRow
	toegang                      []toegangRow
	placements                   []placement
	r                            *rand.Rand // the youth's own stream, also for delivery faults
}

type model struct {
	seed      uint64
	rates     rates
	from, to  time.Time // first days of the first and last month
	last      time.Time // last day of the last month
	years     float64
	cumWeight []int
	postcodes map[string][]pseudonymize.PostcodeRange
}

// rates are the per-youth event rates that Options.National changes.
type rates struct {
	jgzFactor   float64 // JGZ contacts come this many times as often
	verzuimRate float64 // absence reports per school-age youth per year
	toegangRate float64 // access-route episodes per youth per year
}

// regionalRates are the rates of the default output; nationalRates give
// every source the share of rows it has nationally (see Options.National).
var (
	regionalRates = rates{jgzFactor: 1, verzuimRate: verzuimRate, toegangRate: toegangRate}
	nationalRates = rates{jgzFactor: 1.4, verzuimRate: 4 * verzuimRate, toegangRate: 2.5 * toegangRate}
)

func newModel(seed uint64, from, to time.Time, r rates) *model {
	m := &model{seed: seed, rates: r, from: from, to: to, last: to.AddDate(0, 1, -1), postcodes: map[string][]pseudonymize.PostcodeRange{}}
	m.years = m.last.Sub(from).Hours() / 24 / 365.25
	total := 0
	for _, g := range municipalities {
		total += g.weight
		m.cumWeight = append(m.cumWeight, total)
	}
	for _, pr := range pseudonymize.DefaultPostcodeTable().Ranges() {
		m.postcodes[pr.Gemeente] = append(m.postcodes[pr.Gemeente], pr)
	}
	return m
}

func (m *model) youth(i int) *youth {
	r := rand.New(rand.NewPCG(m.seed, uint64(i)))
	y := &youth{bsn: bsn(m.seed, i), r: r}
	g := municipalities[sort.SearchInts(m.cumWeight, r.IntN(m.cumWeight[len(m.cumWeight)-1])+1)]
	y.gemeente = g.code
	y.postcode = m.postcode(r, g.code)
	y.sex = pick(r, []string{"V", "M", "X"}, []float64{0.49, 0.49, 0.02})
	// Ages 0–18 at some point of the period.
	oldest := m.from.AddDate(-18, 0, 0)
	y.birth = randDate(r, oldest, m.last.AddDate(0, -3, 0))

	m.jgzContacts(y)
	m.schoolAbsence(y)
	m.accessEpisodes(y)
	if r.Float64() < placementRate*m.years {
		start := randDate(r, m.from, m.last)
		// The afbouw: as ambulant alternatives grow, fewer youths are
		// placed, so occupancy falls where the spoed share does.
		if r.Float64() >= afbouwShare*trend(start) {
			m.place(y, start, g.region, i*3)
		}
	}
	return y
}

// postcode draws a postcode in the municipality, weighted by range width.
func (m *model) postcode(r *rand.Rand, gm string) string {
	ranges := m.postcodes[gm]
	width := 0
	for _, pr := range ranges {
		width += pr.To - pr.From + 1
	}
	n := r.IntN(width)
	pc4 := ranges[0].From
	for _, pr := range ranges {
		if w := pr.To - pr.From + 1; n < w {
			pc4 = pr.From + n
			break
		} else {
			n -= w
		}
	}
	letters := "ABCDEGHJKLMNPRTVWXZ"
	return fmtPostcode(pc4, letters[r.IntN(len(letters))], letters[r.IntN(len(letters))])
}

func fmtPostcode(pc4 int, a, b byte) string {
	return string([]byte{byte('0' + pc4/1000), byte('0' + pc4/100%10), byte('0' + pc4/10%10), byte('0' + pc4%10), ' ', a, b})
}

// jgzContacts gives a youth the health-care contacts of its ages: often in
// the first years, then every year or two, until 18.
func (m *model) jgzContacts(y *youth) {
	r := y.r
	t := maxTime(m.from, y.birth)
	end := minTime(m.last, y.birth.AddDate(18, 0, 0))
	for {
		mean := 540.0
		switch age := t.Sub(y.birth).Hours() / 24 / 365.25; {
		case age < 1:
			mean = 60
		case age < 4:
			mean = 180
		}
		t = t.AddDate(0, 0, 1+int(r.ExpFloat64()*mean/m.rates.jgzFactor))
		if t.After(end) {
			return
		}
		sig := "geen"
		if r.Float64() < 0.05 {
			sig = pick(r, []string{"sdq_verhoogd", "zorg_thuissituatie", "melding_veilig_thuis", "verwijzing_toegang"}, []float64{0.35, 0.3, 0.1, 0.25})
		}
		y.addJGZ(t, sig)
	}
}

func (m *model) schoolAbsence(y *youth) {
	r := y.r
	t := maxTime(m.from, y.birth.AddDate(5, 0, 0))
	end := minTime(m.last, y.birth.AddDate(18, 0, 0))
	for {
		t = t.AddDate(0, 0, 1+int(r.ExpFloat64()*365/m.rates.verzuimRate))
		if t.After(end) {
			return
		}
		soort := pick(r, []string{"relatief", "langdurig_relatief", "luxe", "absoluut", "thuiszitter"}, []float64{0.5, 0.2, 0.15, 0.05, 0.1})
		m.addAbsence(y, t, soort)
	}
}

func (m *model) addAbsence(y *youth, melding time.Time, soort string) {
	r := y.r
	start := melding.AddDate(0, 0, -r.IntN(31))
	end := start.AddDate(0, 0, 10+r.IntN(190))
	if end.After(m.last) {
		end = time.Time{}
	}
	for _, v := range y.verzuim {
		if v.melding.Equal(melding) && v.soort == soort {
			return
		}
	}
	y.verzuim = append(y.verzuim, verzuimRow{melding: melding, start: start, end: end, soort: soort})
}

// accessEpisodes gives some youths contact with the municipal access route
// without a JZ+ placement.
func (m *model) accessEpisodes(y *youth) {
	r := y.r
	t := maxTime(m.from, y.birth)
	end := minTime(m.last, y.birth.AddDate(18, 0, 0))
	for {
		t = t.AddDate(0, 0, 1+int(r.ExpFloat64()*365/m.rates.toegangRate))
		if t.After(end) {
			return
		}
		y.addToegang(t, "aanmelding", "", "", "")
		if r.Float64() < 0.5 {
			y.addToegang(t.AddDate(0, 0, r.IntN(21)), "servicepunt_consult", "", "", "")
		}
		if r.Float64() < 0.4 {
			y.addToegang(t.AddDate(0, 0, 10+r.IntN(50)), "zorgoverleg", yesNo(r, 0.5), "", "")
		}
		if r.Float64() < 0.4 {
			y.addToegang(t.AddDate(0, 0, 20+r.IntN(70)), "ambulant_ingezet", "", "", "")
		}
		if r.Float64() < 0.5 {
			y.addToegang(t.AddDate(0, 0, 20+r.IntN(70)), "beschikking", "", "", pick(r, allCategories, nil))
		}
	}
}

var (
	allCategories      = []string{"31", "32", "33", "34", "35", "36", "37", "38", "43", "44", "45", "46", "47", "48", "54", "55"}
	ambulantCategories = []string{"31", "32", "33", "34", "54"}
	otherCategories    = []string{"35", "36", "37", "38", "43", "44", "45", "46", "47", "48", "55"}
	providers          = [3][]string{{"ELKER", "PORTJE"}, {"ELKER", "INTERM"}, {"ELKER", "PORTJE", "INTERM"}}
)

// place adds a JZ+ placement starting at start for a youth of 12 to 17,
// with the access-route history and signals before it, and sometimes a
// second placement after it ends.
func (m *model) place(y *youth, start time.Time, region, idBase int) {
	r := y.r
	for k := 0; k < 2; k++ {
		age := start.Sub(y.birth).Hours() / 24 / 365.25
		if age < 12 || age >= 18 || start.After(m.last) {
			return
		}
		f := trend(start)
		spoed := 0.74 - 0.29*f
		switch region {
		case regionGroningen:
			spoed += regionSpoedStep
		case regionDrenthe:
			spoed -= regionSpoedStep
		}
		p := placement{
			id:       "PL" + strconv.Itoa(1_000_000+idBase+k),
			provider: pick(r, providers[region], nil),
			gemeente: y.gemeente,
			start:    start,
		}
		switch {
		case r.Float64() < spoed:
			p.machtiging, p.mdate = "spoed", start.AddDate(0, 0, -r.IntN(3))
		case r.Float64() < 0.85:
			p.machtiging, p.mdate = "regulier", start.AddDate(0, 0, -7-r.IntN(54))
		default:
			p.machtiging, p.mdate = "voorwaardelijk", start.AddDate(0, 0, -30-r.IntN(121))
		}
		if end := start.AddDate(0, 0, 40+r.IntN(260-int(shorterStays*f))); !end.After(m.last) {
			p.end = end
			p.reason = pick(r, []string{"01", "02", "03", "04", "05"}, []float64{0.45, 0.25, 0.15, 0.1, 0.05})
		}
		p.education = pick(r, []string{"ja", "nee", "onbekend"}, []float64{0.40 + 0.30*f, 0.45 - 0.22*f, 0.15 - 0.08*f})
		p.housing = pick(r, []string{"ja", "nee", "onbekend"}, []float64{0.35 + 0.35*f, 0.50 - 0.27*f, 0.15 - 0.08*f})
		p.wrongFirst = r.Float64() < correctedShare
		y.placements = append(y.placements, p)
		m.history(y, p, f, k == 0)

		if p.end.IsZero() || r.Float64() >= replacedShare {
			return
		}
		start = p.end.AddDate(0, 0, 30+r.IntN(211))
	}
}

// history adds what came before a placement: the access route (with the
// trends toward the 2027 targets) and early signals.
func (m *model) history(y *youth, p placement, f float64, first bool) {
	r := y.r
	if r.Float64() < linkedShare {
		if first || r.Float64() < 0.5 {
			y.addToegang(p.start.AddDate(0, 0, -20-r.IntN(381)), "aanmelding", "", "", "")
		}
		if r.Float64() < 0.06+0.44*f {
			d := p.mdate.AddDate(0, 0, -28-r.IntN(303))
			if r.Float64() < 0.25 {
				d = p.mdate.AddDate(0, 0, -r.IntN(28))
			}
			y.addToegang(d, "verklarende_analyse", "", yesNo(r, 0.85), "")
		}
		if r.Float64() < 0.06 {
			y.addToegang(p.mdate.AddDate(0, 0, 1+r.IntN(60)), "verklarende_analyse", "", "ja", "")
		}
		if r.Float64() < 0.35+0.35*f {
			d := p.start.AddDate(0, 0, -r.IntN(366))
			if r.Float64() < 0.08 {
				d = p.start.AddDate(0, 0, -366-r.IntN(90)) // just too early to count
			}
			switch x := r.Float64(); {
			case x < 0.5:
				y.addToegang(d, "ambulant_ingezet", "", "", "")
			case x < 0.75:
				y.addToegang(d, "ambulant_overwogen", "", "", "")
			default:
				y.addToegang(d, "beschikking", "", "", pick(r, ambulantCategories, nil))
			}
		}
		event := "zorgoverleg"
		if p.machtiging == "spoed" {
			event = "spoedberaad"
		}
		if r.Float64() < 0.30+0.35*f {
			y.addToegang(p.start.AddDate(0, 0, -r.IntN(91)), event, "ja", "", "")
		} else if r.Float64() < 0.5 {
			y.addToegang(p.start.AddDate(0, 0, -r.IntN(91)), event, "nee", "", "")
		}
		if r.Float64() < 0.7 {
			y.addToegang(p.mdate, "beschikking", "", "", pick(r, otherCategories, nil))
		}
	}
	if r.Float64() < earlySignal {
		d := p.start.AddDate(0, 0, -30-r.IntN(691))
		if r.Float64() < 0.5 {
			y.addJGZ(d, pick(r, []string{"sdq_verhoogd", "zorg_thuissituatie", "melding_veilig_thuis", "verwijzing_toegang"}, nil))
		} else {
			m.addAbsence(y, d, pick(r, []string{"langdurig_relatief", "absoluut", "thuiszitter"}, nil))
		}
	}
}

func (y *youth) addJGZ(d time.Time, sig string) {
	for _, j := range y.jgz {
		if j.date.Equal(d) && j.signaal == sig {
			return
		}
	}
	y.jgz = append(y.jgz, jgzRow{date: d, signaal: sig})
}

func (y *youth) addToegang(d time.Time, event, present, shared, pc string) {
	for _, t := range y.toegang {
		if t.date.Equal(d) && t.event == event {
			return
		}
	}
	y.toegang = append(y.toegang, toegangRow{date: d, event: event, present: present, shared: shared, pc: pc})
}

// pick draws one of values with the given weights (equal when nil).
func pick(r *rand.Rand, values []string, weights []float64) string {
	if weights == nil {
		return values[r.IntN(len(values))]
	}
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return values[i]
		}
		x -= w
	}
	return values[len(values)-1]
}

func yesNo(r *rand.Rand, pYes float64) string {
	if r.Float64() < pYes {
		return "ja"
	}
	return "nee"
}

// randDate draws a day in [a, b].
func randDate(r *rand.Rand, a, b time.Time) time.Time {
	days := int(b.Sub(a).Hours() / 24)
	if days <= 0 {
		return a
	}
	return a.AddDate(0, 0, r.IntN(days+1))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
