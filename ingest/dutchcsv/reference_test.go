package dutchcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// refReader is the reader as it was before the fast path: every record
// through encoding/csv, every byte through refLenientUTF8. The
// differential tests and the benchmark hold the Reader to it.
type refReader struct {
	csv      *csv.Reader
	header   []string
	fields   int
	budget   *budget
	lastLine int
}

func newRefReader(r io.Reader) (*refReader, error) {
	bud := &budget{r: transform.NewReader(r, refLenientUTF8{}), left: MaxRecordBytes}
	br := bufio.NewReaderSize(bud, 64<<10)
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
	cr.FieldsPerRecord = -1
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
	return &refReader{csv: cr, header: hdr, fields: len(hdr), budget: bud, lastLine: last}, nil
}

func (r *refReader) Read() (Record, error) {
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

// refLenientUTF8 is lenientUTF8 as it was: byte by byte.
type refLenientUTF8 struct{ transform.NopResetter }

func (refLenientUTF8) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
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
