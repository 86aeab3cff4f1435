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
	return &t, nil
}

// Ranges returns the table's ranges in postcode order.
func (t *PostcodeTable) Ranges() []PostcodeRange {
	return append([]PostcodeRange(nil), t.ranges...)
}

// Gemeente returns the municipality code of a Dutch postcode ("9712 AB",
// "9712AB" or "9712"), or false when the postcode is malformed or unknown.
func (t *PostcodeTable) Gemeente(postcode string) (string, bool) {
	s := strings.TrimSpace(postcode)
	if len(s) < 4 {
		return "", false
	}
	pc4, err := strconv.Atoi(s[:4])
	if err != nil || pc4 < 1000 {
		return "", false
	}
	rest := strings.ToUpper(strings.TrimSpace(s[4:]))
	if rest != "" && (len(rest) != 2 || rest[0] < 'A' || rest[0] > 'Z' || rest[1] < 'A' || rest[1] > 'Z') {
		return "", false
	}
	i := sort.Search(len(t.ranges), func(i int) bool { return t.ranges[i].To >= pc4 })
	if i < len(t.ranges) && t.ranges[i].From <= pc4 {
		return t.ranges[i].Gemeente, true
	}
	return "", false
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
