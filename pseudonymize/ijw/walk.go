package ijw

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// MaxZipMembers is the most entries a zip archive may have. Together with
// the per-member MaxMessageSize it bounds the work a zip bomb can cause.
const MaxZipMembers = 100_000

// Walk reads every message of an export and calls fn for each: with the
// Message, or with a *MessageError for a message refused whole (the rest of
// the export goes on).
//
// path is one XML file, a folder or a zip archive (recognised by its content,
// not its extension). A folder is walked recursively in lexical order,
// reading regular files only and skipping hidden files and folders. A zip is
// read in archive order, including members in folders inside it; hidden
// members and macOS "__MACOSX" metadata are skipped. Names passed on are the
// base name of path followed by the slash-separated path inside it, e.g.
// "export.zip/2024/msg1.xml". A file or member inside a folder or zip that is
// not XML at all is reported as a *MessageError "not an XML file"; when path
// itself is such a file, Walk returns a *NotXMLError, refusing the export.
//
// Walk stops and returns the error when fn returns one, and returns ctx's
// error when ctx is done.
func Walk(ctx context.Context, path string, fn func(m *Message, err error) error) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("ijw: %w", err)
	}
	name := filepath.Base(filepath.Clean(path))
	if info.IsDir() {
		return walkDir(ctx, path, name, fn)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("ijw: %w", err)
	}
	defer f.Close()
	if isZip(f) {
		return walkZip(ctx, f, info.Size(), name, fn)
	}
	m, err := ParseMessage(name, ctxReader{ctx, f})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var notXML *NotXMLError
	if errors.As(err, &notXML) {
		return err
	}
	return fn(m, err)
}

// walkDir walks dir in lexical order; name is its name in reported names.
func walkDir(ctx context.Context, dir, name string, fn func(*Message, error) error) error {
	entries, err := os.ReadDir(dir) // sorted by file name
	if err != nil {
		return fmt.Errorf("ijw: %w", err)
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		full := filepath.Join(dir, e.Name())
		memberName := path.Join(name, e.Name())
		switch {
		case e.IsDir():
			if err := walkDir(ctx, full, memberName, fn); err != nil {
				return err
			}
		case e.Type().IsRegular():
			if err := walkFile(ctx, full, memberName, fn); err != nil {
				return err
			}
		}
		// Symlinks, devices and the like are not part of an export.
	}
	return nil
}

func walkFile(ctx context.Context, file, name string, fn func(*Message, error) error) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("ijw: %w", err)
	}
	defer f.Close()
	return parseMember(ctx, name, f, fn)
}

// parseMember parses one message inside a folder or zip and reports it.
func parseMember(ctx context.Context, name string, r io.Reader, fn func(*Message, error) error) error {
	m, err := ParseMessage(name, ctxReader{ctx, r})
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, ErrNotXML) {
		err = &MessageError{Name: name, Reason: reasonNotXMLFile}
	}
	return fn(m, err)
}

// isZip reports whether f starts with a zip signature (a local file header,
// or the end record of an empty archive) and rewinds it.
func isZip(f *os.File) bool {
	defer f.Seek(0, io.SeekStart)
	sig := make([]byte, 4)
	if _, err := io.ReadFull(bufio.NewReader(f), sig); err != nil {
		return false
	}
	s := string(sig)
	return s == "PK\x03\x04" || s == "PK\x05\x06"
}

func walkZip(ctx context.Context, r io.ReaderAt, size int64, name string, fn func(*Message, error) error) error {
	zr, err := zip.NewReader(r, size)
	// ErrInsecurePath only flags names like "../x"; nothing is extracted to
	// disk here, so such archives are read like any other.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return &MessageError{Name: name, Reason: "not a readable zip archive"}
	}
	if len(zr.File) > MaxZipMembers {
		return &MessageError{Name: name, Reason: "zip archive has more than 100000 members"}
	}
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasSuffix(zf.Name, "/") || zf.FileInfo().IsDir() || hiddenMember(zf.Name) {
			continue
		}
		memberName := name + "/" + strings.TrimPrefix(zf.Name, "/")
		// The declared size can lie, so ParseMessage enforces the limit
		// again while reading; this check just avoids inflating the member.
		if zf.UncompressedSize64 > MaxMessageSize {
			if err := fn(nil, &MessageError{Name: memberName, Reason: reasonTooLarge}); err != nil {
				return err
			}
			continue
		}
		if err := walkZipMember(ctx, zf, memberName, fn); err != nil {
			return err
		}
	}
	return nil
}

func walkZipMember(ctx context.Context, zf *zip.File, name string, fn func(*Message, error) error) error {
	rc, err := zf.Open()
	if err != nil {
		return fn(nil, &MessageError{Name: name, Reason: "zip member cannot be read"})
	}
	defer rc.Close()
	return parseMember(ctx, name, rc, fn)
}

// hiddenMember reports whether a zip member is hidden (any path element
// starting with ".") or macOS resource-fork metadata.
func hiddenMember(name string) bool {
	for _, el := range strings.Split(name, "/") {
		if strings.HasPrefix(el, ".") || el == "__MACOSX" {
			return true
		}
	}
	return false
}

// ctxReader fails reads once ctx is done, so a large message does not delay
// cancellation until it has been parsed.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
