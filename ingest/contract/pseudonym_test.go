package contract

import (
	"strings"
	"testing"
)

// TestPseudonymOf checks the table-driven pseudonym check against the
// rule it implements, byte by byte: every byte value in every position.
func TestPseudonymOf(t *testing.T) {
	const base = "453347fd1671589187ffa1ff87a95b52"
	for pos := range len(base) {
		for b := range 256 {
			s := base[:pos] + string(rune(0)) + base[pos+1:]
			s = s[:pos] + string([]byte{byte(b)}) + s[pos+1:]
			lower := strings.ToLower(s)
			wantOK := IsPseudonym(lower) && (byte(b) < 0x80)
			got, ok := pseudonymOf(s)
			if ok != wantOK || (ok && got != lower) {
				t.Fatalf("pseudonymOf(%q) = %q, %v; want %q, %v", s, got, ok, lower, wantOK)
			}
		}
	}
	for _, s := range []string{"", base[:31], base + "0"} {
		if _, ok := pseudonymOf(s); ok {
			t.Errorf("pseudonymOf(%q) accepted", s)
		}
	}
}
