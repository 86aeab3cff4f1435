// Package synth writes synthetic raw exports of the four sources, as they
// sit at the source before pseudonymisation: 9-digit BSNs that pass the
// elfproef, full birth dates and postcodes.
//
// The data is made to look like the north of the Netherlands: youths spread
// over the municipalities of the Groningen and Drenthe regions (and a few in
// Leeuwarden, which no default region lists), 60–120 JZ+ placements a year
// per region at the default scale, a spoedmachtiging share near 0.70 in 2024
// falling toward 0.45 by late 2026, shared explanatory analyses that become
// more common, youths placed twice, open placements, corrections in later
// deliveries, early signals in JGZ and verzuim, and a sprinkle of faults for
// the quarantine.
//
// Every youth has its own random stream derived from the seed and the youth's
// number, and rows are written as they are made, so the output is the same
// for a seed and memory stays flat at any number of youths.
package synth

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Options say what to generate.
type Options struct {
	Youths   int       // youths known to JGZ
	Seed     uint64    // the same seed and options give the same files
	From, To time.Time // first and last month, inclusive (any day in the month)
	// National gives every source its national share of rows, for
	// benchmarks at national scale (about ten source rows per youth):
	// JGZ contacts 1.4 times, absence reports 4 times and access-route
	// episodes 2.5 times as often as in the northern regions' default;
	// placements as they are. False leaves the output as it always was.
	National bool
	// IJWGemeente, when set (a CBS code such as GM0106), delivers that
	// municipality's beschikkingen as iJw 3.2 JW301 messages, as its
	// system exports them: a zip of messages beside each toegang quarter
	// file, which then holds the municipality's other events only. Rows
	// the fault injector broke stay in the CSV.
	IJWGemeente string
}

// Summary says what Generate wrote.
type Summary struct {
	// Files holds each source's raw export files in delivery order.
	Files map[string][]string
	// Rows counts data rows written per source, repeats in overlapping
	// deliveries included.
	Rows map[string]int
	// Youths is the number of youths; Placements the number of distinct JZ+
	// placements.
	Youths, Placements int
}

// Raw headers as the sources export them, before pseudonymisation.
var rawHeaders = map[string][]string{
	"jgz":     {"bsn", "geboortedatum", "geslacht", "postcode", "contactdatum", "signaal"},
	"verzuim": {"bsn", "geboortedatum", "postcode", "meldingsdatum", "verzuimsoort", "startdatum", "einddatum"},
	"toegang": {"bsn", "gemeente", "datum", "gebeurtenis", "jongere_aanwezig", "gedeeld", "productcategorie"},
	"jzplus":  {"plaatsing_id", "aanbieder", "bsn", "gemeente", "machtiging", "machtigingsdatum", "startdatum", "einddatum", "reden_einde", "perspectief_onderwijs", "perspectief_wonen"},
}

// ErrOptions reports options Generate cannot work with.
var ErrOptions = errors.New("synth: bad options")

// Generate writes raw exports to dir/<source>/: jgz, verzuim and toegang
// deliver a file per quarter that repeats the last month of the quarter
// before (overlap, as real incremental exports do); jzplus delivers a file
// per month holding every placement that started or was open that month.
// Files get mode 0600: they hold BSNs.
func Generate(ctx context.Context, dir string, opt Options) (Summary, error) {
	if opt.Youths < 1 {
		return Summary{}, fmt.Errorf("%w: youths must be at least 1", ErrOptions)
	}
	from := monthStart(opt.From)
	to := monthStart(opt.To)
	if to.Before(from) {
		return Summary{}, fmt.Errorf("%w: to %s is before from %s", ErrOptions, to.Format("2006-01"), from.Format("2006-01"))
	}
	w, err := newWriters(dir, from, to)
	if err != nil {
		return Summary{}, err
	}
	defer w.abort()
	if opt.IJWGemeente != "" {
		w.ijwGemeente = opt.IJWGemeente
		if err := w.openIJW(dir); err != nil {
			return Summary{}, err
		}
	}

	r := regionalRates
	if opt.National {
		r = nationalRates
	}
	m := newModel(opt.Seed, from, to, r)
	sum := Summary{Youths: opt.Youths}
	for i := 0; i < opt.Youths; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return Summary{}, err
			}
		}
		y := m.youth(i)
		sum.Placements += len(y.placements)
		if err := w.write(y); err != nil {
			return Summary{}, err
		}
	}
	if err := w.close(); err != nil {
		return Summary{}, err
	}
	sum.Files, sum.Rows = w.files(), w.rows
	return sum, nil
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// outFile is one delivery file being written.
type outFile struct {
	path  string
	start time.Time // first day of the period it delivers
	end   time.Time // last day of that period
	f     *os.File
	bw    *bufio.Writer
	cw    *csv.Writer
}

// writers holds every delivery file open at once: a few per quarter, so a
// few hundred at most, each with a modest buffer.
type writers struct {
	from, to    time.Time  // first and last month
	ijwGemeente string     // the municipality that delivers iJw messages, or ""
	ijw         []*ijwFile // its zips, one per toegang quarter, while open
	ijwPaths    []string   // their paths
	quarters    map[string][]*outFile
	months      []*outFile
	rows        map[string]int
	all         []*outFile
}

func newWriters(dir string, from, to time.Time) (*writers, error) {
	w := &writers{from: from, to: to, quarters: map[string][]*outFile{}, rows: map[string]int{}}
	open := func(src, name string, start, end time.Time) (*outFile, error) {
		d := filepath.Join(dir, src)
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		p := filepath.Join(d, name)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		o := &outFile{path: p, start: start, end: end, f: f, bw: bufio.NewWriterSize(f, 32<<10)}
		o.cw = csv.NewWriter(o.bw)
		w.all = append(w.all, o)
		if err := o.cw.Write(rawHeaders[src]); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		return o, nil
	}
	last := to.AddDate(0, 1, -1)
	for _, src := range []string{"jgz", "verzuim", "toegang"} {
		for q := quarterStart(from); !q.After(to); q = q.AddDate(0, 3, 0) {
			name := fmt.Sprintf("%s_%d-Q%d.csv", src, q.Year(), (int(q.Month())+2)/3)
			end := q.AddDate(0, 3, -1)
			if end.After(last) {
				end = last
			}
			o, err := open(src, name, q, end)
			if err != nil {
				w.abort()
				return nil, err
			}
			w.quarters[src] = append(w.quarters[src], o)
		}
	}
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		o, err := open("jzplus", fmt.Sprintf("jzplus_%s.csv", m.Format("2006-01")), m, m.AddDate(0, 1, -1))
		if err != nil {
			w.abort()
			return nil, err
		}
		w.months = append(w.months, o)
	}
	return w, nil
}

func quarterStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month()-(t.Month()-1)%3, 1, 0, 0, 0, 0, time.UTC)
}

// quarterFiles returns the quarterly files of src that deliver a row dated
// d: its own quarter's, and the next quarter's when d falls in the last
// month of its quarter (the overlap).
func (w *writers) quarterFiles(src string, d time.Time) []*outFile {
	fs := w.quarters[src]
	if len(fs) == 0 || d.Before(w.from) || d.After(fs[len(fs)-1].end) {
		return nil
	}
	q := quarterStart(d)
	i := (q.Year()-fs[0].start.Year())*4 + int(q.Month()-fs[0].start.Month())/3
	out := []*outFile{fs[i]}
	if int(d.Month())%3 == 0 && i+1 < len(fs) {
		out = append(out, fs[i+1])
	}
	return out
}

func (w *writers) put(src string, o *outFile, rec []string) error {
	if err := o.cw.Write(rec); err != nil {
		return fmt.Errorf("synth: write %s: %w", o.path, err)
	}
	w.rows[src]++
	return nil
}

// close flushes and closes every file; the first error wins.
func (w *writers) close() error {
	first := w.closeIJW()
	for _, o := range w.all {
		o.cw.Flush()
		err := o.cw.Error()
		if err == nil {
			err = o.f.Sync()
		}
		if cerr := o.f.Close(); err == nil {
			err = cerr
		}
		if err != nil && first == nil {
			first = fmt.Errorf("synth: %s: %w", o.path, err)
		}
	}
	w.all = nil
	return first
}

// abort closes what is still open after a failure.
func (w *writers) abort() {
	for _, o := range w.all {
		o.f.Close()
	}
	w.all = nil
	for _, z := range w.ijw {
		z.f.Close()
	}
	w.ijw = nil
}

func (w *writers) files() map[string][]string {
	out := map[string][]string{}
	for src, fs := range w.quarters {
		for i, o := range fs {
			out[src] = append(out[src], o.path)
			if src == "toegang" && i < len(w.ijwPaths) {
				out[src] = append(out[src], w.ijwPaths[i])
			}
		}
	}
	for _, o := range w.months {
		out["jzplus"] = append(out["jzplus"], o.path)
	}
	return out
}
