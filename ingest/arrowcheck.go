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

// checkArrowSchema checks the schema metadata of an Arrow IPC file (its
// footer) or stream (its first message) before arrow-go reads it. arrow-go
// trusts the vector lengths a FlatBuffers buffer declares and allocates
// them at once: a 700-byte file claiming a billion fields makes it
// allocate hundreds of gigabytes, and the process dies with a fatal
// out-of-memory error that no recover can catch. A valid buffer holds
// every vector it declares, so a length that does not fit is refused.
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
		c.vector(root, 2, 24) // dictionaries: Block structs
		c.vector(root, 3, 24) // recordBatches
		c.vector(root, 4, 4)  // custom_metadata
		if s := c.slot(root, 1); s != 0 {
			c.schema(c.ref(s))
		}
		if c.err != nil {
			return fmt.Errorf("arrow file: corrupt footer: %w", c.err)
		}
		return nil
	}
	// <0xFFFFFFFF> <int32 length> <Message>, or before Arrow 0.15 the
	// length alone.
	var head [8]byte
	if _, err := f.ReadAt(head[:], 0); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("arrow stream: %w", err)
	}
	n, off := int64(int32(binary.LittleEndian.Uint32(head[:4]))), int64(4)
	if n == -1 {
		n, off = int64(int32(binary.LittleEndian.Uint32(head[4:]))), 8
	}
	if n <= 0 || n > maxArrowMetadata || n > size-off {
		return fmt.Errorf("arrow stream: first message of %d bytes", n)
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, off); err != nil {
		return fmt.Errorf("arrow stream: %w", err)
	}
	c := &fbCheck{b: buf}
	root := c.ref(0)
	c.vector(root, 4, 4) // custom_metadata
	if t := c.slot(root, 1); t != 0 && c.u8(t) == 1 {
		if h := c.slot(root, 2); h != 0 {
			c.schema(c.ref(h))
		}
	}
	if c.err != nil {
		return fmt.Errorf("arrow stream: corrupt schema message: %w", c.err)
	}
	return nil
}

// fbCheck reads a FlatBuffers buffer with every offset bounds-checked; the
// first problem sticks in err and makes every later read return 0.
type fbCheck struct {
	b      []byte
	err    error
	fields int
}

func (c *fbCheck) failf(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf(format, args...)
	}
}

func (c *fbCheck) in(p, n int) bool {
	if c.err != nil {
		return false
	}
	if p < 0 || p > len(c.b)-n {
		c.failf("offset %d outside %d bytes", p, len(c.b))
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
	if p == 0 || c.err != nil {
		return 0, 0
	}
	v := c.ref(p)
	n = c.u32(v)
	if c.err == nil && n > (len(c.b)-v-4)/elem {
		c.failf("a vector of %d entries in %d bytes", n, len(c.b))
		return 0, 0
	}
	return v + 4, n
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
