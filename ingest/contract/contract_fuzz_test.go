package contract_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/ingest/dutchcsv"
	"github.com/zothuis/zothuis/ingest/jgz"
	"github.com/zothuis/zothuis/ingest/jzplus"
	"github.com/zothuis/zothuis/ingest/toegang"
	"github.com/zothuis/zothuis/ingest/verzuim"
	"github.com/zothuis/zothuis/pseudonymize"
)

// reasons returns every reason the contract can give: a problem is one of
// these fixed texts, so it can never carry the offending value.
func reasons(c *contract.Contract) map[string]bool {
	r := map[string]bool{
		"missing value":                                      true,
		"longer than 200 characters":                         true,
		"control or invalid character":                       true,
		"not a source pseudonym (32 hexadecimal characters)": true,
		"not a CBS municipality code (GMnnnn)":               true,
		"date outside 1990–2100":                             true,
		"month outside 1990–2100":                            true,
		"looks like a BSN (9 digits passing the elfproef); a BSN is never delivered": true,
		"starts with =, +, - or @ (a spreadsheet formula?)":                          true,
		dutchcsv.ErrBadDate.Error():                                                  true,
		dutchcsv.ErrBadMonth.Error():                                                 true,
		"einddatum before startdatum":                                                true,
		"productcategorie on an event other than beschikking":                        true,
	}
	for _, col := range c.Columns {
		if col.Kind == contract.Code {
			r["unknown code (want one of "+strings.Join(col.Codes, ", ")+")"] = true
		}
	}
	return r
}

// unparse turns a validated value back into delivery text.
func unparse(col contract.Column, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case time.Time:
		if col.Kind == contract.Month {
			return v.Format("2006-01")
		}
		return v.Format(time.DateOnly)
	}
	panic("unexpected value type")
}

// FuzzValidate validates arbitrary rows against each source contract
// (fields separated by '|'). Whatever the input: no panic; a problem's
// reason is one of the contract's fixed texts (never the value); an
// accepted row holds only values of the column's kind, no BSN-like or
// formula-like text, ends not before starts; and validating the accepted
// row's own values again gives the same row.
func FuzzValidate(f *testing.F) {
	f.Add(uint8(3), "P-001|ELKER|453347fd1671589187ffa1ff87a95b52|GM0014|spoed|2026-01-05|05-01-2026|||onbekend|onbekend")
	f.Add(uint8(3), "P-002|ELKER|70B6CB83C51A63C6838CE36E28067F13|gm0106|Regulier|2025-12-01|2026-01-10|2026-03-01|2|ja|ja")
	f.Add(uint8(3), "=1+1|@SUM(A1)|111222333|GM14|spoedeisend|31-02-2026|2150-01-01|2026-01-09|06|misschien|")
	f.Add(uint8(3), "P-1|EL\u0080KER\u202e|453347fd1671589187ffa1ff87a95b52||||||||")
	f.Add(uint8(2), "453347fd1671589187ffa1ff87a95b52|GM0014|2026-01-11|beschikking|||31")
	f.Add(uint8(2), "453347fd1671589187ffa1ff87a95b52|GM0014|2026-01-12|aanmelding|||31")
	f.Add(uint8(1), "453347fd1671589187ffa1ff87a95b52|2012-04|GM0014|2026-02-01|absoluut|2026-01-15|2025-12-01")
	f.Add(uint8(0), "453347fd1671589187ffa1ff87a95b52|03-2015|v|GM0014|2026-01-10|sdq_verhoogd")
	contracts := []*contract.Contract{jgz.Contract(), verzuim.Contract(), toegang.Contract(), jzplus.Contract()}
	f.Fuzz(func(t *testing.T, which uint8, line string) {
		c := contracts[int(which)%len(contracts)]
		fields := strings.Split(line, "|")
		if len(fields) != len(c.Columns) {
			fields = append(fields, make([]string, len(c.Columns))...)[:len(c.Columns)]
		}
		row, problems := c.Validate(fields)
		if len(problems) > 0 {
			allowed := reasons(c)
			for _, p := range problems {
				if !allowed[p.Reason] {
					t.Fatalf("%s: reason %q is not one of the contract's texts", c.Source, p.Reason)
				}
				if c.Index(p.Column) < 0 {
					t.Fatalf("%s: problem names column %q", c.Source, p.Column)
				}
			}
			return
		}
		again := make([]string, len(c.Columns))
		for i, col := range c.Columns {
			v := row.Values[i]
			again[i] = unparse(col, v)
			if v == nil {
				if col.Required {
					t.Fatalf("%s: required %s accepted empty", c.Source, col.Name)
				}
				continue
			}
			switch col.Kind {
			case contract.Text:
				s := v.(string)
				if contract.LooksLikeBSN(s) || strings.ContainsRune("=+-@", rune(s[0])) || s != strings.TrimSpace(s) {
					t.Fatalf("%s: %s accepted %q", c.Source, col.Name, s)
				}
				for _, r := range s {
					if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
						t.Fatalf("%s: %s accepted a control character: %q", c.Source, col.Name, s)
					}
				}
			case contract.Pseudonym:
				if !contract.IsPseudonym(v.(string)) {
					t.Fatalf("%s: pseudonym %q", c.Source, v)
				}
			case contract.Gemeente:
				if !contract.IsGemeente(v.(string)) {
					t.Fatalf("%s: gemeente %q", c.Source, v)
				}
			case contract.Code:
				found := false
				for _, code := range col.Codes {
					found = found || v == code
				}
				if !found {
					t.Fatalf("%s: %s = %q, not a canonical code", c.Source, col.Name, v)
				}
			case contract.Date, contract.Month:
				d := v.(time.Time)
				if d.Year() < 1990 || d.Year() > 2100 {
					t.Fatalf("%s: %s = %v out of bounds", c.Source, col.Name, d)
				}
			}
		}
		if i, j := c.Index("startdatum"), c.Index("einddatum"); i >= 0 && j >= 0 && row.Values[i] != nil && row.Values[j] != nil {
			if row.Values[j].(time.Time).Before(row.Values[i].(time.Time)) {
				t.Fatalf("%s: einddatum before startdatum accepted", c.Source)
			}
		}
		row2, problems2 := c.Validate(again)
		if len(problems2) > 0 {
			t.Fatalf("%s: the accepted row %q, written back as %q, is refused: %v", c.Source, fields, again, problems2)
		}
		if diff := cmp.Diff(row.Values, row2.Values); diff != "" {
			t.Fatalf("%s: validating the accepted values again changed them (-first +second):\n%s", c.Source, diff)
		}
	})
}

// FuzzLooksLikeBSN checks the BSN guard against pseudonymize.ValidBSN,
// the source side's elfproef: on 9 digits they agree; the grouped forms and
// the 8-digit form with the leading zero dropped are caught too.
func FuzzLooksLikeBSN(f *testing.F) {
	for _, s := range []string{"111222333", "123456782", "012345672", "12345672", "000000000", "1112.22.333", "111 222 333", "01-02-2026", "453347fd1671589187ffa1ff87a95b52", "1234567890"} {
		f.Add(s)
	}
	nine := regexp.MustCompile(`^[0-9]{9}$`)
	f.Fuzz(func(t *testing.T, s string) {
		got := contract.LooksLikeBSN(s)
		if nine.MatchString(s) {
			if want := pseudonymize.ValidBSN(s); got != want {
				t.Fatalf("LooksLikeBSN(%q) = %v, ValidBSN = %v", s, got, want)
			}
			if want := pseudonymize.ValidBSN(s); want {
				for _, g := range []string{s[:4] + "." + s[4:6] + "." + s[6:], s[:3] + " " + s[3:6] + " " + s[6:], " " + s} {
					if !contract.LooksLikeBSN(strings.TrimSpace(g)) {
						t.Fatalf("LooksLikeBSN(%q) = false for BSN %s", g, s)
					}
				}
				if s[0] == '0' && !contract.LooksLikeBSN(s[1:]) {
					t.Fatalf("LooksLikeBSN(%q) = false for BSN %s without its leading zero", s[1:], s)
				}
			}
			return
		}
		if !got {
			return
		}
		// Anything else it flags holds 8 or 9 digits and passes the
		// elfproef on its digits.
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		if len(digits) == 8 {
			digits = "0" + digits
		}
		if !pseudonymize.ValidBSN(digits) {
			t.Fatalf("LooksLikeBSN(%q) = true, but its digits %s fail the elfproef", s, digits)
		}
	})
}

// FuzzCheckHeader checks arbitrary headers (names separated by ','): no
// panic, and a refusal never repeats a name that looks like a value (three
// or more digits, such as a BSN in a header-less file).
func FuzzCheckHeader(f *testing.F) {
	f.Add("plaatsing_id,aanbieder,pseudonym,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen")
	f.Add("p-101,elker,123456782,gm0106,regulier,2025-12-01,2026-01-10,,,ja,ja")
	f.Add("plaatsing_id,aanbieder,pseudonym,naam,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen,111222333")
	f.Add("plaatsing_id,plaatsing_id")
	c := jzplus.Contract()
	digits := regexp.MustCompile(`[0-9]{3,}`)
	f.Fuzz(func(t *testing.T, header string) {
		names := strings.Split(header, ",")
		pos, err := c.CheckHeader(names)
		if err == nil {
			if len(pos) != len(c.Columns) {
				t.Fatalf("%d positions for %d columns", len(pos), len(c.Columns))
			}
			seen := map[int]bool{}
			for i, p := range pos {
				if p < 0 || p >= len(names) || names[p] != c.Columns[i].Name || seen[p] {
					t.Fatalf("position %d of %s is %d in %q", i, c.Columns[i].Name, p, names)
				}
				seen[p] = true
			}
			return
		}
		for _, n := range names {
			if digits.MatchString(n) && strings.Contains(err.Error(), n) {
				t.Fatalf("message repeats %q: %v", n, err)
			}
		}
	})
}
