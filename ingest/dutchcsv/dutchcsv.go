// Package dutchcsv reads CSV files as real Dutch exports come: UTF-8 with or
// without a byte-order mark, or Windows-1252 (also mixed within a file, as
// happens when exports are pasted together), delimited by ',' or ';'
// (detected from the header line), with dates as YYYY-MM-DD or D-M-YYYY.
package dutchcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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
type Reader struct {
	csv       *csv.Reader
	header    []string
	delimiter rune
	fields    int
	budget    *budget
	lastLine  int // the line the last record ended on
}

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
	bud := &budget{r: transform.NewReader(r, lenientUTF8{}), left: MaxRecordBytes}
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
	for i, h := range hdr {
		hdr[i] = NormaliseHeader(h)
	}
	last, _ := cr.FieldPos(len(hdr) - 1)
	return &Reader{csv: cr, header: hdr, delimiter: delim, fields: len(hdr), budget: bud, lastLine: last}, nil
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
// is fatal and wraps ErrUnreadable.
func (r *Reader) Read() (Record, error) {
	r.budget.left = MaxRecordBytes
	rec, err := r.csv.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		if errors.Is(err, ErrRecordTooLong) {
			return Record{}, fmt.Errorf("%w: after line %d: %w", ErrUnreadable, r.lastLine, err)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Record{}, fmt.Errorf("%w: line %d: %w", ErrUnreadable, pe.StartLine, pe.Err)
		}
		return Record{}, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	line, _ := r.csv.FieldPos(0)
	r.lastLine, _ = r.csv.FieldPos(len(rec) - 1)
	return Record{Line: line, Fields: rec, FieldCountErr: len(rec) != r.fields}, nil
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
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
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
