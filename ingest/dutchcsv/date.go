package dutchcsv

import (
	"errors"
	"time"
)

// ErrBadDate is returned for a value that is not a valid date in one of the
// accepted forms; the message never repeats the value.
var ErrBadDate = errors.New("not a date (YYYY-MM-DD or DD-MM-YYYY)")

// ErrBadMonth is returned for a value that is not a valid YYYY-MM month.
var ErrBadMonth = errors.New("not a month (YYYY-MM)")

// ParseDate parses YYYY-MM-DD, or DD-MM-YYYY as Dutch exports write it
// (also D-M-YYYY, and '/' for '-'). It rejects impossible dates such as
// 31-02-2024 rather than normalising them.
func ParseDate(s string) (time.Time, error) {
	y, m, d, err := ParseDateParts(s)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// ParseDateParts is ParseDate returning the year (0 to 9999), month and
// day, for callers that need no time.Time: pseudonymize turns millions of
// birth dates into months, and building and taking apart a time.Time was
// a tenth of its work.
func ParseDateParts(s string) (year, month, day int, err error) {
	if y, m, d, ok := commonDate(s); ok {
		return y, m, d, nil
	}
	return parseDateParts(s)
}

// commonDate reads the two forms exports use most, YYYY-MM-DD and
// DD-MM-YYYY, without parseDateParts' general search (at national scale
// the search was a fifth of pseudonymize's own work per row). It returns
// false for anything else, and for any date of these forms that is not
// valid, leaving those to parseDateParts.
func commonDate(s string) (y, m, d int, ok bool) {
	if len(s) != 10 {
		return 0, 0, 0, false
	}
	var yi, mi, di int // where year, month and day start
	switch {
	case s[4] == '-' && s[7] == '-':
		yi, mi, di = 0, 5, 8
	case s[2] == '-' && s[5] == '-':
		yi, mi, di = 6, 3, 0
	default:
		return 0, 0, 0, false
	}
	y0, y1, y2, y3 := s[yi]-'0', s[yi+1]-'0', s[yi+2]-'0', s[yi+3]-'0'
	m0, m1, d0, d1 := s[mi]-'0', s[mi+1]-'0', s[di]-'0', s[di+1]-'0'
	// A byte below '0' wraps above 9.
	if y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 {
		return 0, 0, 0, false
	}
	y = int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
	m = int(m0)*10 + int(m1)
	d = int(d0)*10 + int(d1)
	if m < 1 || m > 12 || d < 1 || d > DaysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// parseDateParts is ParseDateParts for every accepted form.
func parseDateParts(s string) (year, month, day int, err error) {
	n := len(s)
	if n < 8 || n > 10 {
		return 0, 0, 0, ErrBadDate
	}
	var y, m, d int
	var ok bool
	if isDigits(s[:4]) && (s[4] == '-' || s[4] == '/') {
		// YYYY-MM-DD (also YYYY-M-D).
		var rest string
		y, _ = atoi(s[:4])
		m, rest, ok = number(s[5:], s[4])
		if !ok {
			return 0, 0, 0, ErrBadDate
		}
		d, ok = atoi(rest)
		if !ok || len(rest) > 2 {
			return 0, 0, 0, ErrBadDate
		}
	} else {
		// D-M-YYYY.
		sep := byte('-')
		for i := 0; i < n; i++ {
			if s[i] == '/' {
				sep = '/'
				break
			}
		}
		var rest string
		d, rest, ok = number(s, sep)
		if !ok {
			return 0, 0, 0, ErrBadDate
		}
		m, rest, ok = number(rest, sep)
		if !ok || len(rest) != 4 {
			return 0, 0, 0, ErrBadDate
		}
		y, ok = atoi(rest)
		if !ok {
			return 0, 0, 0, ErrBadDate
		}
	}
	if m < 1 || m > 12 || d < 1 || d > DaysIn(y, m) {
		return 0, 0, 0, ErrBadDate
	}
	return y, m, d, nil
}

// DaysIn returns the number of days of month m (1 to 12) of year y in the
// proleptic Gregorian calendar, as package time counts them.
func DaysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ParseMonth parses YYYY-MM (or MM-YYYY, as Excel may rewrite it) and
// returns the first day of that month.
func ParseMonth(s string) (time.Time, error) {
	var y, m int
	var ok1, ok2 bool
	switch {
	case len(s) == 7 && s[4] == '-':
		y, ok1 = atoi(s[:4])
		m, ok2 = atoi(s[5:])
	case len(s) == 7 && s[2] == '-':
		m, ok1 = atoi(s[:2])
		y, ok2 = atoi(s[3:])
	case len(s) == 6 && s[1] == '-':
		m, ok1 = atoi(s[:1])
		y, ok2 = atoi(s[2:])
	}
	if !ok1 || !ok2 || m < 1 || m > 12 {
		return time.Time{}, ErrBadMonth
	}
	return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), nil
}

// number reads one or two digits followed by sep and returns the value and
// what follows sep.
func number(s string, sep byte) (int, string, bool) {
	for i := 1; i <= 2 && i < len(s); i++ {
		if s[i] == sep {
			v, ok := atoi(s[:i])
			return v, s[i+1:], ok
		}
	}
	return 0, "", false
}

func atoi(s string) (int, bool) {
	if s == "" || !isDigits(s) {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
