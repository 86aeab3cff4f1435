package ingest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxArrowMetadata bounds the schema metadata of an Arrow IPC delivery; a
// contract's schema takes a few kilobytes.
const maxArrowMetadata = 1 << 20

// maxArrowFields bounds the fields (nested ones included) of a schema.
const maxArrowFields = 10000

// checkArrowSchema checks the metadata of an Arrow IPC file (its footer
// and every message its blocks point at) or stream (every message) before
// arrow-go reads it. arrow-go trusts the vector lengths a FlatBuffers
// buffer declares and allocates them at once: a 700-byte file claiming a
// billion fields, or a record batch claiming four billion field nodes
// (found by FuzzReadRows), makes it allocate tens or hundreds of
// gigabytes, and the process dies with a fatal out-of-memory error that
// no recover can catch. A valid buffer holds every vector it declares, so
// a length that does not fit is refused.
func checkArrowSchema(f *os.File, isFile bool) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if isFile {
		// ... <footer> <int32 footer length> "ARROW1"
		var tail [10]byte
		if size < int64(len(tail))+8 {
			return errors.New("arrow file: too short")
		}
		if _, err := f.ReadAt(tail[:], size-int64(len(tail))); err != nil {
			return fmt.Errorf("arrow file: %w", err)
		}
		n := int64(int32(binary.LittleEndian.Uint32(tail[:4])))
		if n <= 0 || n > maxArrowMetadata || n > size-int64(len(tail))-8 {
			return fmt.Errorf("arrow file: footer of %d bytes", n)
		}
		buf := make([]byte, n)
		if _, err := f.ReadAt(buf, size-int64(len(tail))-n); err != nil {
			return fmt.Errorf("arrow file: %w", err)
		}
		c := &fbCheck{b: buf}
		root := c.ref(0)
		var blocks [][2]int             // start and count of the Block vectors
		for _, i := range []int{2, 3} { // dictionaries, recordBatches: Block structs
			start, n := c.vector(root, i, 24)
			blocks = append(blocks, [2]int{start, n})
		}
		c.vector(root, 4, 4) // custom_metadata
		if s := c.slot(root, 1); s != 0 {
			c.schema(c.ref(s))
		}
		if c.err != nil {
			return fmt.Errorf("arrow file: corrupt footer: %w", c.err)
		}
		// Each block: offset int64, metaDataLength int32, padding,
		// bodyLength int64; its message is read as a stream's is.
		for _, bl := range blocks {
			for i := 0; i < bl[1]; i++ {
				off := int64(binary.LittleEndian.Uint64(buf[bl[0]+24*i:]))
				if off < 0 || off >= size {
					return fmt.Errorf("arrow file: a block at offset %d of %d bytes", off, size)
				}
				if _, _, err := checkArrowMessage(f, off, size); err != nil {
					return fmt.Errorf("arrow file: %w", err)
				}
			}
		}
		return nil
	}
	// A stream: messages one after the other, each followed by its body,
	// up to an end marker or the end of the file.
	for off := int64(0); off < size; {
		next, end, err := checkArrowMessage(f, off, size)
		if err != nil {
			return fmt.Errorf("arrow stream: %w", err)
		}
		if end {
			break
		}
		off = next
	}
	return nil
}

// checkArrowMessage checks the message at off of an Arrow IPC file of
// size bytes: <0xFFFFFFFF> <int32 length> <Message>, or before Arrow 0.15
// the length alone, then the message body. It returns where the next
// message starts, or end at an end marker (length 0).
func checkArrowMessage(f *os.File, off, size int64) (next int64, end bool, err error) {
	var head [8]byte
	if _, err := f.ReadAt(head[:], off); err != nil && !errors.Is(err, io.EOF) {
		return 0, false, err
	}
	n, meta := int64(int32(binary.LittleEndian.Uint32(head[:4]))), off+4
	if n == -1 {
		n, meta = int64(int32(binary.LittleEndian.Uint32(head[4:]))), off+8
	}
	if n == 0 {
		return 0, true, nil
	}
	if n < 0 || n > maxArrowMetadata || n > size-meta {
		return 0, false, fmt.Errorf("a message of %d bytes at offset %d", n, off)
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, meta); err != nil {
		return 0, false, err
	}
	// Only the vector lengths of a batch's metadata can make arrow-go
	// allocate what the file does not hold; a bad offset there makes it
	// panic, which openArrow turns into a refusal. So the check stops
	// quietly at a bad offset, and at a body it cannot place (arrow-go's
	// message reader bounds that by the file's size), and ends the walk:
	// arrow-go cannot read past that message either. A schema is checked
	// whole, as before.
	c := &fbCheck{b: buf, vectorsOnly: true}
	body, schema := c.message(c.ref(0))
	switch {
	case c.err != nil && schema:
		return 0, false, fmt.Errorf("corrupt schema message: %w", c.err)
	case c.err != nil:
		return 0, false, fmt.Errorf("corrupt message at offset %d: %w", off, c.err)
	case c.stopped || body < 0 || body > size-meta-n:
		return 0, true, nil
	}
	return meta + n + body, false, nil
}

// fbCheck reads a FlatBuffers buffer with every offset bounds-checked; the
// first problem sticks in err and makes every later read return 0.
type fbCheck struct {
	b      []byte
	err    error
	fields int
	// vectorsOnly makes an offset outside the buffer stop the check
	// (stopped) instead of failing it; a vector too long for the buffer
	// always fails it.
	vectorsOnly, stopped bool
}

func (c *fbCheck) failf(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

func (c *fbCheck) in(p, n int) bool {
	if c.err != nil || c.stopped {
		return false
	}
	if p < 0 || p > len(c.b)-n {
		if c.vectorsOnly {
			c.stopped = true
		} else {
			c.failf("offset %d outside %d bytes", p, len(c.b))
		}
		return false
	}
	return true
}

func (c *fbCheck) u8(p int) int {
	if !c.in(p, 1) {
		return 0
	}
	return int(c.b[p])
}

func (c *fbCheck) u16(p int) int {
	if !c.in(p, 2) {
		return 0
	}
	return int(binary.LittleEndian.Uint16(c.b[p:]))
}

func (c *fbCheck) u32(p int) int {
	if !c.in(p, 4) {
		return 0
	}
	return int(binary.LittleEndian.Uint32(c.b[p:]))
}

// ref follows the unsigned offset stored at p.
func (c *fbCheck) ref(p int) int { return p + c.u32(p) }

// slot returns the position of field i of the table at t, or 0 when the
// field is absent.
func (c *fbCheck) slot(t, i int) int {
	if !c.in(t, 4) {
		return 0
	}
	vt := t - int(int32(binary.LittleEndian.Uint32(c.b[t:])))
	// As the FlatBuffers runtime reads it: slot i is present when its
	// entry starts inside the vtable's declared size.
	if 4+2*i >= c.u16(vt) {
		return 0
	}
	o := c.u16(vt + 4 + 2*i)
	if o == 0 {
		return 0
	}
	return t + o
}

// vector checks the vector in field i of table t, of elements of elem
// bytes, and returns where its elements start and how many there are.
func (c *fbCheck) vector(t, i, elem int) (start, n int) {
	p := c.slot(t, i)
	if p == 0 || c.err != nil || c.stopped {
		return 0, 0
	}
	v := c.ref(p)
	n = c.u32(v)
	if c.stopped {
		return 0, 0
	}
	if c.err == nil && n > (len(c.b)-v-4)/elem {
		c.failf("a vector of %d entries in %d bytes", n, len(c.b))
		return 0, 0
	}
	return v + 4, n
}

// message checks a Message table (custom_metadata, and its header: a
// Schema, checked whole, a RecordBatch, or a DictionaryBatch's
// RecordBatch) and returns its bodyLength and whether it is a schema.
func (c *fbCheck) message(t int) (body int64, schema bool) {
	typ := 0
	if p := c.slot(t, 1); p != 0 {
		typ = c.u8(p)
	}
	if typ == 1 {
		c.vectorsOnly = false
	}
	c.vector(t, 4, 4) // custom_metadata
	if h := c.slot(t, 2); h != 0 {
		switch hdr := c.ref(h); typ {
		case 1: // Schema
			c.schema(hdr)
		case 2: // DictionaryBatch: id, data (a RecordBatch), isDelta
			if d := c.slot(hdr, 1); d != 0 {
				c.recordBatch(c.ref(d))
			}
		case 3: // RecordBatch
			c.recordBatch(hdr)
		}
	}
	if p := c.slot(t, 3); p != 0 && c.in(p, 8) {
		body = int64(binary.LittleEndian.Uint64(c.b[p:]))
	}
	return body, typ == 1
}

// recordBatch checks a RecordBatch table: nodes and buffers (16-byte
// structs), variadicBufferCounts (int64s).
func (c *fbCheck) recordBatch(t int) {
	c.vector(t, 1, 16)
	c.vector(t, 2, 16)
	c.vector(t, 4, 8)
}

// schema checks a Schema table: fields, custom_metadata, features.
func (c *fbCheck) schema(t int) {
	c.vector(t, 2, 4) // custom_metadata
	c.vector(t, 3, 8) // features
	start, n := c.vector(t, 1, 4)
	for i := 0; i < n && c.err == nil; i++ {
		c.field(c.ref(start+4*i), 1)
	}
}

// field checks a Field table and its children: custom_metadata, children,
// with bounds on depth and on the fields visited (children may share
// tables, which would make the walk exponential).
func (c *fbCheck) field(t, depth int) {
	c.fields++
	if depth > 64 || c.fields > maxArrowFields {
		c.failf("more than %d fields or nested deeper than 64", maxArrowFields)
		return
	}
	c.vector(t, 6, 4) // custom_metadata
	start, n := c.vector(t, 5, 4)
	for i := 0; i < n && c.err == nil; i++ {
		c.field(c.ref(start+4*i), depth+1)
	}
}
