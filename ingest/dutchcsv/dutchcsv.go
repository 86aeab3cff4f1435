// Package dutchcsv reads CSV files as real Dutch exports come: UTF-8 with or
// without a byte-order mark, or Windows-1252 (also mixed within a file, as
// happens when exports are pasted together), delimited by ',' or ';'
// (detected from the header line), with dates as YYYY-MM-DD or D-M-YYYY.
package dutchcsv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// ErrNoHeader is returned for a file with no header line.
var ErrNoHeader = errors.New("empty file: no header line")

// ErrUnreadable wraps CSV syntax errors that make the rest of the file
// ambiguous (an unbalanced quote), so no row boundary can be trusted.
var ErrUnreadable = errors.New("unreadable CSV")

// maxHeaderBytes bounds the header line; no contract header comes near it.
const maxHeaderBytes = 64 << 10

// MaxRecordBytes bounds one record: a line, or the lines a quoted field
// spans. Contract rows are a few hundred bytes; without a bound, a runaway
// line or an unclosed quote would make the reader hold the whole file in
// memory.
const MaxRecordBytes = 1 << 20

// ErrRecordTooLong is returned, wrapped in ErrUnreadable, for a record
// longer than MaxRecordBytes.
var ErrRecordTooLong = fmt.Errorf("a record longer than %d MiB (a runaway line or an unclosed quote)", MaxRecordBytes>>20)

// Reader yields the records of a Dutch CSV export with their line numbers.
//
// Most lines hold no quote; Read splits those itself, straight from the
// buffered input, and hands only the others (whose quoted fields may span
// lines), and lines not yet wholly buffered, to encoding/csv reading the
// same bufio.Reader. Both consume the input line by line, through the same
// bufio.Reader, so reads, line numbers and errors are those encoding/csv
// alone would give.
type Reader struct {
	br        *bufio.Reader
	csv       *csv.Reader
	header    []string
	delimiter rune
	fields    int
	budget    *budget
	lastLine  int // the line the last field of the last record starts on
	line      int // the lines consumed, counted as encoding/csv counts them
	// csvBase is the number of lines Read split itself: encoding/csv did
	// not see them, so its line numbers are this much too low.
	csvBase int
	// chunk holds a copy of whole lines that br has buffered; chunk[pos:]
	// is the input not yet consumed. Fields of the records split here are
	// substrings of it: one allocation per chunk, not one per record.
	chunk string
	pos   int
	quote int // the index in chunk of the next '"' at or after pos, or len(chunk)
	// slots are spare []string slots that Fields are carved from.
	slots []string
	err   error // the fatal error, returned again by every later Read
}

// fieldSlots is how many field slots are allocated at once.
const fieldSlots = 4096

// Record is one data row and the line it starts on (the header is line 1).
type Record struct {
	Line   int
	Fields []string
	// FieldCountErr is set when the row has another number of fields than
	// the header; Fields then holds what was read.
	FieldCountErr bool
}

// NewReader detects the delimiter and prepares to read r. The header is
// read at once; header names are trimmed and lower-cased because sources
// vary their case ("Pseudonym", "PSEUDONYM").
func NewReader(r io.Reader) (*Reader, error) {
	// The decoder reads its source 4 KB at a time: 27,000 read calls per
	// 100 MB file, a few hundred through this buffer (BENCHMARKS.md,
	// change 22). bufio reads at most once per call, so a pipe or socket
	// still hands over what it has.
	bud := &budget{r: transform.NewReader(bufio.NewReaderSize(r, 256<<10), lenientUTF8{}), left: MaxRecordBytes}
	br := bufio.NewReaderSize(bud, 64<<10)
	// Strip a UTF-8 byte-order mark (it has been decoded to U+FEFF).
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3)
	}
	head, err := br.Peek(maxHeaderBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, ErrNoHeader
	}
	delim := detectDelimiter(head)
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // we check counts ourselves, to quarantine instead of fail
	cr.ReuseRecord = false
	hdr, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrNoHeader
		}
		if errors.Is(err, ErrRecordTooLong) {
			return nil, fmt.Errorf("%w: header: %w", ErrUnreadable, ErrRecordTooLong)
		}
		return nil, fmt.Errorf("%w: header: %w", ErrUnreadable, err)
	}
	last, _ := cr.FieldPos(len(hdr) - 1)
	// A quoted last name may span lines: each added a '\n' to it.
	lines := last + strings.Count(hdr[len(hdr)-1], "\n")
	for i, h := range hdr {
		hdr[i] = NormaliseHeader(h)
	}
	return &Reader{br: br, csv: cr, header: hdr, delimiter: delim, fields: len(hdr), budget: bud, lastLine: last, line: lines}, nil
}

// NormaliseHeader trims a header name of white space and byte-order marks
// (an export tool may leave one after a space, or before a later column)
// and lower-cases it: header names are case-insensitive in the contracts.
// Normalising a normalised name changes nothing.
func NormaliseHeader(h string) string {
	return strings.ToLower(strings.TrimFunc(h, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' }))
}

// Header returns the normalised header names.
func (r *Reader) Header() []string { return r.header }

// Delimiter returns the detected delimiter.
func (r *Reader) Delimiter() rune { return r.delimiter }

// Read returns the next record, or io.EOF. Blank lines are skipped (the csv
// package does so). A quote error, or a record longer than MaxRecordBytes,
// is fatal and wraps ErrUnreadable: every later Read returns it again.
//
// The Fields of a record are never overwritten by later reads, but they
// may share memory with those of neighbouring records: a caller that keeps
// a few values of a great many records should copy them.
func (r *Reader) Read() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	r.budget.left = MaxRecordBytes
	for {
		if r.pos >= len(r.chunk) && !r.refill() {
			break
		}
		rest := r.chunk[r.pos:]
		n := strings.IndexByte(rest, '\n') + 1 // a chunk ends in '\n'
		if r.pos+n > r.quote {
			break // quoted fields are encoding/csv's
		}
		line := rest[:n]
		r.br.Discard(n) // buffered: the same as encoding/csv's ReadSlice
		r.pos += n
		r.line++
		r.csvBase++
		// encoding/csv turns a final "\r\n" into "\n", then drops the '\n'.
		line = line[:n-1]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if line == "" {
			continue // a blank line
		}
		fields := r.split(line)
		r.lastLine = r.line
		return Record{Line: r.line, Fields: fields, FieldCountErr: len(fields) != r.fields}, nil
	}
	return r.readCSV()
}

// refill copies the whole lines that br has buffered into a new chunk,
// without reading more input. It reports whether there was one.
func (r *Reader) refill() bool {
	b, _ := r.br.Peek(r.br.Buffered())
	i := bytes.LastIndexByte(b, '\n')
	if i < 0 {
		r.chunk, r.pos = "", 0
		return false
	}
	r.chunk, r.pos = string(b[:i+1]), 0
	r.findQuote()
	return true
}

// findQuote finds the next '"' in chunk from pos on.
func (r *Reader) findQuote() {
	r.quote = len(r.chunk)
	if i := strings.IndexByte(r.chunk[r.pos:], '"'); i >= 0 {
		r.quote = r.pos + i
	}
}

// split splits a line without quotes on the delimiter, as encoding/csv
// does, into slots no other record shares.
func (r *Reader) split(line string) []string {
	d := byte(r.delimiter)         // detectDelimiter picks an ASCII byte
	if len(r.slots) <= len(line) { // a line of n bytes has at most n+1 fields
		n := strings.Count(line, string(rune(d))) + 1
		if len(r.slots) < n {
			r.slots = make([]string, max(n, fieldSlots))
		}
	}
	slots := r.slots
	n, start, i := 0, 0, 0
	// Look for the delimiter eight bytes at a time: fields are short.
	spread := uint64(d) * 0x0101010101010101
	for ; i+8 <= len(line); i += 8 {
		for z := zeroBytes(load64(line[i:]) ^ spread); z != 0; z &= z - 1 {
			j := i + bits.TrailingZeros64(z)>>3
			slots[n] = line[start:j]
			n++
			start = j + 1
		}
	}
	for ; i < len(line); i++ {
		if line[i] == d {
			slots[n] = line[start:i]
			n++
			start = i + 1
		}
	}
	slots[n] = line[start:]
	n++
	r.slots = slots[n:]
	return slots[:n:n] // a full slice: an append cannot reach the next record's
}

// load64 reads the first eight bytes of s as a little-endian word (the
// compiler makes it one load).
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// zeroBytes sets the high bit of every byte of the result whose byte in x
// is zero, and no other bit.
func zeroBytes(x uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ^((x&low7 + low7) | x | low7)
}

// readCSV reads the next record with encoding/csv.
func (r *Reader) readCSV() (Record, error) {
	start := r.csv.InputOffset()
	rec, err := r.csv.Read()
	// Keep the chunk while it still covers the input that follows.
	if used := int(r.csv.InputOffset() - start); r.pos+used <= len(r.chunk) {
		r.pos += used
		if r.quote < r.pos {
			r.findQuote()
		}
	} else {
		r.chunk, r.pos = "", 0
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		var pe *csv.ParseError
		switch {
		case errors.Is(err, ErrRecordTooLong):
			r.err = fmt.Errorf("%w: after line %d: %w", ErrUnreadable, r.lastLine, err)
		case errors.As(err, &pe):
			r.err = fmt.Errorf("%w: line %d: %w", ErrUnreadable, pe.StartLine+r.csvBase, pe.Err)
		default:
			r.err = fmt.Errorf("%w: %w", ErrUnreadable, err)
		}
		return Record{}, r.err
	}
	line, _ := r.csv.FieldPos(0)
	last, _ := r.csv.FieldPos(len(rec) - 1)
	r.lastLine = last + r.csvBase
	// The record ends on the line its last field starts on, unless that
	// field is quoted and spans lines: each added a '\n' to it.
	r.line = r.lastLine + strings.Count(rec[len(rec)-1], "\n")
	return Record{Line: line + r.csvBase, Fields: rec, FieldCountErr: len(rec) != r.fields}, nil
}

// budget passes reads through while the record being read is within its
// budget; Reader.Read renews it for every record. Reads run ahead of the
// parser by at most one buffer, so the bound is approximate by that much.
type budget struct {
	r    io.Reader
	left int
}

func (b *budget) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, ErrRecordTooLong
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	return n, err
}

// detectDelimiter picks ';', ',' or tab, whichever occurs most often outside
// quotes in the header line. Dutch Excel writes ';' because ',' is the
// decimal separator.
func detectDelimiter(header []byte) rune {
	counts := map[byte]int{}
	inQuote := false
	for _, c := range header {
		switch {
		case c == '"':
			inQuote = !inQuote
		case !inQuote && (c == ';' || c == ',' || c == '\t'):
			counts[c]++
		}
	}
	best, n := byte(','), 0
	for _, c := range []byte{',', ';', '\t'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return rune(best)
}

// lenientUTF8 passes valid UTF-8 through and decodes every byte that is not
// part of a valid UTF-8 sequence as Windows-1252. Real exports are one or the
// other, and sometimes both where files were pasted together; a
// Windows-1252 text is practically never valid UTF-8 by accident.
type lenientUTF8 struct{ transform.NopResetter }

func (lenientUTF8) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			// Copy the run of ASCII in bulk: most text is nothing else.
			n := asciiRun(src[nSrc:])
			if room := len(dst) - nDst; n > room {
				copy(dst[nDst:], src[nSrc:nSrc+room])
				return nDst + room, nSrc + room, transform.ErrShortDst
			}
			copy(dst[nDst:], src[nSrc:nSrc+n])
			nDst += n
			nSrc += n
			continue
		}
		if !utf8.FullRune(src[nSrc:]) && !atEOF {
			return nDst, nSrc, transform.ErrShortSrc
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size == 1 {
			r = charmap.Windows1252.DecodeByte(c)
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	return nDst, nSrc, nil
}

// asciiRun returns the length of the run of ASCII bytes b starts with,
// testing eight bytes at a time.
func asciiRun(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	return i
}
