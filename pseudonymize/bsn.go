package pseudonymize

// ValidBSN reports whether s is a 9-digit citizen service number (BSN) that
// passes the elfproef: the digits weighted 9,8,7,6,5,4,3,2,-1 sum to a
// multiple of 11, and the number is not all zeros.
func ValidBSN(s string) bool {
	if len(s) != 9 {
		return false
	}
	sum, nonzero := 0, false
	for i := 0; i < 9; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if d != 0 {
			nonzero = true
		}
		w := 9 - i
		if i == 8 {
			w = -1
		}
		sum += w * d
	}
	return nonzero && sum%11 == 0
}
