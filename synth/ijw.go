package synth

import (
	"archive/zip"
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zothuis/zothuis/ingest/toegang"
	"github.com/zothuis/zothuis/pseudonymize"
)

// The iJw 3.2 message namespaces of a JW301 (toewijzing).
const (
	nsJW301 = "http://www.istandaarden.nl/ijw/3_2/jw301/schema"
	nsIJW   = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
)

// ijwProduct is one beschikking of a youth, as a JW301 assigns it.
type ijwProduct struct {
	date     time.Time
	category string
}

// ijwFile is a zip of JW301 messages: one quarter's beschikkingen of the
// municipality that delivers them as iJw messages.
type ijwFile struct {
	path     string
	start    time.Time // first day of the quarter it delivers
	f        *os.File
	bw       *bufio.Writer
	zw       *zip.Writer
	messages int
}

// ijwEligible reports whether a delivered toegang row goes out as a JW301
// product: a beschikking of the iJw municipality that a municipal system
// would export as a valid message. A row the fault injector broke, or
// with a BSN failing the elfproef, stays in the CSV export, so that both
// routes refuse and quarantine the same rows.
func (w *writers) ijwEligible(y *youth, clean, delivered []string) bool {
	return w.ijwGemeente != "" && y.gemeente == w.ijwGemeente && clean[3] == "beschikking" &&
		slices.Equal(clean, delivered) && pseudonymize.ValidBSN(delivered[0]) &&
		(delivered[6] == "" || slices.Contains(toegang.Contract().Columns[6].Codes, delivered[6]))
}

// openIJW opens the iJw zip of each toegang quarter.
func (w *writers) openIJW(dir string) error {
	d := filepath.Join(dir, "toegang")
	for _, q := range w.quarters["toegang"] {
		name := strings.TrimSuffix(filepath.Base(q.path), ".csv") + "_ijw.zip"
		p := filepath.Join(d, name)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return fmt.Errorf("synth: %w", err)
		}
		bw := bufio.NewWriterSize(f, 32<<10)
		w.ijw = append(w.ijw, &ijwFile{path: p, start: q.start, f: f, bw: bw, zw: zip.NewWriter(bw)})
		w.ijwPaths = append(w.ijwPaths, p)
	}
	return nil
}

// writeIJW writes a youth's beschikkingen per quarter file as one JW301
// message each, in a folder per month of the message date inside the zip,
// as municipal systems export them.
func (w *writers) writeIJW(y *youth, products map[*outFile][]ijwProduct) error {
	for i, q := range w.quarters["toegang"] {
		ps := products[q]
		if len(ps) == 0 {
			continue
		}
		z := w.ijw[i]
		z.messages++
		sent := ps[len(ps)-1].date
		name := fmt.Sprintf("%s/%s/JW301_%s_%06d.xml", strings.TrimPrefix(w.ijwGemeente, "GM"), sent.Format("2006-01"), q.start.Format("2006-01"), z.messages)
		mw, err := z.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: sent})
		if err != nil {
			return fmt.Errorf("synth: %s: %w", z.path, err)
		}
		if _, err := mw.Write(jw301(y, strings.TrimPrefix(w.ijwGemeente, "GM"), z.messages, sent, ps)); err != nil {
			return fmt.Errorf("synth: %s: %w", z.path, err)
		}
	}
	return nil
}

// jw301 renders a JW301 message assigning products to youth y. Only
// elements the schema requires are filled beside the products: the
// youth's name is a placeholder, and no address is given.
func jw301(y *youth, gemeente string, n int, sent time.Time, ps []ijwProduct) []byte {
	var b strings.Builder
	d := func(t time.Time) string { return t.Format(day) }
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<jw301:Bericht xmlns:jw301="%s" xmlns:ijw="%s">
  <jw301:Header>
    <jw301:BerichtCode>436</jw301:BerichtCode>
    <jw301:BerichtVersie>3</jw301:BerichtVersie>
    <jw301:BerichtSubversie>2</jw301:BerichtSubversie>
    <jw301:Afzender>%s</jw301:Afzender>
    <jw301:Ontvanger>%08d</jw301:Ontvanger>
    <jw301:BerichtIdentificatie>
      <ijw:Identificatie>%s</ijw:Identificatie>
      <ijw:Dagtekening>%s</ijw:Dagtekening>
    </jw301:BerichtIdentificatie>
    <jw301:XsdVersie>
      <ijw:BasisschemaXsdVersie>1.0.0</ijw:BasisschemaXsdVersie>
      <ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie>
    </jw301:XsdVersie>
  </jw301:Header>
  <jw301:Client>
    <jw301:Bsn>%s</jw301:Bsn>
    <jw301:Geboortedatum>
      <ijw:Datum>%s</ijw:Datum>
    </jw301:Geboortedatum>
    <jw301:Geslacht>%s</jw301:Geslacht>
    <jw301:Naam>
      <ijw:Geslachtsnaam>
        <ijw:Achternaam>Synthetisch</ijw:Achternaam>
      </ijw:Geslachtsnaam>
      <ijw:NaamGebruik>1</ijw:NaamGebruik>
    </jw301:Naam>
    <jw301:Contactgegevens>
      <jw301:Contact>
        <jw301:Soort>01</jw301:Soort>
      </jw301:Contact>
    </jw301:Contactgegevens>
    <jw301:ToegewezenProducten>
`, nsJW301, nsIJW, gemeente, 42420000+n%10000, fmt.Sprintf("%s%06d", sent.Format("0601"), n%1000000), d(sent),
		y.bsn, d(y.birth), ijwGeslacht(y.sex))
	for i, p := range ps {
		fmt.Fprintf(&b, "      <jw301:ToegewezenProduct>\n        <jw301:ToewijzingNummer>%d</jw301:ToewijzingNummer>\n", n*10+i+1)
		if p.category != "" {
			fmt.Fprintf(&b, "        <jw301:Product>\n          <ijw:Categorie>%s</ijw:Categorie>\n        </jw301:Product>\n", p.category)
		}
		fmt.Fprintf(&b, "        <jw301:Toewijzingsdatum>%s</jw301:Toewijzingsdatum>\n        <jw301:Toewijzingstijd>09:00:00</jw301:Toewijzingstijd>\n        <jw301:Ingangsdatum>%s</jw301:Ingangsdatum>\n      </jw301:ToegewezenProduct>\n", d(p.date), d(p.date))
	}
	b.WriteString("    </jw301:ToegewezenProducten>\n  </jw301:Client>\n</jw301:Bericht>\n")
	return []byte(b.String())
}

// closeIJW finishes every zip; the first error wins.
func (w *writers) closeIJW() error {
	var first error
	for _, z := range w.ijw {
		err := z.zw.Close()
		if err == nil {
			err = z.bw.Flush()
		}
		if err == nil {
			err = z.f.Sync()
		}
		if cerr := z.f.Close(); err == nil {
			err = cerr
		}
		if err != nil && first == nil {
			first = fmt.Errorf("synth: %s: %w", z.path, err)
		}
	}
	w.ijw = nil
	return first
}

// ijwGeslacht is the iJw code (LDT_Geslacht) of a JGZ sex: 1 mannelijk, 2
// vrouwelijk, 0 onbekend.
func ijwGeslacht(sex string) string {
	switch sex {
	case "M":
		return "1"
	case "V":
		return "2"
	}
	return "0"
}
