// Package contract describes and checks the column contracts of the source
// deliveries (SPEC §3): which columns a source sends, what each may hold,
// which columns form the natural key, and the cross-column rules. A
// contract turns one delivered row into typed, normalised values or into
// problems that name the column and the reason, never the offending value:
// a bad value may be an identifier in the wrong place.
package contract

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zothuis/zothuis/ingest/dutchcsv"
)

// Kind is what a column may hold.
type Kind int

// The kinds of column in the source contracts.
const (
	Text      Kind = iota // free text, such as a provider's placement id
	Pseudonym             // a source pseudonym: 32 lowercase hex characters
	Date                  // YYYY-MM-DD or DD-MM-YYYY
	Month                 // YYYY-MM
	Code                  // one of Column.Codes
	Gemeente              // a CBS municipality code, GMnnnn
)

// Date bounds: a date outside them is a typing error, not a fact about a
// youth in this monitor.
var (
	minDate = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
)

// maxText bounds free-text values; contract values are short identifiers.
const maxText = 200

// Column is one column of a source contract.
type Column struct {
	Name     string
	Kind     Kind
	Required bool     // empty is a problem (every key column is required)
	Key      bool     // part of the natural key
	Codes    []string // the allowed values of a Code column, canonical spelling
}

// Rule is a check across the columns of a valid row; it returns the column
// and reason of the problem it finds, or "" when the row is fine.
type Rule func(r Row) (column, reason string)

// Contract is the column contract of one source.
type Contract struct {
	Source  string   // source name: jgz, verzuim, toegang, jzplus
	Columns []Column // in delivery and table order
	Rules   []Rule

	// codes holds each Code column's Codes as interface values, made once:
	// a string put into an interface is an allocation, for every row.
	codesOnce sync.Once
	codes     [][]any
}

// boxedCodes returns the Codes of every column as interface values.
func (c *Contract) boxedCodes() [][]any {
	c.codesOnce.Do(func() {
		c.codes = make([][]any, len(c.Columns))
		for i, col := range c.Columns {
			for _, code := range col.Codes {
				c.codes[i] = append(c.codes[i], code)
			}
		}
	})
	return c.codes
}

// Problem is why a row cannot land. It never holds the value itself.
type Problem struct {
	Column string
	Reason string
}

// Row holds a validated row's values, in contract column order: string for
// Text, Pseudonym, Code and Gemeente; time.Time for Date and Month; nil
// where the value is unknown (empty).
type Row struct {
	c      *Contract
	Values []any
}

// Get returns the value of the named column; it panics on an unknown
// column name, which is a programming error in a Rule.
func (r Row) Get(name string) any {
	i := r.c.Index(name)
	if i < 0 {
		panic("contract: no column " + name)
	}
	return r.Values[i]
}

// Index returns the position of the named column, or -1.
func (c *Contract) Index(name string) int {
	return slices.IndexFunc(c.Columns, func(col Column) bool { return col.Name == name })
}

// Names returns the column names in order.
func (c *Contract) Names() []string {
	names := make([]string, len(c.Columns))
	for i, col := range c.Columns {
		names[i] = col.Name
	}
	return names
}

// Key returns the names of the natural-key columns.
func (c *Contract) Key() []string {
	var key []string
	for _, col := range c.Columns {
		if col.Key {
			key = append(key, col.Name)
		}
	}
	return key
}

// CheckHeader compares a delivered header (already lower-cased) with the
// contract and returns the positions of the contract columns in the
// delivery, or an error naming every unknown, missing or duplicate column.
func (c *Contract) CheckHeader(header []string) ([]int, error) {
	pos := make([]int, len(c.Columns))
	for i := range pos {
		pos[i] = -1
	}
	var unknown, dup []string
	for j, h := range header {
		i := c.Index(h)
		switch {
		case i < 0:
			unknown = append(unknown, quoteName(h))
		case pos[i] >= 0:
			dup = append(dup, h)
		default:
			pos[i] = j
		}
	}
	var missing []string
	for i, p := range pos {
		if p < 0 {
			missing = append(missing, c.Columns[i].Name)
		}
	}
	if len(missing) == len(c.Columns) {
		// Most likely a data row: its values are not shown.
		return nil, fmt.Errorf("%s contract: the first line names none of the contract's columns: is the header line missing, or the delimiter other than ',', ';' or tab? (want %s)", c.Source, strings.Join(c.Names(), ","))
	}
	var msgs []string
	if len(unknown) > 0 {
		msgs = append(msgs, "columns not in the contract: "+strings.Join(unknown, ", "))
	}
	if len(missing) > 0 {
		msgs = append(msgs, "missing columns: "+strings.Join(missing, ", "))
	}
	if len(dup) > 0 {
		msgs = append(msgs, "duplicate columns: "+strings.Join(dup, ", "))
	}
	if len(msgs) > 0 {
		return nil, fmt.Errorf("%s contract: %s (want %s)", c.Source, strings.Join(msgs, "; "), strings.Join(c.Names(), ","))
	}
	return pos, nil
}

// quoteName shows an unknown header name, shortened: a header is not data,
// but a stray long one should not flood a message.
func quoteName(s string) string {
	if s == "" {
		return `"" (an empty name: a delimiter at the end of the header?)`
	}
	// A name with digits or other characters than letters, '_', '-' and
	// spaces may be a value from a data row (a BSN where the header should
	// be): not shown.
	digits, other := 0, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case unicode.IsLetter(r), r == '_', r == ' ', r == '-':
		default:
			other = true
		}
	}
	if digits > 2 || other || len(s) > 40 {
		return "(a name not shown: it looks like a value, not a column name)"
	}
	return fmt.Sprintf("%q", s)
}

// Validate checks one delivered row, given as the raw field of each
// contract column (in contract order). It returns the typed row, or the
// problems that keep it out.
func (c *Contract) Validate(fields []string) (Row, []Problem) {
	values := make([]any, len(c.Columns))
	if problems := c.ValidateInto(values, fields); len(problems) > 0 {
		return Row{}, problems
	}
	return Row{c: c, Values: values}, nil
}

// ValidateInto is Validate for callers that check millions of rows: it
// writes the typed values into dst (one per contract column, reused from
// row to row) instead of allocating a row, and returns the problems, nil
// when the row is valid. After problems, dst holds no meaning.
func (c *Contract) ValidateInto(dst []any, fields []string) []Problem {
	var problems []Problem
	codes := c.boxedCodes()
	for i, col := range c.Columns {
		v, reason := col.parse(strings.TrimSpace(fields[i]), codes[i])
		if reason != "" {
			problems = append(problems, Problem{Column: col.Name, Reason: reason})
			continue
		}
		dst[i] = v
	}
	if len(problems) > 0 {
		return problems
	}
	row := Row{c: c, Values: dst}
	for _, rule := range c.Rules {
		if col, reason := rule(row); reason != "" {
			problems = append(problems, Problem{Column: col, Reason: reason})
		}
	}
	return problems
}

// parse checks and types one value; codes are col.Codes as interface
// values.
func (col Column) parse(s string, codes []any) (any, string) {
	if s == "" {
		if col.Required {
			return nil, "missing value"
		}
		return nil, ""
	}
	switch col.Kind {
	case Text:
		if len(s) > maxText {
			return nil, fmt.Sprintf("longer than %d characters", maxText)
		}
		if hasControl(s) {
			return nil, "control or invalid character"
		}
		if LooksLikeBSN(s) {
			return nil, "looks like a BSN (9 digits passing the elfproef); a BSN is never delivered"
		}
		if strings.IndexByte("=+-@", s[0]) >= 0 {
			// Never a provider's id or code; a formula when the research
			// file's data reaches a spreadsheet.
			return nil, "starts with =, +, - or @ (a spreadsheet formula?)"
		}
		return s, ""
	case Pseudonym:
		p, ok := pseudonymOf(s)
		if !ok {
			return nil, "not a source pseudonym (32 hexadecimal characters)"
		}
		return p, ""
	case Date:
		t, err := dutchcsv.ParseDate(s)
		if err != nil {
			return nil, err.Error()
		}
		if t.Before(minDate) || t.After(maxDate) {
			return nil, fmt.Sprintf("date outside %d–%d", minDate.Year(), maxDate.Year())
		}
		return t, ""
	case Month:
		t, err := dutchcsv.ParseMonth(s)
		if err != nil {
			return nil, err.Error()
		}
		if t.Before(minDate) || t.After(maxDate) {
			return nil, fmt.Sprintf("month outside %d–%d", minDate.Year(), maxDate.Year())
		}
		return t, ""
	case Gemeente:
		g := strings.ToUpper(s)
		if !IsGemeente(g) {
			return nil, "not a CBS municipality code (GMnnnn)"
		}
		return g, ""
	case Code:
		for i, code := range col.Codes {
			if strings.EqualFold(s, code) || (isNumeric(code) && len(s) < len(code) && strings.Repeat("0", len(code)-len(s))+s == code) {
				return codes[i], ""
			}
		}
		return nil, "unknown code (want one of " + strings.Join(col.Codes, ", ") + ")"
	}
	return nil, "unknown column kind"
}

// hasControl reports whether s holds a control character (C0 and C1), an
// invisible format character (a byte-order mark, a zero-width space, a
// bidi override), a line separator or the replacement of an invalid byte.
// ASCII text, nearly every value, is checked a byte at a time.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= utf8.RuneSelf {
			return hasControlRune(s)
		}
		if b < 0x20 || b == 0x7f {
			return true
		}
	}
	return false
}

func hasControlRune(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || r == '\uFFFD' {
			return true
		}
	}
	return false
}

// pseudonymOf returns s as a source pseudonym in lower case, and whether
// it is one: 32 hexadecimal characters. It looks each byte up in
// hexClass, without a branch per byte (this check was a quarter of
// ingest's validation at national scale), and allocates only for a
// pseudonym written in capitals.
func pseudonymOf(s string) (string, bool) {
	if len(s) != 32 {
		return "", false
	}
	var class byte
	for i := 0; i < len(s); i++ {
		class |= hexClass[s[i]]
	}
	switch {
	case class&notHex != 0:
		return "", false
	case class&upperHex != 0:
		return strings.ToLower(s), true
	}
	return s, true
}

// The classes of hexClass: 0 for 0-9 and a-f.
const (
	notHex   = 1 // not a hexadecimal digit
	upperHex = 2 // A-F
)

// hexClass gives the class of every byte value.
const hexClass = "" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x01\x01\x01\x01\x01" +
	"\x01\x02\x02\x02\x02\x02\x02\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x00\x00\x00\x00\x00\x00\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01" +
	"\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"

// isNumeric reports whether a code is all digits; such codes lose their
// leading zeros in spreadsheets ("01" becomes "1"), which is accepted.
func isNumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsPseudonym reports whether s has the shape of a source pseudonym:
// 32 lowercase hexadecimal characters.
func IsPseudonym(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// LooksLikeBSN reports whether s is a citizen service number (BSN) that
// passes the elfproef (weights 9,8,7,6,5,4,3,2,-1; sum divisible by 11;
// not all zeros): 9 digits, also grouped by spaces, dots or dashes
// ("1112.22.333"), or 8 plain digits whose leading zero a spreadsheet
// dropped. Eight digits with separators are left alone: that is a date.
func LooksLikeBSN(s string) bool {
	if len(s) < 8 || len(s) > 13 {
		return false
	}
	var d [9]int
	n, sep := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == 9 {
				return false
			}
			d[n] = int(c - '0')
			n++
		case c == ' ' || c == '.' || c == '-':
			sep = true
		default:
			return false
		}
	}
	switch {
	case n == 8 && !sep:
		copy(d[1:], d[:8])
		d[0] = 0
	case n == 9:
	default:
		return false
	}
	sum, nonzero := 0, false
	for i, v := range d {
		w := 9 - i
		if i == 8 {
			w = -1
		}
		sum += w * v
		nonzero = nonzero || v != 0
	}
	return nonzero && sum%11 == 0
}

// IsGemeente reports whether s is shaped like a CBS municipality code.
func IsGemeente(s string) bool {
	return len(s) == 6 && s[:2] == "GM" && isNumeric(s[2:])
}

// EndNotBeforeStart is the Rule that an end date, where known, is not
// before the start date.
func EndNotBeforeStart(start, end string) Rule {
	return func(r Row) (string, string) {
		s, ok1 := r.Get(start).(time.Time)
		e, ok2 := r.Get(end).(time.Time)
		if ok1 && ok2 && e.Before(s) {
			return end, end + " before " + start
		}
		return "", ""
	}
}
