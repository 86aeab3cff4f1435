package dutchcsv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/transform"
)

// outcome is everything a reader gives for one input: the header, the
// records up to the first error or io.EOF, and that error's text.
type outcome struct {
	Header  []string
	Records []Record
	Err     string
}

// recordReader is what Reader and refReader have in common.
type recordReader interface {
	Read() (Record, error)
}

func collect(r recordReader, header []string, err error) outcome {
	if err != nil {
		return outcome{Err: "NewReader: " + err.Error()}
	}
	o := outcome{Header: header}
	for {
		rec, err := r.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				// io.EOF stays io.EOF, as encoding/csv has it.
				if _, err := r.Read(); !errors.Is(err, io.EOF) {
					o.Err = fmt.Sprintf("Read after io.EOF: %v", err)
					return o
				}
			}
			o.Err = err.Error()
			return o
		}
		o.Records = append(o.Records, rec)
	}
}

func readNew(in io.Reader) outcome {
	r, err := NewReader(in)
	if err != nil {
		return collect(nil, nil, err)
	}
	return collect(r, r.Header(), nil)
}

func readRef(in io.Reader) outcome {
	r, err := newRefReader(in)
	if err != nil {
		return collect(nil, nil, err)
	}
	return collect(r, r.header, nil)
}

// errDisk stands in for a failing source (a truncated gzip stream).
var errDisk = errors.New("disk on fire")

// sources are the ways an input reaches the readers: whole, a byte at a
// time (so every buffer boundary falls somewhere else), and cut off by an
// error.
var sources = []struct {
	name string
	open func([]byte) io.Reader
}{
	{"whole", func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"one byte at a time", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
	{"half reads", func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }},
	{"failing midway", func(b []byte) io.Reader {
		return io.MultiReader(bytes.NewReader(b[:len(b)*2/3]), iotest.ErrReader(errDisk))
	}},
}

// checkSame fails t when Reader and refReader differ on in.
func checkSame(t *testing.T, in []byte, srcs int) {
	t.Helper()
	for _, src := range sources[:srcs] {
		if src.name == "one byte at a time" && len(in) > 256<<10 {
			continue // slow, and "half reads" moves the boundaries too
		}
		want := readRef(src.open(in))
		got := readNew(src.open(in))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %.200q: Reader differs from the reference (-reference +Reader):\n%.4000s", src.name, in, diff)
		}
	}
}

func TestReaderMatchesReference(t *testing.T) {
	many := func(n int, line string) string { return strings.Repeat(line, n) }
	// fill pads the input to just short of a transform buffer boundary
	// (4096 bytes), so what follows is cut by it.
	fill := func(prefix string, at int) string {
		if len(prefix) >= at {
			return prefix
		}
		pad := at - len(prefix)
		return prefix + strings.Repeat("x", pad-1) + "\n"
	}
	big := func(n int) string { return "1," + strings.Repeat("y", n-3) + "\n" }
	tests := []struct {
		name string
		in   string
	}{
		{"plain", "a,b,c\n1,2,3\n4,5,6\n"},
		{"empty fields", "a,b,c\n,,\n,\n1,,\n,2,\n"},
		{"quotes spanning lines", "a,b\n1,\"x\ny\"\n2,\"p\r\nq\r\n\"\n3,4\n"},
		{"quoted last field spanning lines then plain", "a,b\n\"1\n\n\",\"x\n\ny\nz\"\n\n\n5,6\n7,8\n"},
		{"quoted header spanning lines", "\"a\nb\",\"c\n\nd\"\n1,2\n3,4\n"},
		{"doubled quotes", "a,b\n\"x\"\"y\",\"\"\"\"\n1,\"\"\n"},
		{"crlf", "a;b\r\n1;2\r\n3;4\r\n"},
		{"lone cr", "a,b\n1\r2,3\r\n\r,\r\n4,5\r\r\n6,\r7\n"},
		{"line that is only cr", "a,b\n\r\n1,2\n\r\n\r\r\n3,4\n"},
		{"cr at end of file", "a,b\n1,2\r"},
		{"cr cr at end of file", "a,b\n1,2\r\r"},
		{"only cr at end of file", "a,b\n1,2\n\r"},
		{"quoted then cr at end of file", "a,b\n1,\"2\"\r"},
		{"quote open at end of file", "a,b\n1,\"2\n\r"},
		{"blank lines", "a,b\n\n\n1,2\n\r\n\n3,4\n\n"},
		{"cp1252", "naam;adres\nJos\xe9;Stra\xdfe 1\n\x80\x81\x8d\x9f;\xff\n"},
		{"mixed encodings", "a,b\nCaf\xc3\xa9,Caf\xe9\n\xc3,\xa9\xe2\x82\n"},
		{"bom", "\xef\xbb\xbfa;b\n1;2\n"},
		{"bom in cp1252 shape", "\xef\xbb\xbf\xef\xbb\xbfa;b\n1;2\n"},
		{"semicolon", "a;b;c\n1;2,5;3\n\"x;y\";z;\n"},
		{"tab", "a\tb\n1\t2\n\"x\ty\"\tz\n"},
		{"no trailing newline", "a,b\n1,2\n3,4"},
		{"no trailing newline quoted", "a,b\n1,2\n3,\"4\n5\""},
		{"bare quote", "a,b\n1,2\n3,x\"y\n5,6\n"},
		{"bare quote after many good lines", "a,b\n" + many(20000, "1,2\n") + "3,x\"y\n5,6\n"},
		{"unbalanced quote after many good lines", "a,b\n" + many(20000, "1,2\n") + "3,\"y\n5,6\n"},
		{"extraneous quote", "a,b\n1,\"2\"3\n"},
		{"extraneous quote on a later line", "a,b\n1,\"2\n\"3\n"},
		{"field counts", "a,b,c\n1,2\n1,2,3,4\n1\n\n1,2,3\n,,,,\n"},
		{"quoted lines among many plain ones", many(3000, "p,q\n\"x\n\",y\n") + "1,2\n"},
		{"quotes near every buffer boundary", many(4000, "aa,bbb\n1,\"\"\n")},
		{"delimiter only", "a\n,\n,,\n;\n"},
		{"header only", "a,b\n"},
		{"header without newline", "a,b"},
		{"space header", "  \na,b\n"},
		{"nul bytes", "a,b\n\x00,\x00\x00\n"},
		{"invalid utf-8 cut at the transform buffer", fill("a,b\n", 4095) + "\xc3\xa9,\xe2\x82\xac\n" + fill("", 4094) + "\xe2\x82\xac,\xf0\x9f\x98\x80\n"},
		{"cp1252 at the transform buffer", fill("a,b\n", 4095) + "\xe9,\xe9\n" + fill("", 4095) + "\xf0\x9f\n"},
		{"line longer than the buffer", "a,b\n1,2\n" + big(70<<10) + "3,4\n"},
		{"quoted line longer than the buffer", "a,b\n1,\"" + strings.Repeat("z\n", 40<<10) + "\"\n3,4\n"},
		{"record at MaxRecordBytes", "a,b\n1,2\n" + big(MaxRecordBytes) + "3,4\n"},
		{"record just under the bound with the buffer in it", "a,b\n1,2\n" + big(MaxRecordBytes-4096) + "3,4\n"},
		{"record above MaxRecordBytes", "a,b\n1,2\n" + big(MaxRecordBytes+1) + "3,4\n"},
		{"record well above MaxRecordBytes", "a,b\n" + many(5000, "1,2\n") + big(MaxRecordBytes+70<<10) + "3,4\n"},
		{"blank lines above MaxRecordBytes", "a,b\n1,2\n" + many(MaxRecordBytes/2+100, "\n") + "3,4\n"},
		{"unclosed quote above MaxRecordBytes", "a,b\n1,\"" + many(MaxRecordBytes/4, "xyz\n")},
		{"header above the header bound", "a," + strings.Repeat("b", maxHeaderBytes) + "\n1,2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkSame(t, []byte(tt.in), len(sources))
		})
	}
}

// TestReaderMatchesReferenceNearTheBound moves a long record across the
// MaxRecordBytes bound a byte at a time: the budget is counted as
// encoding/csv reads, so the same records pass.
func TestReaderMatchesReferenceNearTheBound(t *testing.T) {
	prefix := "a,b\n" + strings.Repeat("1,2\n", 3000)
	for _, n := range []int{MaxRecordBytes - 1, MaxRecordBytes, MaxRecordBytes + 1, MaxRecordBytes + 2048, MaxRecordBytes + 4095, MaxRecordBytes + 4096, MaxRecordBytes + 4097} {
		in := prefix + "1," + strings.Repeat("y", n-3) + "\n3,4\n"
		checkSame(t, []byte(in), 1)
		checkSame(t, []byte(strings.Replace(in, "1,y", "1,\"y", 1)+"\""), 1)
	}
}

// TestLenientUTF8MatchesReference holds the bulk Transform to the byte by
// byte one, for every destination size, so transform.Reader is fed alike.
func TestLenientUTF8MatchesReference(t *testing.T) {
	for _, src := range []string{"", "abc", "Caf\xc3\xa9 \xe9\xe2\x82", "\xf0\x9f\x98\x80abcdefghijklmnop\x80", strings.Repeat("abcdefg\xe9", 5), "\xe2\x82\xac12345678901234567\xc3"} {
		checkTransform(t, []byte(src))
	}
}

func checkTransform(t *testing.T, src []byte) {
	t.Helper()
	for dstLen := 0; dstLen <= 3*len(src)+4; dstLen++ {
		for _, atEOF := range []bool{false, true} {
			for from := 0; from <= len(src); from++ {
				wantDst, gotDst := make([]byte, dstLen), make([]byte, dstLen)
				wn, ws, werr := refLenientUTF8{}.Transform(wantDst, src[from:], atEOF)
				gn, gs, gerr := lenientUTF8{}.Transform(gotDst, src[from:], atEOF)
				if wn != gn || ws != gs || !errors.Is(gerr, werr) || !bytes.Equal(wantDst[:wn], gotDst[:gn]) {
					t.Fatalf("Transform(dst[%d], %q, %v) = %d, %d, %v, %q; want %d, %d, %v, %q", dstLen, src[from:], atEOF, gn, gs, gerr, gotDst[:gn], wn, ws, werr, wantDst[:wn])
				}
			}
		}
	}
	if want, _, _ := transform.Bytes(refLenientUTF8{}, src); true {
		if got, _, _ := transform.Bytes(lenientUTF8{}, src); !bytes.Equal(got, want) {
			t.Fatalf("transform.Bytes(%q) = %q, want %q", src, got, want)
		}
	}
}

// FuzzReaderMatchesReference reads arbitrary bytes with Reader and with
// the reference, encoding/csv alone: the same header, records (fields,
// lines, field-count flags) and error text, whatever the bytes and however
// they arrive. A short input is also read repeated, so that its lines
// straddle the buffer boundaries.
func FuzzReaderMatchesReference(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n",
		"\uFEFFA;B;C\r\n1;2;3\r\n4;5\r\n",
		"a\tb\n\"x\ny\"\tz\n",
		"a,b\n\"unbalanced,1\n2,3\n",
		"a,b\nx\"y,1\n",
		"a,b\n1,\"2\"\r",
		"a,b\n\r\n\r\r\n1\r2,3\n\r",
		"naam,adres\nJos\xe9,Stra\xdfe 1\n",
		"a,b\n\"1\n\n\",\"x\n\ny\"\n\n5,6\n",
		"\n\n",
		"a,b\n\x00\x00,\xff\xfe\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSame(t, data, len(sources))
		if n := len(data); n > 0 && n < 2048 {
			checkSame(t, bytes.Repeat(data, 9000/n+1), 1)
		}
	})
}

// FuzzLenientUTF8MatchesReference holds the bulk Transform to the byte by
// byte one on arbitrary bytes.
func FuzzLenientUTF8MatchesReference(f *testing.F) {
	f.Add([]byte("Caf\xc3\xa9 \xe9\xe2\x82 abcdefghij\xf0\x9f\x98\x80"))
	f.Fuzz(func(t *testing.T, src []byte) {
		if len(src) > 64 {
			src = src[:64] // every destination size and start is tried
		}
		checkTransform(t, src)
	})
}

// TestReaderMatchesReferenceOnFiles reads the files that
// DUTCHCSV_COMPARE_FILES names (a glob: real deliveries, too large for a
// test run) with Reader and the reference in lockstep.
func TestReaderMatchesReferenceOnFiles(t *testing.T) {
	pattern := os.Getenv("DUTCHCSV_COMPARE_FILES")
	if pattern == "" {
		t.Skip("DUTCHCSV_COMPARE_FILES is not set")
	}
	names, err := filepath.Glob(pattern)
	if err != nil || len(names) == 0 {
		t.Fatalf("DUTCHCSV_COMPARE_FILES=%q matches no file (%v)", pattern, err)
	}
	for _, name := range names {
		open := func() *os.File {
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}
		want, err := newRefReader(bufio.NewReaderSize(open(), 256<<10))
		if err != nil {
			t.Fatal(err)
		}
		got, err := NewReader(bufio.NewReaderSize(open(), 256<<10))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.header, got.Header()); diff != "" {
			t.Fatalf("%s: header (-reference +Reader):\n%s", name, diff)
		}
		rows := 0
		for {
			w, werr := want.Read()
			g, gerr := got.Read()
			if diff := cmp.Diff(w, g); diff != "" || fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Fatalf("%s: after %d records: (-reference +Reader):\n%s\nerrors %v, %v", name, rows, diff, werr, gerr)
			}
			if werr != nil {
				break
			}
			rows++
		}
		t.Logf("%s: %d records alike", name, rows)
	}
}
