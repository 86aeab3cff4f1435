package synth

// bsnSpace is the number of 8-digit prefixes 10000000..99999999; bsnStride
// is coprime with it, so prefix(x) is a permutation and youths never share
// a BSN.
const (
	bsnSpace  = 90_000_000
	bsnStride = 48271
)

// bsn returns youth i's BSN: the first of the prefixes 11i..11i+10 (under a
// seed-dependent permutation) whose check digit exists. Distinct youths draw
// from disjoint prefixes, so their BSNs differ.
func bsn(seed uint64, i int) string {
	offset := seed * 2654435761 % bsnSpace
	for t := 0; ; t++ {
		x := (uint64(i)*11+uint64(t%11))*bsnStride + offset
		prefix := x%bsnSpace + 10_000_000
		if t >= 11 {
			// All eleven prefixes lacked a check digit (about 1 in 10^11);
			// fall back to prefixes beyond every youth's range.
			prefix = (uint64(maxYouths)*11+uint64(i)*11+uint64(t))*bsnStride%bsnSpace + 10_000_000
		}
		var d [9]byte
		sum := 0
		for k := 7; k >= 0; k-- {
			d[k] = byte(prefix % 10)
			prefix /= 10
		}
		for k := 0; k < 8; k++ {
			sum += (9 - k) * int(d[k])
		}
		check := sum % 11
		if check == 10 {
			continue
		}
		d[8] = byte(check)
		for k := range d {
			d[k] += '0'
		}
		return string(d[:])
	}
}

// breakBSN changes the check digit so the number fails the elfproef, as a
// typing error would.
func breakBSN(s string, n int) string {
	b := []byte(s)
	b[8] = '0' + (b[8]-'0'+byte(1+n%9))%10
	return string(b)
}
