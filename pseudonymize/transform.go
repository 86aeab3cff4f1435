package pseudonymize

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/ingest/dutchcsv"
)

// ErrRawHeader is returned when a raw export's columns do not map onto the
// source contract. Pseudonymisation refuses to pass through a column the
// contract does not know: it might hold a name or an address.
var ErrRawHeader = errors.New("raw export columns do not fit the contract")

// Options configures Transform.
type Options struct {
	Key       []byte             // the sources' shared key; at least MinKeyBytes
	Contract  *contract.Contract // the delivery contract the output must meet
	Postcodes *PostcodeTable     // PC4 to municipality; DefaultPostcodeTable when nil
	// OnReject, when set, is called for every rejected row with its line
	// number and reason. The reason never holds the BSN.
	OnReject func(line int, reason string)
}

// Stats counts what Transform did.
type Stats struct {
	Rows     int            // data rows read
	Written  int            // rows written
	Rejected int            // rows rejected (BSN missing or failing the elfproef)
	Blanked  map[string]int // quasi-identifiers left empty, by reason
}

// raw column names that replace contract columns on the source side.
const (
	rawBSN       = "bsn"
	rawBirthDate = "geboortedatum"
	rawPostcode  = "postcode"
)

// Transform reads a raw source export from r (any CSV dialect dutchcsv
// reads) and writes the pseudonymised delivery to w as UTF-8 CSV with the
// contract's header: bsn becomes pseudonym, geboortedatum becomes
// geboortemaand (YYYY-MM) and postcode becomes gemeente. Other contract
// columns pass through unchanged. Rows are streamed, so any size works.
func Transform(ctx context.Context, r io.Reader, w io.Writer, opt Options) (Stats, error) {
	st := Stats{Blanked: map[string]int{}}
	if len(opt.Key) < MinKeyBytes {
		return st, ErrKeyTooShort
	}
	pc := opt.Postcodes
	if pc == nil {
		pc = DefaultPostcodeTable()
	}
	in, err := dutchcsv.NewReader(r)
	if err != nil {
		return st, fmt.Errorf("pseudonymize: %w", err)
	}
	plan, err := planColumns(opt.Contract, in.Header())
	if err != nil {
		return st, err
	}
	out := csv.NewWriter(w)
	if err := out.Write(opt.Contract.Names()); err != nil {
		return st, fmt.Errorf("pseudonymize: %w", err)
	}
	h := NewHasher(opt.Key)
	rec := make([]string, len(plan))
	for {
		if st.Rows%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		row, err := in.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, fmt.Errorf("pseudonymize: %w", err)
		}
		st.Rows++
		reject := func(reason string) {
			st.Rejected++
			if opt.OnReject != nil {
				opt.OnReject(row.Line, reason)
			}
		}
		if row.FieldCountErr {
			reject(fmt.Sprintf("%d fields, header has %d", len(row.Fields), len(in.Header())))
			continue
		}
		ok := true
		for i, p := range plan {
			v := strings.TrimSpace(row.Fields[p.from])
			switch p.kind {
			case copyValue:
				rec[i] = v
			case bsnToPseudonym:
				bsn, reason := normaliseBSN(v)
				if reason != "" {
					reject(reason)
					ok = false
					break
				}
				rec[i] = h.Sum(bsn)
			case birthDateToMonth:
				rec[i] = ""
				if v == "" {
					break
				}
				t, err := dutchcsv.ParseDate(v)
				if err != nil {
					st.Blanked["geboortedatum is not a date"]++
					break
				}
				rec[i] = t.Format("2006-01")
			case postcodeToGemeente:
				rec[i] = ""
				if v == "" {
					break
				}
				gm, found := pc.Gemeente(v)
				if !found {
					st.Blanked["postcode not in the postcode table"]++
					break
				}
				rec[i] = gm
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		if err := out.Write(rec); err != nil {
			return st, fmt.Errorf("pseudonymize: %w", err)
		}
		st.Written++
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return st, fmt.Errorf("pseudonymize: %w", err)
	}
	return st, nil
}

// normaliseBSN returns the 9-digit BSN, or the reason the value is not
// one. An 8-digit value is taken as a BSN whose leading zero a spreadsheet
// dropped.
func normaliseBSN(v string) (string, string) {
	switch {
	case v == "":
		return "", "BSN missing"
	case len(v) == 8 && isDigits(v):
		v = "0" + v
	case len(v) != 9 || !isDigits(v):
		return "", "BSN is not 9 digits"
	}
	if !ValidBSN(v) {
		return "", "BSN fails the elfproef"
	}
	return v, ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

type step int

const (
	copyValue step = iota
	bsnToPseudonym
	birthDateToMonth
	postcodeToGemeente
)

type columnPlan struct {
	from int // position in the raw header
	kind step
}

// planColumns maps each contract column to the raw column it comes from.
func planColumns(c *contract.Contract, header []string) ([]columnPlan, error) {
	pos := map[string]int{}
	for i, h := range header {
		if _, dup := pos[h]; dup {
			return nil, fmt.Errorf("%w: duplicate column %q", ErrRawHeader, h)
		}
		pos[h] = i
	}
	used := map[string]bool{}
	var plan []columnPlan
	var missing []string
	take := func(name string, kind step) bool {
		if i, ok := pos[name]; ok {
			plan = append(plan, columnPlan{from: i, kind: kind})
			used[name] = true
			return true
		}
		return false
	}
	for _, col := range c.Columns {
		var found bool
		switch col.Name {
		case "pseudonym":
			found = take(rawBSN, bsnToPseudonym)
		case "geboortemaand":
			found = take(rawBirthDate, birthDateToMonth)
		case "gemeente":
			// jzplus and toegang carry the responsible municipality itself.
			found = take("gemeente", copyValue) || take(rawPostcode, postcodeToGemeente)
		default:
			found = take(col.Name, copyValue)
		}
		if !found {
			missing = append(missing, col.Name)
		}
	}
	var extra []string
	for _, h := range header {
		if !used[h] {
			extra = append(extra, fmt.Sprintf("%q", h))
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		return nil, fmt.Errorf("%w for %s: missing %v, not allowed %v (a raw %s export has %s)",
			ErrRawHeader, c.Source, missing, extra, c.Source, strings.Join(rawNames(c), ","))
	}
	return plan, nil
}

// rawNames lists the raw export columns that map onto contract c.
func rawNames(c *contract.Contract) []string {
	var names []string
	for _, col := range c.Columns {
		switch col.Name {
		case "pseudonym":
			names = append(names, rawBSN)
		case "geboortemaand":
			names = append(names, rawBirthDate)
		case "gemeente":
			if c.Source == "jgz" || c.Source == "verzuim" {
				names = append(names, rawPostcode)
			} else {
				names = append(names, "gemeente")
			}
		default:
			names = append(names, col.Name)
		}
	}
	return names
}
