package kpi

import "unicode/utf8"

// CSVCell neutralises spreadsheet formula injection (CWE-1236) in one cell
// of a CSV that people open in Excel or LibreOffice: a cell starting with
// '=', '+', '-' or '@' (or their full-width forms, which some spreadsheets
// read the same), a tab or a carriage return gets a leading apostrophe, so
// the spreadsheet shows it as text instead of evaluating it. A plain number
// such as -0,05 or -3 is left alone: it is data, a spreadsheet reads it as
// a number, and it runs nothing. Every CSV the project publishes writes its
// cells through CSVCell.
func CSVCell(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
	default:
		return s
	}
	if plainNumber(s) {
		return s
	}
	return "'" + s
}

// CSVRecord applies CSVCell to every cell of a record, in place, and
// returns it.
func CSVRecord(rec []string) []string {
	for i, c := range rec {
		rec[i] = CSVCell(c)
	}
	return rec
}

// plainNumber reports whether s is an optionally signed decimal number
// with at most one decimal comma or point: "-0,05", "+3", "-12.5".
func plainNumber(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, sep := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case (c == ',' || c == '.') && !sep && digits > 0 && i < len(s)-1:
			sep = true
		default:
			return false
		}
	}
	return digits > 0
}
