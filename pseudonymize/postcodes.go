package pseudonymize

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

//go:embed postcodes_noord.csv
var defaultPostcodes string

// PostcodeRange maps the four-digit postcodes From..To (inclusive) to a CBS
// municipality code.
type PostcodeRange struct {
	From, To int
	Gemeente string
}

// PostcodeTable maps Dutch postcodes to CBS municipality codes by their four
// digits (PC4). PC4 areas that straddle a municipal border are assigned to
// the municipality holding most of the area, which is the usual CBS practice.
type PostcodeTable struct {
	ranges []PostcodeRange // sorted by From, non-overlapping
	// byPC4 holds, for each PC4 from 1000 to 9999, one plus the index of
	// its range in ranges, or 0 where no range holds it: pseudonymize
	// looks up millions of postcodes, and parsing with strconv and
	// strings.ToUpper and a search per lookup were 4 % of its work.
	byPC4 []uint16
}

// DefaultPostcodeTable returns the embedded table for the provinces of
// Groningen, Drenthe and the city of Leeuwarden. It is coarse (ranges, not
// the CBS PC4 file) and meant for the demo and tests; production use should
// pass the CBS table to LoadPostcodeTable.
func DefaultPostcodeTable() *PostcodeTable {
	t, err := ParsePostcodeTable(strings.NewReader(defaultPostcodes))
	if err != nil {
		panic(fmt.Sprintf("embedded postcode table: %v", err)) // a build defect, caught by tests
	}
	return t
}

// LoadPostcodeTable reads a postcode table from a CSV file with the columns
// pc4_from,pc4_to,gemeente (a single PC4 may use pc4_from = pc4_to).
func LoadPostcodeTable(path string) (*PostcodeTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("postcode table: %w", err)
	}
	defer f.Close()
	t, err := ParsePostcodeTable(f)
	if err != nil {
		return nil, fmt.Errorf("postcode table %s: %w", path, err)
	}
	return t, nil
}

// ParsePostcodeTable reads the CSV form described at LoadPostcodeTable.
// Lines starting with # are comments.
func ParsePostcodeTable(r io.Reader) (*PostcodeTable, error) {
	var t PostcodeTable
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "pc4_from") {
			continue
		}
		f := strings.Split(s, ",")
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want 3 fields, got %d", line, len(f))
		}
		from, err1 := strconv.Atoi(strings.TrimSpace(f[0]))
		to, err2 := strconv.Atoi(strings.TrimSpace(f[1]))
		gm := strings.ToUpper(strings.TrimSpace(f[2]))
		if err1 != nil || err2 != nil || from < 1000 || to > 9999 || from > to {
			return nil, fmt.Errorf("line %d: bad PC4 range", line)
		}
		if !isGemeenteCode(gm) {
			return nil, fmt.Errorf("line %d: %q is not a CBS municipality code (GMnnnn)", line, gm)
		}
		t.ranges = append(t.ranges, PostcodeRange{From: from, To: to, Gemeente: gm})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.Slice(t.ranges, func(i, j int) bool { return t.ranges[i].From < t.ranges[j].From })
	for i := 1; i < len(t.ranges); i++ {
		if t.ranges[i].From <= t.ranges[i-1].To {
			return nil, fmt.Errorf("ranges %d-%d and %d-%d overlap", t.ranges[i-1].From, t.ranges[i-1].To, t.ranges[i].From, t.ranges[i].To)
		}
	}
	// At most 9000 ranges fit in 1000..9999 without overlap, so an index
	// plus one fits a uint16.
	t.byPC4 = make([]uint16, 9000)
	for i, r := range t.ranges {
		for pc4 := r.From; pc4 <= r.To; pc4++ {
			t.byPC4[pc4-1000] = uint16(i + 1)
		}
	}
	return &t, nil
}

// Ranges returns the table's ranges in postcode order.
func (t *PostcodeTable) Ranges() []PostcodeRange {
	return append([]PostcodeRange(nil), t.ranges...)
}

// Gemeente returns the municipality code of a Dutch postcode ("9712 AB",
// "9712AB" or "9712"), or false when the postcode is malformed or unknown.
// The letters may be lower case; surrounding space, Unicode too, is
// ignored.
func (t *PostcodeTable) Gemeente(postcode string) (string, bool) {
	s := trimSpace(postcode)
	if len(s) < 4 {
		return "", false
	}
	// Four digits, the first not 0: what strconv.Atoi >= 1000 accepted.
	d0, d1, d2, d3 := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0'
	if d0 == 0 || d0 > 9 || d1 > 9 || d2 > 9 || d3 > 9 {
		return "", false
	}
	pc4 := int(d0)*1000 + int(d1)*100 + int(d2)*10 + int(d3)
	if !postcodeLetters(s[4:]) {
		return "", false
	}
	if t.byPC4 == nil { // a zero PostcodeTable holds no postcode
		return "", false
	}
	if i := t.byPC4[pc4-1000]; i != 0 {
		return t.ranges[i-1].Gemeente, true
	}
	return "", false
}

// postcodeLetters reports whether rest, what follows a postcode's four
// digits, is empty or two letters, after space and in any case.
func postcodeLetters(rest string) bool {
	// The usual forms first: "", "AB", " AB" and their lower case.
	switch {
	case rest == "":
		return true
	case len(rest) == 2 && isASCIILetter(rest[0]) && isASCIILetter(rest[1]):
		return true
	case len(rest) == 3 && rest[0] == ' ' && isASCIILetter(rest[1]) && isASCIILetter(rest[2]):
		return true
	}
	// Anything else as strings.ToUpper sees it, which also turns the
	// Unicode letters ı and ſ into I and S.
	rest = strings.ToUpper(strings.TrimSpace(rest))
	return rest == "" || len(rest) == 2 && 'A' <= rest[0] && rest[0] <= 'Z' && 'A' <= rest[1] && rest[1] <= 'Z'
}

func isASCIILetter(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}

func isGemeenteCode(s string) bool {
	if len(s) != 6 || s[:2] != "GM" {
		return false
	}
	for _, c := range s[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
