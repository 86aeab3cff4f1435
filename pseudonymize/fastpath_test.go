package pseudonymize

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest/dutchcsv"
	"github.com/zothuis/zothuis/ingest/jgz"
)

// The tests in this file hold the fast paths of pseudonymize to the plain
// code they replaced, kept here as the reference, over generated inputs
// that include odd ones: Unicode space, letters that upper-case to ASCII
// (ı, ſ), signs, invalid UTF-8.

// oddPieces are the pieces generated values are made of.
var oddPieces = []string{
	"0", "1", "5", "9", "a", "b", "z", "A", "Z", "i", "s", "ı", "ſ", "K", "é", "ß",
	" ", "  ", "\t", "\n", "\r", "\v", "\f", "\u00a0", "\u0085", "\u2000", "\u3000", "\u200b",
	"+", "-", "_", ",", "\"", ".", "\\", "/", "\x00", "\x7f", "\xff", "\xc3", "\xe2\x80",
}

// oddString returns a string of up to max pieces.
func oddString(r *rand.Rand, max int) string {
	var b strings.Builder
	for n := r.IntN(max + 1); n > 0; n-- {
		b.WriteString(oddPieces[r.IntN(len(oddPieces))])
	}
	return b.String()
}

// oddPostcode returns a postcode-like value: often four digits and a
// suffix, sometimes anything.
func oddPostcode(r *rand.Rand) string {
	if r.IntN(8) == 0 {
		return oddString(r, 8)
	}
	pc := strconv.Itoa(r.IntN(10000))
	if r.IntN(4) == 0 {
		pc = strings.Repeat("0", r.IntN(3)) + pc
	}
	if r.IntN(8) == 0 {
		pc = pc[:r.IntN(len(pc)+1)] + oddPieces[r.IntN(len(oddPieces))] + pc[r.IntN(len(pc)+1):]
	}
	var suffix string
	switch r.IntN(4) {
	case 0:
	case 1:
		suffix = string(rune('A'+r.IntN(26))) + string(rune('a'+r.IntN(26)))
	case 2:
		suffix = " " + string(rune('A'+r.IntN(26))) + string(rune('A'+r.IntN(26)))
	default:
		suffix = oddString(r, 4)
	}
	return oddString(r, 1) + pc + suffix + oddString(r, 1)
}

// refGemeente is PostcodeTable.Gemeente before the dense lookup.
func refGemeente(t *PostcodeTable, postcode string) (string, bool) {
	s := strings.TrimSpace(postcode)
	if len(s) < 4 {
		return "", false
	}
	pc4, err := strconv.Atoi(s[:4])
	if err != nil || pc4 < 1000 {
		return "", false
	}
	rest := strings.ToUpper(strings.TrimSpace(s[4:]))
	if rest != "" && (len(rest) != 2 || rest[0] < 'A' || rest[0] > 'Z' || rest[1] < 'A' || rest[1] > 'Z') {
		return "", false
	}
	i := sort.Search(len(t.ranges), func(i int) bool { return t.ranges[i].To >= pc4 })
	if i < len(t.ranges) && t.ranges[i].From <= pc4 {
		return t.ranges[i].Gemeente, true
	}
	return "", false
}

func TestGemeenteMatchesReference(t *testing.T) {
	edges, err := ParsePostcodeTable(strings.NewReader("1000,1000,GM0001\n1002,1009,GM0002\n5000,5999,gm0003\n9999,9999,GM0004\n"))
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]*PostcodeTable{"default": DefaultPostcodeTable(), "edges": edges, "zero": {}}
	fixed := []string{
		"", "1", "999", "0999", "1000", "9999", "+999", "-999", "+1000", "1000AB", "1000 ab", "1000  ab",
		"1000 ıſ", "1000ıs", "1000 a", "1000 abc", "1000 a b", "1000\u00a0AB", "\u3000 9999 zz \u0085",
		"1001", "1002 XY", "5555\tqq", "9712 AB", "9712ab", "97\xff2", "9712\xffA", "9712 A\xff", "1 000",
	}
	r := rand.New(rand.NewPCG(1, 2))
	for name, pc := range tables {
		in := append([]string(nil), fixed...)
		for pc4 := 0; pc4 <= 10000; pc4++ {
			in = append(in, strconv.Itoa(pc4), strconv.Itoa(pc4)+" AB", strconv.Itoa(pc4)+"cd")
		}
		for i := 0; i < 200000; i++ {
			in = append(in, oddPostcode(r))
		}
		var found int
		for _, v := range in {
			gotGM, gotOK := pc.Gemeente(v)
			wantGM, wantOK := refGemeente(pc, v)
			if gotGM != wantGM || gotOK != wantOK {
				t.Errorf("%s: Gemeente(%q) = %q, %v; the reference gives %q, %v", name, v, gotGM, gotOK, wantGM, wantOK)
			}
			if wantOK {
				found++
			}
		}
		// The generator must reach the found side too, or the test proves little.
		if name != "zero" && found < 1000 {
			t.Errorf("%s: only %d of %d generated postcodes found", name, found, len(in))
		}
	}
}

// refFieldNeedsQuotes is encoding/csv's rule as fieldNeedsQuotes first
// wrote it.
func refFieldNeedsQuotes(field string) bool {
	if field == "" {
		return false
	}
	if field == `\.` {
		return true
	}
	for i := 0; i < len(field); i++ {
		switch field[i] {
		case '\n', '\r', '"', ',':
			return true
		}
	}
	r1, _ := utf8.DecodeRuneInString(field)
	return unicode.IsSpace(r1)
}

func TestTrimAndQuoteMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	in := []string{"", " ", `\.`, ` \.`, "a", "\x7f", "!", "~", "\u00a0x", "x\u00a0", "\x85", "a\x85", "\xc2\x85a"}
	for c := 0; c < 256; c++ {
		in = append(in, string([]byte{byte(c)}), string([]byte{byte(c), 'x'}), string([]byte{'x', byte(c)}))
	}
	// Every byte at every place of longer values, for the eight-byte scan.
	for _, n := range []int{7, 8, 9, 16, 17, 23} {
		for p := 0; p < n; p++ {
			for c := 0; c < 256; c++ {
				for _, fill := range []byte{'x', '-', '0', 0xc3} {
					b := bytes.Repeat([]byte{fill}, n)
					b[p] = byte(c)
					in = append(in, string(b))
				}
			}
		}
	}
	for i := 0; i < 200000; i++ {
		in = append(in, oddString(r, 6+r.IntN(2)*10))
	}
	for _, v := range in {
		if got, want := trimSpace(v), strings.TrimSpace(v); got != want {
			t.Errorf("trimSpace(%q) = %q, want %q", v, got, want)
		}
		if got, want := fieldNeedsQuotes(v), refFieldNeedsQuotes(v); got != want {
			t.Errorf("fieldNeedsQuotes(%q) = %v, want %v", v, got, want)
		}
		// And what encoding/csv itself writes.
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write([]string{v})
		w.Flush()
		if got, want := string(appendCSVField(nil, v))+"\n", b.String(); got != want && !(v == "" && want == "\"\"\n") {
			t.Errorf("appendCSVField(%q) = %q, encoding/csv writes %q", v, got, want)
		}
	}
}

// refNormaliseBSN is normaliseBSN before the one-pass elfproef.
func refNormaliseBSN(v string) (string, string) {
	switch {
	case v == "":
		return "", "BSN missing"
	case len(v) == 8 && isDigits(v):
		v = "0" + v
	case len(v) != 9 || !isDigits(v):
		return "", "BSN is not 9 digits"
	}
	if !refValidBSN(v) {
		return "", "BSN fails the elfproef"
	}
	return v, ""
}

// refValidBSN is ValidBSN before the one-pass elfproef.
func refValidBSN(s string) bool {
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

func TestBSNMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	in := []string{"", "0", "00000000", "000000000", "000000001", "100000000", "11122233", "111222333", "12345672", "1234567/2", "12345672:", "1112223330"}
	for i := 0; i < 300000; i++ {
		n := 7 + r.IntN(4)
		b := make([]byte, n)
		for j := range b {
			b[j] = byte('0' + r.IntN(10))
		}
		if r.IntN(10) == 0 {
			b[r.IntN(n)] = byte(r.IntN(256))
		}
		if r.IntN(20) == 0 {
			for j := range b {
				b[j] = '0'
			}
			b[r.IntN(n)] = byte('0' + r.IntN(10))
		}
		in = append(in, string(b))
	}
	var valid int
	for _, v := range in {
		gotV, gotReason := normaliseBSN(v)
		wantV, wantReason := refNormaliseBSN(v)
		if gotV != wantV || gotReason != wantReason {
			t.Errorf("normaliseBSN(%q) = %q, %q; the reference gives %q, %q", v, gotV, gotReason, wantV, wantReason)
		}
		if got, want := ValidBSN(v), refValidBSN(v); got != want {
			t.Errorf("ValidBSN(%q) = %v, want %v", v, got, want)
		}
		if wantReason == "" {
			valid++
		}
	}
	if valid < 1000 {
		t.Errorf("only %d of %d generated BSNs valid", valid, len(in))
	}
}

// TestTransformMatchesEncodingCSV pseudonymises generated raw rows with odd
// values and checks the output against a reference built, from the rows as
// dutchcsv reads them, with the reference functions of this file, package
// time and encoding/csv.
func TestTransformMatchesEncodingCSV(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	pc := DefaultPostcodeTable()
	h := NewHasher(testKey)
	// The raw rows are written by encoding/csv so that any value survives
	// as a field; header names are those of a raw JGZ export.
	var raw bytes.Buffer
	rw := csv.NewWriter(&raw)
	rw.Write([]string{"bsn", "geboortedatum", "geslacht", "postcode", "contactdatum", "signaal"})
	field := func() string {
		if r.IntN(3) == 0 {
			return oddString(r, 5)
		}
		return []string{"V", "M", "geen", "2024-03-01", "a,b", `zeg "ja"`, " x", "\\."}[r.IntN(8)]
	}
	for i := 0; i < 20000; i++ {
		bsn := validBSN(r.IntN(1000000))
		if r.IntN(20) == 0 {
			bsn = oddString(r, 3) + bsn + oddString(r, 1)
		}
		pcv := oddPostcode(r)
		if r.IntN(2) == 0 {
			pcv = strconv.Itoa(7700+r.IntN(2300)) + " AB"
		}
		birth := []string{"3-7-2012", "2012-02-30", "", " 2011-12-31 ", oddString(r, 3)}[r.IntN(5)]
		rw.Write([]string{bsn, birth, field(), pcv, field(), field()})
	}
	rw.Flush()

	in, err := dutchcsv.NewReader(bytes.NewReader(raw.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	ww := csv.NewWriter(&want)
	ww.Write(jgz.Contract().Names())
	for {
		rec, err := in.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.FieldCountErr {
			continue
		}
		f := make([]string, len(rec.Fields))
		for j, v := range rec.Fields {
			f[j] = strings.TrimSpace(v)
		}
		b, reason := refNormaliseBSN(f[0])
		if reason != "" {
			continue
		}
		var month string
		if d, err := dutchcsv.ParseDate(f[1]); err == nil {
			month = d.Format("2006-01")
		}
		var gm string
		if f[3] != "" {
			gm, _ = refGemeente(pc, f[3])
		}
		ww.Write([]string{h.Sum(b), month, f[2], gm, f[4], f[5]})
	}
	ww.Flush()

	var got bytes.Buffer
	st, err := Transform(context.Background(), bytes.NewReader(raw.Bytes()), &got, Options{Key: testKey, Contract: jgz.Contract()})
	if err != nil {
		t.Fatal(err)
	}
	if st.Written < 10000 {
		t.Errorf("only %d rows written", st.Written)
	}
	// encoding/csv writes a row of one empty field as ""; these rows have
	// six fields, so it never comes up.
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Errorf("output (-reference +Transform):\n%s", diff)
	}
}
