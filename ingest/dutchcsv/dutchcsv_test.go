package dutchcsv

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"
)

func readAll(t *testing.T, in string) ([]string, []Record, error) {
	t.Helper()
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		return nil, nil, err
	}
	var recs []Record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return r.Header(), recs, nil
		}
		if err != nil {
			return r.Header(), recs, err
		}
		recs = append(recs, rec)
	}
}

func cp1252(t *testing.T, s string) string {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReader(t *testing.T) {
	wantHeader := []string{"aanbieder", "naam"}
	wantRecs := []Record{{Line: 2, Fields: []string{"A1", "Café één"}}, {Line: 3, Fields: []string{"A2", "x;y"}}}
	tests := []struct {
		name string
		in   string
	}{
		{"utf-8 comma", "aanbieder,naam\nA1,Café één\nA2,x;y\n"},
		{"utf-8 bom semicolon crlf", "\uFEFFAanbieder;NAAM\r\nA1;Café één\r\nA2;\"x;y\"\r\n"},
		{"windows-1252 semicolon", cp1252(t, "AANBIEDER;Naam\r\nA1;Café één\r\nA2;\"x;y\"\r\n")},
		{"no final newline", "aanbieder,naam\nA1,Café één\nA2,x;y"},
		{"mixed encodings", "aanbieder;naam\nA1;Café " + cp1252(t, "één") + "\nA2;\"x;y\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, recs, err := readAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantHeader, h); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantRecs, recs); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReaderProblems(t *testing.T) {
	t.Run("empty", func(t *testing.T) {
		if _, _, err := readAll(t, ""); !errors.Is(err, ErrNoHeader) {
			t.Errorf("err = %v, want ErrNoHeader", err)
		}
	})
	t.Run("field count", func(t *testing.T) {
		_, recs, err := readAll(t, "a,b\n1,2\n1\n1,2,3\n")
		if err != nil {
			t.Fatal(err)
		}
		got := []bool{recs[0].FieldCountErr, recs[1].FieldCountErr, recs[2].FieldCountErr}
		if diff := cmp.Diff([]bool{false, true, true}, got); diff != "" {
			t.Errorf("FieldCountErr (-want +got):\n%s", diff)
		}
	})
	t.Run("unbalanced quote", func(t *testing.T) {
		_, _, err := readAll(t, "a,b\n1,\"2\n3,4\n")
		if !errors.Is(err, ErrUnreadable) {
			t.Errorf("err = %v, want ErrUnreadable", err)
		}
	})
	t.Run("line numbers across quoted newlines", func(t *testing.T) {
		_, recs, err := readAll(t, "a,b\n1,\"x\ny\"\n\n3,4\n")
		if err != nil {
			t.Fatal(err)
		}
		if recs[0].Line != 2 || recs[1].Line != 5 {
			t.Errorf("lines %d, %d; want 2, 5", recs[0].Line, recs[1].Line)
		}
	})
}

func TestParseDate(t *testing.T) {
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-03-05", d(2024, 3, 5), true},
		{"05-03-2024", d(2024, 3, 5), true},
		{"5-3-2024", d(2024, 3, 5), true},
		{"05/03/2024", d(2024, 3, 5), true},
		{"2024-02-29", d(2024, 2, 29), true},
		{"29-02-2023", time.Time{}, false},
		{"31-02-2024", time.Time{}, false},
		{"2024-13-01", time.Time{}, false},
		{"2024-00-10", time.Time{}, false},
		{"00-01-2024", time.Time{}, false},
		{"2024-3-5x", time.Time{}, false},
		{"03/05/24", time.Time{}, false},
		{"", time.Time{}, false},
		{"20240305", time.Time{}, false},
		{"2024-03-05T00:00", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseMonth(t *testing.T) {
	tests := map[string]string{"2012-07": "2012-07-01", "07-2012": "2012-07-01", "7-2012": "2012-07-01", "2012-13": "", "2012-7": "", "": ""}
	for in, want := range tests {
		got, err := ParseMonth(in)
		if want == "" {
			if err == nil {
				t.Errorf("ParseMonth(%q) accepted", in)
			}
			continue
		}
		if err != nil || got.Format(time.DateOnly) != want {
			t.Errorf("ParseMonth(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
}

// TestParseDatePartsCalendar checks the month lengths of ParseDateParts
// against package time for the end of every month of every year it reads.
func TestParseDatePartsCalendar(t *testing.T) {
	for y := 0; y <= 9999; y++ {
		for m := 1; m <= 12; m++ {
			for d := 27; d <= 32; d++ {
				s := fmt.Sprintf("%04d-%02d-%02d", y, m, d)
				exists := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() == d
				gy, gm, gd, err := ParseDateParts(s)
				if exists != (err == nil) || (exists && (gy != y || gm != m || gd != d)) {
					t.Fatalf("ParseDateParts(%q) = %d, %d, %d, %v; the day exists: %v", s, gy, gm, gd, err, exists)
				}
			}
		}
	}
}
