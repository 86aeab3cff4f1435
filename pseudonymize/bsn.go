package pseudonymize

// ValidBSN reports whether s is a 9-digit citizen service number (BSN) that
// passes the elfproef: the digits weighted 9,8,7,6,5,4,3,2,-1 sum to a
// multiple of 11, and the number is not all zeros.
func ValidBSN(s string) bool {
	if len(s) != 9 {
		return false
	}
	digits, valid := elfproef(s)
	return digits && valid
}

// elfproef reports, for a 9-byte s, whether it is all digits and, if so,
// whether it passes the elfproef and is not all zeros; one pass, since
// pseudonymize checks every row's BSN.
func elfproef(s string) (digits, valid bool) {
	if len(s) != 9 {
		return false, false
	}
	sum, or := 0, byte(0)
	for i := 0; i < 8; i++ {
		d := s[i] - '0'
		if d > 9 {
			return false, false
		}
		or |= d
		sum += (9 - i) * int(d)
	}
	d := s[8] - '0'
	if d > 9 {
		return false, false
	}
	or |= d
	sum -= int(d)
	return true, or != 0 && sum%11 == 0
}
