package kpi

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCSVCell(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"GM0014", "GM0014"},
		{"Jeugdhulp Fryslân", "Jeugdhulp Fryslân"},
		{"=1+1", "'=1+1"},
		{`=HYPERLINK("http://example.invalid","klik")`, `'=HYPERLINK("http://example.invalid","klik")`},
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"+1+1", "'+1+1"},
		{"-1+1", "'-1+1"},
		{"-2-3", "'-2-3"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"＝1+1", "'＝1+1"},
		{"＠SUM(A1)", "'＠SUM(A1)"},
		{"-", "'-"},
		{"-,5", "'-,5"},
		{"-5,", "'-5,"},
		{"-1,2,3", "'-1,2,3"},
		{"-1e5", "'-1e5"},
		// Plain numbers are data: a spreadsheet reads them as numbers.
		{"-0,05", "-0,05"},
		{"-3", "-3"},
		{"+31612345678", "+31612345678"},
		{"-12.5", "-12.5"},
		{"0,71", "0,71"},
		{"<10", "<10"},
		{"–", "–"},
	}
	for _, tt := range tests {
		if got := CSVCell(tt.in); got != tt.want {
			t.Errorf("CSVCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestWriteCSVNeutralisesFormulas writes KPI output whose text cells
// would be formulas and reads the file back as a spreadsheet would see
// the cells: every such cell starts with an apostrophe, and a negative
// number stays a number.
func TestWriteCSVNeutralisesFormulas(t *testing.T) {
	num, den := int64(12), int64(17)
	neg := -0.5
	o := Output{Month: "2026-10", Rows: []OutputRow{
		{KPI: SpoedShare, AreaType: AreaGemeente, Area: "=cmd|' /C calc'!A0", Numerator: &num, Denominator: &den, Value: &neg},
		{KPI: "@SUM(A1)", AreaType: "+total", Area: "-1+1"},
	}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, o); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, rec := range recs[1:] {
		got = append(got, []string{rec[1], rec[3], rec[4], rec[7]})
	}
	want := [][]string{
		{"spoed_share", "gemeente", "'=cmd|' /C calc'!A0", "-0,5"},
		{"'@SUM(A1)", "'+total", "'-1+1", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells kpi, area_type, area, value (-want +got):\n%s", diff)
	}
	for _, rec := range recs {
		for _, c := range rec {
			if c != "" && strings.ContainsRune("=+@\t\r", rune(c[0])) {
				t.Errorf("cell %q starts a formula", c)
			}
		}
	}
}
