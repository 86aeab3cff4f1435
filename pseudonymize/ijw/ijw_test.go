package ijw

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/zothuis/zothuis/pseudonymize"
)

// The synthetic BSNs used in testdata. They pass the elfproef (except
// 999990010) but belong to nobody; no reason text may contain any of them.
var testBSNs = []string{"999990019", "999990032", "999990044", "999990010", "99999001"}

// digitRun finds what would be a leaked value in a reason: gemeente codes,
// AGB codes, BSNs and dates all have 4 or more digits in a row, while the
// fixed reasons have at most 3 (BerichtCode 437, JW301, JZ020).
var digitRun = regexp.MustCompile(`[0-9]{4,}`)

// checkNoLeak fails when err's text contains a test BSN, or its reason
// contains anything that looks like a value from the message.
func checkNoLeak(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, bsn := range testBSNs {
		if strings.Contains(err.Error(), bsn) {
			t.Errorf("error %q contains BSN %s", err, bsn)
		}
	}
	var me *MessageError
	if errors.As(err, &me) && digitRun.MatchString(me.Reason) {
		t.Errorf("reason %q contains a run of digits", me.Reason)
	}
}

func parseFile(t *testing.T, file string) (*Message, error) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return ParseMessage(filepath.Base(file), f)
}

func TestParseMessageValid(t *testing.T) {
	tests := []struct {
		file string
		want *Message
	}{
		{
			file: "jw301_multi.xml",
			want: &Message{
				Name: "jw301_multi.xml", Type: "JW301", Gemeente: "GM0014",
				Beschikkingen: []Beschikking{
					// Einddatum present: read and checked, not returned.
					{BSN: "999990019", Gemeente: "GM0014", Ingangsdatum: "2025-03-10", Productcategorie: "45", ToewijzingNummer: 1001},
					// RedenWijziging 04 (verlenging) is delivered normally.
					{BSN: "999990019", Gemeente: "GM0014", Ingangsdatum: "2025-04-01", Productcategorie: "54", ToewijzingNummer: 1002},
					// No Product: empty category.
					{BSN: "999990019", Gemeente: "GM0014", Ingangsdatum: "2025-05-01", Productcategorie: "", ToewijzingNummer: 1004},
				},
				Skipped: []Skip{{ToewijzingNummer: 1003, Reason: reasonVerwijderd}},
			},
		},
		{
			// Default namespace, other prefixes, a local redeclaration and
			// whitespace around a date: namespaces decide, not prefixes.
			file: "jw301_prefixes.xml",
			want: &Message{
				Name: "jw301_prefixes.xml", Type: "JW301", Gemeente: "GM0363",
				Beschikkingen: []Beschikking{
					{BSN: "999990032", Gemeente: "GM0363", Ingangsdatum: "2025-01-06", Productcategorie: "31", ToewijzingNummer: 7},
				},
			},
		},
		{file: "jw305.xml", want: &Message{Name: "jw305.xml", Type: "JW305", Gemeente: "GM0014"}},
		{file: "jw307.xml", want: &Message{Name: "jw307.xml", Type: "JW307", Gemeente: "GM0014"}},
		{file: "jw315.xml", want: &Message{Name: "jw315.xml", Type: "JW315", Gemeente: "GM0014"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseFile(t, filepath.Join("testdata", "valid", tt.file))
			if err != nil {
				t.Fatalf("ParseMessage: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseMessage mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// outcome is one line of testdata/bad/outcomes.txt.
type outcome struct {
	file, reason string
}

func readOutcomes(t testing.TB) []outcome {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "bad", "outcomes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []outcome
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		file, reason, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("outcomes.txt: no tab in %q", line)
		}
		out = append(out, outcome{file, reason})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestParseMessageBad(t *testing.T) {
	outcomes := readOutcomes(t)
	// Every file in testdata/bad must have an expected outcome.
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files)-1 != len(outcomes) {
		t.Errorf("testdata/bad has %d files besides outcomes.txt, outcomes.txt lists %d", len(files)-1, len(outcomes))
	}
	for _, tt := range outcomes {
		t.Run(tt.file, func(t *testing.T) {
			m, err := parseFile(t, filepath.Join("testdata", "bad", tt.file))
			if m != nil {
				t.Errorf("ParseMessage returned a message: %+v", m)
			}
			checkNoLeak(t, err)
			if tt.reason == "NOT XML" {
				var nx *NotXMLError
				if !errors.As(err, &nx) || !errors.Is(err, ErrNotXML) || errors.Is(err, ErrMessage) {
					t.Fatalf("ParseMessage error = %v, want *NotXMLError", err)
				}
				return
			}
			var me *MessageError
			if !errors.As(err, &me) {
				t.Fatalf("ParseMessage error = %v (%T), want *MessageError", err, err)
			}
			if !errors.Is(err, ErrMessage) || errors.Is(err, ErrNotXML) {
				t.Errorf("errors.Is(%v, ErrMessage) is false or ErrNotXML true", err)
			}
			if me.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", me.Reason, tt.reason)
			}
			if want := tt.file + ": " + tt.reason; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestParseMessageInline(t *testing.T) {
	valid, err := os.ReadFile(filepath.Join("testdata", "valid", "jw305.xml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		wantErr string // "" for success, "NOT XML", or the reason
	}{
		{"bom and whitespace", "\xef\xbb\xbf \r\n\t" + string(valid), ""},
		{"no xml declaration", string(valid[bytes.IndexByte(valid, '\n')+1:]), ""},
		{"empty", "", "NOT XML"},
		{"only whitespace", " \n\t ", "NOT XML"},
		{"only bom", "\xef\xbb\xbf", "NOT XML"},
		{"utf-16", "\xff\xfe<\x00?\x00", "NOT XML"},
		{"csv", "bsn,gemeente\n999990019,GM0014\n", "NOT XML"},
		{"json", `{"bsn":"999990019"}`, "NOT XML"},
		{"only declaration", `<?xml version="1.0"?>`, "not well-formed XML"},
		{"text after root", string(valid) + "999990019", "not well-formed XML"},
		{"invalid utf-8", strings.Replace(string(valid), "Testpersoon", "Test\xffpersoon", 1), "not well-formed XML"},
		{"undefined entity", strings.Replace(string(valid), "Testpersoon", "&nbsp;", 1), "not well-formed XML"},
		{"undeclared prefix", strings.Replace(string(valid), ` xmlns:jw305="http://www.istandaarden.nl/ijw/3_2/jw305/schema"`, "", 1), "not an iJw message"},
		{"other namespace", strings.ReplaceAll(string(valid), "jw305/schema", "jw305/schema/x"), "not an iJw message"},
		{"basisschema root", strings.Replace(string(valid), `xmlns:jw305="http://www.istandaarden.nl/ijw/3_2/jw305/schema"`, `xmlns:jw305="http://www.istandaarden.nl/ijw/3_2/basisschema/schema"`, 1), "root element in the basisschema namespace"},
		{"version 2.2", strings.Replace(string(valid), "<jw305:BerichtVersie>3<", "<jw305:BerichtVersie>2<", 1), "BerichtVersie/BerichtSubversie 2.2, want 3.2"},
		{"version not a number", strings.Replace(string(valid), "<jw305:BerichtVersie>3<", "<jw305:BerichtVersie>999990019<", 1), "BerichtVersie/BerichtSubversie is not 3.2"},
		{"version with spaces", strings.Replace(string(valid), "<jw305:BerichtVersie>3<", "<jw305:BerichtVersie> 3 <", 1), ""},
		{"bsn with spaces", strings.Replace(string(valid), "<jw305:Bsn>999990019<", "<jw305:Bsn> 999990019<", 1), "Bsn is not 9 digits"},
		{"bsn all zeros", strings.Replace(string(valid), "<jw305:Bsn>999990019<", "<jw305:Bsn>000000000<", 1), "Bsn fails the elfproef"},
		{"wrong toewijzingnummer", strings.Replace(string(valid), "<jw305:ToewijzingNummer>1001<", "<jw305:ToewijzingNummer>x1001<", 1), "ToewijzingNummer is not a valid number"},
		{"identificatie too long", strings.Replace(string(valid), "AANB-305-1<", "AANB-305-1-999990019<", 1), "Identificatie is not 1 to 12 characters"},
		{"no header", strings.ReplaceAll(string(valid), "jw305:Header>", "jw305:Kop>"), "missing mandatory element Header"},
		{"unclosed header", strings.Replace(string(valid), "<jw305:Header>", "<jw305:Kop>", 1), "not well-formed XML"},
		{"agb in afzender", strings.Replace(string(valid), "<jw305:Afzender>12345678<", "<jw305:Afzender>0014<", 1), "AGB code is not 8 digits"},
		{"no client", `<Bericht xmlns="http://www.istandaarden.nl/ijw/3_2/jw305/schema" xmlns:b="http://www.istandaarden.nl/ijw/3_2/basisschema/schema"><Header><BerichtCode>438</BerichtCode><BerichtVersie>3</BerichtVersie><BerichtSubversie>2</BerichtSubversie><Afzender>12345678</Afzender><Ontvanger>0014</Ontvanger><BerichtIdentificatie><b:Identificatie>x</b:Identificatie><b:Dagtekening>2025-01-01</b:Dagtekening></BerichtIdentificatie></Header></Bericht>`, "missing mandatory element Client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMessage("msg.xml", strings.NewReader(tt.in))
			checkNoLeak(t, err)
			switch tt.wantErr {
			case "":
				if err != nil {
					t.Fatalf("ParseMessage: %v", err)
				}
				if m.Type != "JW305" || m.Gemeente != "GM0014" {
					t.Errorf("ParseMessage = %+v", m)
				}
			case "NOT XML":
				if !errors.Is(err, ErrNotXML) {
					t.Fatalf("ParseMessage error = %v, want ErrNotXML", err)
				}
			default:
				var me *MessageError
				if !errors.As(err, &me) || me.Reason != tt.wantErr {
					t.Fatalf("ParseMessage error = %v, want reason %q", err, tt.wantErr)
				}
			}
		})
	}
}

// writeJW301 writes a schema-valid JW301 with n products for gemeente 0014.
func writeJW301(w io.Writer, n int, padding string) {
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>
<jw301:Bericht xmlns:ijw="http://www.istandaarden.nl/ijw/3_2/basisschema/schema" xmlns:jw301="http://www.istandaarden.nl/ijw/3_2/jw301/schema">
<jw301:Header><jw301:BerichtCode>436</jw301:BerichtCode><jw301:BerichtVersie>3</jw301:BerichtVersie><jw301:BerichtSubversie>2</jw301:BerichtSubversie><jw301:Afzender>0014</jw301:Afzender><jw301:Ontvanger>12345678</jw301:Ontvanger><jw301:BerichtIdentificatie><ijw:Identificatie>BIG</ijw:Identificatie><ijw:Dagtekening>2025-03-03</ijw:Dagtekening></jw301:BerichtIdentificatie><jw301:XsdVersie><ijw:BasisschemaXsdVersie>1.0.0</ijw:BasisschemaXsdVersie><ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie></jw301:XsdVersie></jw301:Header>
<jw301:Client><jw301:Bsn>999990019</jw301:Bsn><jw301:Geboortedatum><ijw:Datum>2012-09-30</ijw:Datum></jw301:Geboortedatum><jw301:Geslacht>2</jw301:Geslacht><jw301:Naam><ijw:Geslachtsnaam><ijw:Achternaam>Groot</ijw:Achternaam></ijw:Geslachtsnaam><ijw:NaamGebruik>1</ijw:NaamGebruik></jw301:Naam>`)
	fmt.Fprint(w, padding)
	fmt.Fprint(w, `<jw301:Contactgegevens><jw301:Contact><jw301:Soort>01</jw301:Soort></jw301:Contact></jw301:Contactgegevens>
<jw301:ToegewezenProducten>
`)
	cats := []string{"31", "45", "54", "55"}
	for i := range n {
		fmt.Fprintf(w, `<jw301:ToegewezenProduct><jw301:ToewijzingNummer>%d</jw301:ToewijzingNummer><jw301:ReferentieAanbieder>REF-%d</jw301:ReferentieAanbieder><jw301:Product><ijw:Categorie>%s</ijw:Categorie><ijw:Code>45A01</ijw:Code></jw301:Product><jw301:Toewijzingsdatum>2025-03-01</jw301:Toewijzingsdatum><jw301:Toewijzingstijd>09:15:00</jw301:Toewijzingstijd><jw301:Ingangsdatum>2025-03-10</jw301:Ingangsdatum><jw301:Einddatum>2025-12-31</jw301:Einddatum><jw301:Omvang><ijw:Volume>4</ijw:Volume><ijw:Eenheid>04</ijw:Eenheid><ijw:Frequentie>2</ijw:Frequentie></jw301:Omvang><jw301:Commentaar>Product %d</jw301:Commentaar></jw301:ToegewezenProduct>
`, i+1, i+1, cats[i%len(cats)], i+1)
	}
	fmt.Fprint(w, "</jw301:ToegewezenProducten></jw301:Client></jw301:Bericht>\n")
}

func TestParseMessageLarge(t *testing.T) {
	const n = 21000 // about 10 MB
	var buf bytes.Buffer
	writeJW301(&buf, n, "")
	if buf.Len() < 9<<20 {
		t.Fatalf("generated message is %d bytes, want about 10 MB", buf.Len())
	}
	start := time.Now()
	m, err := ParseMessage("big.xml", &buf)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("ParseMessage: %v", err)
	}
	if len(m.Beschikkingen) != n {
		t.Errorf("got %d beschikkingen, want %d", len(m.Beschikkingen), n)
	}
	if last := m.Beschikkingen[n-1]; last.ToewijzingNummer != n || last.Productcategorie != "55" {
		t.Errorf("last beschikking = %+v", last)
	}
	t.Logf("parsed %d products in %v", n, elapsed)
	// Generous, to stay stable under -race and on slow CI machines.
	if elapsed > 20*time.Second {
		t.Errorf("parsing took %v, want well under 20s", elapsed)
	}
}

// padReader yields n bytes of whitespace: padding inside an element that
// makes a message as large as a test needs without holding it in memory.
type padReader struct{ n int64 }

func (p *padReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	for i := range b {
		b[i] = ' '
	}
	p.n -= int64(len(b))
	return len(b), nil
}

// oversized returns a reader of a JW301 just over 65 MiB.
func oversized() io.Reader {
	var head, tail bytes.Buffer
	writeJW301(&head, 1, "<jw301:Commentaar>")
	full := head.String()
	i := strings.Index(full, "<jw301:Commentaar>") + len("<jw301:Commentaar>")
	head.Reset()
	head.WriteString(full[:i])
	tail.WriteString("</jw301:Commentaar>" + full[i:])
	return io.MultiReader(&head, &padReader{n: 65 << 20}, &tail)
}

func TestParseMessageTooLarge(t *testing.T) {
	m, err := ParseMessage("huge.xml", oversized())
	var me *MessageError
	if m != nil || !errors.As(err, &me) || me.Reason != "message larger than 64 MiB" {
		t.Fatalf("ParseMessage = %v, %v; want reason %q", m, err, "message larger than 64 MiB")
	}
}

func TestLimitReader(t *testing.T) {
	tests := []struct {
		in      string
		n       int64
		wantErr error
	}{
		{"0123456789", 10, nil},
		{"0123456789", 11, nil},
		{"0123456789", 9, errTooLarge},
		{"", 0, nil},
		{"x", 0, errTooLarge},
	}
	for _, tt := range tests {
		got, err := io.ReadAll(&limitReader{r: strings.NewReader(tt.in), n: tt.n})
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("limit %d of %q: error %v, want %v", tt.n, tt.in, err, tt.wantErr)
		}
		if int64(len(got)) > tt.n {
			t.Errorf("limit %d of %q: read %d bytes", tt.n, tt.in, len(got))
		}
	}
}

// result is what Walk passed to fn, reduced for comparison.
type result struct {
	Name   string // message or error name
	Type   string
	Reason string
	Count  int // beschikkingen
}

func collect(t *testing.T, path string) ([]result, error) {
	t.Helper()
	var got []result
	err := Walk(context.Background(), path, func(m *Message, err error) error {
		checkNoLeak(t, err)
		if err != nil {
			var me *MessageError
			if !errors.As(err, &me) || m != nil {
				t.Errorf("fn got %v, %v; want nil message and *MessageError", m, err)
				return nil
			}
			got = append(got, result{Name: me.Name, Reason: me.Reason})
			return nil
		}
		got = append(got, result{Name: m.Name, Type: m.Type, Count: len(m.Beschikkingen)})
		return nil
	})
	return got, err
}

func readTestdata(t *testing.T, dir, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWalkFolder(t *testing.T) {
	root := filepath.Join(t.TempDir(), "export")
	writeFile(t, filepath.Join(root, "2024", "b.xml"), readTestdata(t, "valid", "jw301_multi.xml"))
	writeFile(t, filepath.Join(root, "2024", "a.xml"), readTestdata(t, "bad", "broken.xml"))
	writeFile(t, filepath.Join(root, "2024", "sub", "c.xml"), readTestdata(t, "valid", "jw305.xml"))
	writeFile(t, filepath.Join(root, "2025", "ns31.xml"), readTestdata(t, "bad", "jw301_ns31.xml"))
	writeFile(t, filepath.Join(root, "readme.txt"), []byte("Export van 2024\n"))
	writeFile(t, filepath.Join(root, ".hidden.xml"), readTestdata(t, "valid", "jw305.xml"))
	writeFile(t, filepath.Join(root, ".git", "x.xml"), readTestdata(t, "valid", "jw305.xml"))
	if err := os.Symlink(filepath.Join(root, "2024", "b.xml"), filepath.Join(root, "link.xml")); err != nil {
		t.Logf("no symlink: %v", err)
	}

	got, err := collect(t, root)
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	want := []result{
		{Name: "export/2024/a.xml", Reason: "not well-formed XML"},
		{Name: "export/2024/b.xml", Type: "JW301", Count: 3},
		{Name: "export/2024/sub/c.xml", Type: "JW305"},
		{Name: "export/2025/ns31.xml", Reason: "not an iJw 3.2 message (namespace http://www.istandaarden.nl/ijw/3_1/jw301/schema)"},
		{Name: "export/readme.txt", Reason: "not an XML file"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Walk mismatch (-want +got):\n%s", diff)
	}
}

// zipEntry is a zip member to write; a name ending in "/" is a folder.
type zipEntry struct {
	name string
	data io.Reader
}

func writeZip(t *testing.T, path string, entries []zipEntry) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if e.data != nil {
			if _, err := io.Copy(w, e.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestWalkZip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "export.zip")
	writeZip(t, path, []zipEntry{
		{name: "2024/"},
		{name: "2024/msg1.xml", data: bytes.NewReader(readTestdata(t, "valid", "jw301_multi.xml"))},
		{name: "2024/q1/msg2.xml", data: bytes.NewReader(readTestdata(t, "valid", "jw307.xml"))},
		{name: "__MACOSX/2024/._msg1.xml", data: strings.NewReader("\x00\x05\x16\x07")},
		{name: "notes.txt", data: strings.NewReader("geen XML")},
		{name: "elfproef.xml", data: bytes.NewReader(readTestdata(t, "bad", "jw301_elfproef.xml"))},
		{name: "huge.xml", data: oversized()},
		{name: "last.xml", data: bytes.NewReader(readTestdata(t, "valid", "jw315.xml"))},
	})
	got, err := collect(t, path)
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	want := []result{
		{Name: "export.zip/2024/msg1.xml", Type: "JW301", Count: 3},
		{Name: "export.zip/2024/q1/msg2.xml", Type: "JW307"},
		{Name: "export.zip/notes.txt", Reason: "not an XML file"},
		{Name: "export.zip/elfproef.xml", Reason: "Bsn fails the elfproef"},
		{Name: "export.zip/huge.xml", Reason: "message larger than 64 MiB"},
		{Name: "export.zip/last.xml", Type: "JW315"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Walk mismatch (-want +got):\n%s", diff)
	}
}

func TestWalkZipTooManyMembers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for i := range MaxZipMembers + 1 {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("m%d.xml", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	called := false
	err = Walk(context.Background(), path, func(*Message, error) error { called = true; return nil })
	var me *MessageError
	if !errors.As(err, &me) || me.Reason != "zip archive has more than 100000 members" {
		t.Errorf("Walk error = %v, want too many members", err)
	}
	if called {
		t.Error("fn was called for a refused archive")
	}
}

func TestWalkSingleFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		data    []byte
		want    []result
		wantErr string // Error() of the returned error
	}{
		{
			name: "msg.xml",
			data: readTestdata(t, "valid", "jw301_multi.xml"),
			want: []result{{Name: "msg.xml", Type: "JW301", Count: 3}},
		},
		{
			name: "broken.xml",
			data: readTestdata(t, "bad", "broken.xml"),
			want: []result{{Name: "broken.xml", Reason: "not well-formed XML"}},
		},
		{
			// Not XML and not zip: the export is refused whole.
			name:    "export.csv",
			data:    []byte("bsn,gemeente\n999990019,GM0014\n"),
			wantErr: "export.csv: not an XML file",
		},
		{
			// A zip signature but no archive behind it.
			name:    "export.zip",
			data:    []byte("PK\x03\x04 this is not really a zip"),
			wantErr: "export.zip: not a readable zip archive",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			writeFile(t, path, tt.data)
			got, err := collect(t, path)
			checkNoLeak(t, err)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Walk error = %v, want %q", err, tt.wantErr)
				}
				if tt.name == "export.csv" && !errors.Is(err, ErrNotXML) {
					t.Errorf("Walk error %v does not match ErrNotXML", err)
				}
			} else if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Walk mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWalkStops(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a.xml", "b.xml", "c.xml"} {
		writeFile(t, filepath.Join(root, name), readTestdata(t, "valid", "jw305.xml"))
	}

	t.Run("fn error", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := Walk(context.Background(), root, func(*Message, error) error {
			calls++
			if calls == 2 {
				return stop
			}
			return nil
		})
		if err != stop || calls != 2 {
			t.Errorf("Walk = %v after %d calls, want stop after 2", err, calls)
		}
	})

	t.Run("context canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := Walk(ctx, root, func(*Message, error) error {
			calls++
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls != 1 {
			t.Errorf("Walk = %v after %d calls, want context.Canceled after 1", err, calls)
		}
	})

	t.Run("context canceled in zip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.zip")
		writeZip(t, path, []zipEntry{
			{name: "a.xml", data: bytes.NewReader(readTestdata(t, "valid", "jw305.xml"))},
			{name: "b.xml", data: bytes.NewReader(readTestdata(t, "valid", "jw305.xml"))},
		})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Walk(ctx, path, func(*Message, error) error {
			t.Error("fn called after cancel")
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Walk = %v, want context.Canceled", err)
		}
	})
}

func TestMessageErrorIs(t *testing.T) {
	var err error = &MessageError{Name: "a.xml", Reason: "not well-formed XML"}
	wrapped := fmt.Errorf("reading export: %w", err)
	if !errors.Is(wrapped, ErrMessage) || errors.Is(wrapped, ErrNotXML) {
		t.Errorf("errors.Is on wrapped MessageError wrong")
	}
	if got, want := err.Error(), "a.xml: not well-formed XML"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var nx error = &NotXMLError{Name: "a.csv"}
	if !errors.Is(nx, ErrNotXML) || errors.Is(nx, ErrMessage) {
		t.Errorf("errors.Is on NotXMLError wrong")
	}
}

func FuzzParseMessage(f *testing.F) {
	for _, dir := range []string{"valid", "bad"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	types := map[string]bool{"JW301": true, "JW305": true, "JW307": true, "JW315": true}
	gemeente := regexp.MustCompile(`^GM[0-9]{4}$`)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage("fuzz.xml", bytes.NewReader(data))
		if err != nil {
			var me *MessageError
			var nx *NotXMLError
			switch {
			case errors.As(err, &me):
				if digitRun.MatchString(me.Reason) {
					t.Errorf("reason %q contains a run of digits", me.Reason)
				}
			case errors.As(err, &nx):
			default:
				t.Fatalf("error %v is %T, want *MessageError or *NotXMLError", err, err)
			}
			if m != nil {
				t.Fatalf("message and error both returned")
			}
			return
		}
		if !types[m.Type] || !gemeente.MatchString(m.Gemeente) || m.Name != "fuzz.xml" {
			t.Fatalf("bad message %+v", m)
		}
		if m.Type != "JW301" && (len(m.Beschikkingen) > 0 || len(m.Skipped) > 0) {
			t.Fatalf("%s with products: %+v", m.Type, m)
		}
		for _, b := range m.Beschikkingen {
			if len(b.BSN) != 9 || !pseudonymize.ValidBSN(b.BSN) {
				t.Errorf("bad BSN in %+v", b)
			}
			if b.Gemeente != m.Gemeente {
				t.Errorf("gemeente %q, message %q", b.Gemeente, m.Gemeente)
			}
			if _, err := time.Parse(time.DateOnly, b.Ingangsdatum); err != nil || len(b.Ingangsdatum) != 10 {
				t.Errorf("bad Ingangsdatum in %+v", b)
			}
			if b.Productcategorie != "" && !jz020[b.Productcategorie] {
				t.Errorf("bad Productcategorie in %+v", b)
			}
			if b.ToewijzingNummer < 0 || b.ToewijzingNummer > 999999999 {
				t.Errorf("bad ToewijzingNummer in %+v", b)
			}
		}
	})
}
