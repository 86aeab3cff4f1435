package dutchcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzReader reads arbitrary bytes as a delivery. Whatever the bytes, the
// reader returns records or an error it documents (ErrNoHeader,
// ErrUnreadable), never panics, numbers lines upwards, flags every record
// whose field count differs from the header's, and normalises the header.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n",
		"\uFEFFA;B;C\r\n1;2;3\r\n4;5\r\n",
		"a\tb\n\"x\ny\"\tz\n",
		"a,b\n\"unbalanced,1\n2,3\n",
		"a,b\nx\"y,1\n",
		"pseudonym,datum\n453347fd1671589187ffa1ff87a95b52,31-02-2026\n",
		"naam,adres\nJos\xe9,Stra\xdfe 1\n",
		"",
		"\n\n",
		"a,b\n\x00\x00,\xff\xfe\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrNoHeader) && !errors.Is(err, ErrUnreadable) {
				t.Fatalf("NewReader: undocumented error %v", err)
			}
			return
		}
		for _, h := range r.Header() {
			if h != NormaliseHeader(h) {
				t.Fatalf("header name %q is not normalised", h)
			}
		}
		if d := r.Delimiter(); d != ',' && d != ';' && d != '\t' {
			t.Fatalf("delimiter %q", d)
		}
		last := 1
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !errors.Is(err, ErrUnreadable) {
					t.Fatalf("Read: undocumented error %v", err)
				}
				return
			}
			if rec.Line <= last {
				t.Fatalf("record on line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			if rec.FieldCountErr != (len(rec.Fields) != len(r.Header())) {
				t.Fatalf("%d fields, header %d, FieldCountErr %v", len(rec.Fields), len(r.Header()), rec.FieldCountErr)
			}
			for _, v := range rec.Fields {
				if !utf8.ValidString(v) {
					t.Fatalf("field %q is not valid UTF-8", v)
				}
			}
		}
	})
}

// FuzzReaderRoundTrip writes rows with encoding/csv, as a source's export
// tool would, with either delimiter, and reads them back: every value comes
// back as it was written, on the line it was written.
func FuzzReaderRoundTrip(f *testing.F) {
	f.Add("P-001", "Jeugdhulp Fryslân", "2026-01-05", true)
	f.Add("a;b", "\"quoted\"", "two\nlines", false)
	f.Add("", " spaced ", "x,y", true)
	f.Fuzz(func(t *testing.T, a, b, c string, semicolon bool) {
		for _, v := range []string{a, b, c} {
			// Values of Dutch exports are text: valid UTF-8 without a
			// byte-order mark, NUL or a carriage return (the reader
			// normalises CRLF inside quotes, as encoding/csv does).
			if !utf8.ValidString(v) || strings.ContainsAny(v, "\r\x00\uFEFF") {
				return
			}
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if semicolon {
			w.Comma = ';'
		}
		rows := [][]string{{"x", "y", "z"}, {a, b, c}, {c, a, b}}
		if err := w.WriteAll(rows); err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("NewReader(%q): %v", buf.Bytes(), err)
		}
		var got [][]string
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("Read(%q): %v", buf.Bytes(), err)
			}
			got = append(got, rec.Fields)
		}
		if diff := cmp.Diff(rows[1:], got); diff != "" {
			t.Errorf("round trip of %q (-written +read):\n%s", buf.Bytes(), diff)
		}
	})
}

// FuzzParseDate parses arbitrary text as a date: it never panics, accepts
// only real calendar days (nothing is normalised into the next month), and
// a date it accepts reads back the same from both the ISO and the Dutch
// form.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-01-05", "05-01-2026", "5-1-2026", "31-02-2026", "2024-02-29", "29/02/2025", "2026-13-01", "00-01-2026", "20260105", "2026-1-5", "-1-1-2026", "9999-12-31", "0000-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !errors.Is(err, ErrBadDate) {
				t.Fatalf("ParseDate(%q): undocumented error %v", s, err)
			}
			if err.Error() != ErrBadDate.Error() {
				t.Fatalf("ParseDate(%q): the error says more than ErrBadDate (never the value): %v", s, err)
			}
			return
		}
		if d.Hour() != 0 || d.Minute() != 0 || d.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %v, want a UTC midnight", s, d)
		}
		for _, form := range []string{d.Format("2006-01-02"), d.Format("02-01-2006"), d.Format("2-1-2006")} {
			if d.Year() < 1000 {
				break // four-digit years only
			}
			back, err := ParseDate(form)
			if err != nil || !back.Equal(d) {
				t.Fatalf("ParseDate(%q) = %v, but its form %q reads as %v, %v", s, d, form, back, err)
			}
		}
	})
}

// FuzzDateCalendar checks ParseDate against the calendar: a day exists
// exactly when time.Date does not have to normalise it.
func FuzzDateCalendar(f *testing.F) {
	f.Add(2026, 2, 31)
	f.Add(2024, 2, 29)
	f.Add(2025, 2, 29)
	f.Add(2026, 12, 31)
	f.Add(2026, 0, 1)
	f.Fuzz(func(t *testing.T, y, m, d int) {
		if y < 1000 || y > 9999 || m < 0 || m > 99 || d < 0 || d > 99 {
			return
		}
		want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		exists := m >= 1 && m <= 12 && d >= 1 && want.Day() == d && want.Month() == time.Month(m)
		for _, s := range []string{
			pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2),
			pad(d, 2) + "-" + pad(m, 2) + "-" + pad(y, 4),
			itoa(d) + "/" + itoa(m) + "/" + pad(y, 4),
		} {
			got, err := ParseDate(s)
			if exists && (err != nil || !got.Equal(want)) {
				t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, want)
			}
			if !exists && err == nil {
				t.Errorf("ParseDate(%q) = %v, want an error: no such day", s, got)
			}
		}
	})
}

// FuzzParseMonth parses arbitrary text as a month: no panic, and an
// accepted month is the first of a real month that reads back the same.
func FuzzParseMonth(f *testing.F) {
	for _, s := range []string{"2015-03", "03-2015", "3-2015", "2015-13", "2015-00", "201503", "-1-2015"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMonth(s)
		if err != nil {
			if !errors.Is(err, ErrBadMonth) {
				t.Fatalf("ParseMonth(%q): undocumented error %v", s, err)
			}
			return
		}
		if m.Day() != 1 {
			t.Fatalf("ParseMonth(%q) = %v, not the first of a month", s, m)
		}
		if m.Year() >= 1000 {
			back, err := ParseMonth(m.Format("2006-01"))
			if err != nil || !back.Equal(m) {
				t.Fatalf("ParseMonth(%q) = %v, but %q reads as %v, %v", s, m, m.Format("2006-01"), back, err)
			}
		}
	})
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func pad(n, width int) string {
	s := itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}
