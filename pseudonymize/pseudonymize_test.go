package pseudonymize

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/ingest/jgz"
	"github.com/zothuis/zothuis/ingest/jzplus"
)

// Vectors computed with Python's hmac module, independently of this code.
var testKey = []byte("zothuis-test-key-0123456789abcdef")

func TestHasherVectors(t *testing.T) {
	tests := []struct {
		key  []byte
		in   string
		want string
	}{
		{testKey, "111222333", "453347fd1671589187ffa1ff87a95b52"},
		{testKey, "123456782", "70b6cb83c51a63c6838ce36e28067f13"},
		{testKey, "999999990", "483ca07347f8d7798970f0bf4c750cdf"},
		// Re-keying a source pseudonym with the research key.
		{[]byte("research-key-for-tests-0123456789"), "453347fd1671589187ffa1ff87a95b52", "f5cd666955a09c1f21c0188a369f78a3"},
	}
	h := map[string]*Hasher{}
	for _, tt := range tests {
		hs := h[string(tt.key)]
		if hs == nil {
			hs = NewHasher(tt.key)
			h[string(tt.key)] = hs
		}
		// Twice, to prove the reused state resets.
		for i := 0; i < 2; i++ {
			if got := hs.Sum(tt.in); got != tt.want {
				t.Errorf("Sum(%q) = %s, want %s", tt.in, got, tt.want)
			}
		}
	}
}

func TestValidBSN(t *testing.T) {
	tests := map[string]bool{
		"111222333": true, "123456782": true, "999999990": true, "012345672": true,
		"123456789": false, "000000000": false, "12345678a": false, "11122233": false, "": false, "1112223330": false,
	}
	for in, want := range tests {
		if got := ValidBSN(in); got != want {
			t.Errorf("ValidBSN(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	raw := bytes.Repeat([]byte{0x00, 0xff, '\n', 0x7f}, 8) // raw bytes, newline inside
	tests := []struct {
		name    string
		path    string
		want    []byte
		wantErr error
	}{
		{"raw bytes", write("raw", raw), raw, nil},
		{"base64 line", write("b64", []byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\n")), []byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="), nil},
		{"crlf line", write("crlf", []byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=\r\n")), []byte("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="), nil},
		{"only one newline removed", write("two", append(bytes.Repeat([]byte("k"), 31), '\n', '\n')), append(bytes.Repeat([]byte("k"), 31), '\n'), nil},
		{"short", write("short", []byte("too-short-key\n")), nil, ErrKeyTooShort},
		{"31 bytes plus newline", write("31", append(bytes.Repeat([]byte("k"), 31), '\n')), nil, ErrKeyTooShort},
		{"missing", filepath.Join(dir, "nope"), nil, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadKey(tt.path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LoadKey error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LoadKey (-want +got):\n%s", diff)
			}
			if err != nil && strings.Contains(err.Error(), "too-short") {
				t.Errorf("error %q shows the key", err)
			}
		})
	}
}

func TestGenerateKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k")
	if err := GenerateKey(p); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if k, err := LoadKey(p); err != nil || len(k) < MinKeyBytes {
		t.Errorf("LoadKey of a generated key: %d bytes, %v", len(k), err)
	}
	if err := GenerateKey(p); err == nil {
		t.Error("GenerateKey overwrote an existing key")
	}
}

func TestTransform(t *testing.T) {
	// Dutch export: ';', BOM, D-M-YYYY, header case, a postcode without space.
	in := "\uFEFFBSN;Geboortedatum;geslacht;POSTCODE;contactdatum;signaal\r\n" +
		"111222333;3-7-2012;V;9712 AB;05-03-2024;geen\r\n" +
		"123456789;01-01-2012;M;9401AA;2024-03-06;sdq_verhoogd\r\n" + // fails elfproef
		"12345672;2011-12-31;M;9401AA;2024-03-07;geen\r\n" + // leading zero lost
		";2011-12-31;M;9401AA;2024-03-07;geen\r\n" +
		"999999990;not a date;X;1011 AB;2024-03-08;geen\r\n" // unknown postcode
	var rejects []string
	var out bytes.Buffer
	st, err := Transform(context.Background(), strings.NewReader(in), &out, Options{
		Key: testKey, Contract: jgz.Contract(),
		OnReject: func(line int, reason string) { rejects = append(rejects, reason) },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "pseudonym,geboortemaand,geslacht,gemeente,contactdatum,signaal\n" +
		"453347fd1671589187ffa1ff87a95b52,2012-07,V,GM0014,05-03-2024,geen\n" +
		NewHasher(testKey).Sum("012345672") + ",2011-12,M,GM0106,2024-03-07,geen\n" +
		"483ca07347f8d7798970f0bf4c750cdf,,X,,2024-03-08,geen\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"BSN fails the elfproef", "BSN missing"}, rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	wantStats := Stats{Rows: 5, Written: 3, Rejected: 2, Blanked: map[string]int{
		"geboortedatum is not a date": 1, "postcode not in the postcode table": 1}}
	if diff := cmp.Diff(wantStats, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if strings.Contains(out.String(), "111222333") || strings.Contains(strings.Join(rejects, ""), "123456789") {
		t.Error("a BSN leaked into the output or a reject reason")
	}
}

func TestTransformRefusesUnknownColumns(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"extra name column", "bsn,naam,geboortedatum,geslacht,postcode,contactdatum,signaal\n"},
		{"missing signaal", "bsn,geboortedatum,geslacht,postcode,contactdatum\n"},
		{"duplicate column", "bsn,bsn,geboortedatum,geslacht,postcode,contactdatum,signaal\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Transform(context.Background(), strings.NewReader(tt.in), &out, Options{Key: testKey, Contract: jgz.Contract()})
			if !errors.Is(err, ErrRawHeader) {
				t.Fatalf("err = %v, want ErrRawHeader", err)
			}
		})
	}
}

func TestTransformKeepsResponsibleMunicipality(t *testing.T) {
	in := "plaatsing_id,aanbieder,bsn,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen\n" +
		"P1,ELKER,111222333,GM1680,spoed,2024-01-01,2024-01-01,,,ja,onbekend\n"
	var out bytes.Buffer
	if _, err := Transform(context.Background(), strings.NewReader(in), &out, Options{Key: testKey, Contract: jzplus.Contract()}); err != nil {
		t.Fatal(err)
	}
	want := "plaatsing_id,aanbieder,pseudonym,gemeente,machtiging,machtigingsdatum,startdatum,einddatum,reden_einde,perspectief_onderwijs,perspectief_wonen\n" +
		"P1,ELKER,453347fd1671589187ffa1ff87a95b52,GM1680,spoed,2024-01-01,2024-01-01,,,ja,onbekend\n"
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestPostcodeTable(t *testing.T) {
	pc := DefaultPostcodeTable()
	tests := map[string]string{"9712 AB": "GM0014", "9712ab": "GM0014", "9401": "GM0106", "7811 CD": "GM0114", "1011 AB": "", "97": "", "9712 A1": ""}
	for in, want := range tests {
		got, ok := pc.Gemeente(in)
		if got != want || ok != (want != "") {
			t.Errorf("Gemeente(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, err := ParsePostcodeTable(strings.NewReader("9700,9759,GM0014\n9750,9760,GM1730\n")); err == nil {
		t.Error("overlapping ranges accepted")
	}
}
