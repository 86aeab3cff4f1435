package dutchcsv

import (
	"math/rand/v2"
	"testing"
)

// TestCommonDateMatchesGeneral holds ParseDateParts, with its fast path
// for YYYY-MM-DD and DD-MM-YYYY (commonDate), to the general parser
// (parseDateParts) over leap days, impossible dates, signs, other
// separators and generated values, common forms and odd bytes alike.
func TestCommonDateMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	in := []string{"", "2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "29-02-2000", "29-02-1900", "0000-01-01",
		"9999-12-31", "2024-00-10", "2024-13-10", "2024-12-00", "2024-12-32", "31-04-2024", "30-04-2024", "2024/02/03",
		"03/02/2024", "3-2-2024", "2024-2-3", "+024-02-03", "2024-02-+3", "-1-02-2024", "20240203", "2024-02-033", " 2024-02-03"}
	const digits = "0123456789"
	odd := []string{"0", "1", "9", "-", "/", "+", " ", "\t", "a", "é", "\x00", "\xff", "\u00a0"}
	for i := 0; i < 300000; i++ {
		var b []byte
		switch r.IntN(3) {
		case 0:
			b = []byte("dddd-dd-dd")
		case 1:
			b = []byte("dd-dd-dddd")
		default:
			for n := r.IntN(11); n > 0; n-- {
				b = append(b, odd[r.IntN(len(odd))]...)
			}
		}
		for j, c := range b {
			if c == 'd' {
				b[j] = digits[r.IntN(10)]
				if j%5 == 0 || r.IntN(3) == 0 {
					b[j] = digits[r.IntN(4)] // days and months that exist, more often
				}
			}
		}
		if len(b) > 0 && r.IntN(10) == 0 {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		in = append(in, string(b))
	}
	var valid int
	for _, v := range in {
		y, m, d, err := ParseDateParts(v)
		wy, wm, wd, werr := parseDateParts(v)
		if (err == nil) != (werr == nil) || err == nil && (y != wy || m != wm || d != wd) {
			t.Errorf("ParseDateParts(%q) = %d, %d, %d, %v; the general parser gives %d, %d, %d, %v", v, y, m, d, err, wy, wm, wd, werr)
		}
		if err == nil {
			valid++
		}
		// The fast path must take the common forms, or it is no fast path.
		if _, _, _, fast := commonDate(v); err == nil && !fast && len(v) == 10 && (v[4] == '-' && v[7] == '-' || v[2] == '-' && v[5] == '-') {
			t.Errorf("commonDate(%q) left a valid date to the general parser", v)
		}
	}
	if valid < 10000 {
		t.Errorf("only %d of %d generated dates valid", valid, len(in))
	}
}
