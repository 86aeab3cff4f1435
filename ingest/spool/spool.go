// Package spool keeps the folders of pulled deliveries (SPEC §7) under one
// root, per delivery channel (a configured source's name):
//
//	<root>/incoming/<name>/              where a puller writes; the pull job ingests from here
//	<root>/archive/<name>/YYYY/MM/<file> a landed delivery, with <file>.sha256 beside it
//	<root>/rejected/<name>/<file>        a refused delivery, with <file>.reason beside it
//	<root>/state/<name>/                 the puller's own state (ETags, files seen)
//
// The checksum file is in sha256sum format ("<hex>  <file>\n"), so
// `sha256sum -c <file>.sha256` run in its folder checks the archived copy.
// YYYY/MM is the month of archiving in UTC.
//
// Nothing is ever deleted or overwritten: a file whose name is taken in the
// archive or rejected folder gets a distinct name, <stem>_2<ext>, <stem>_3<ext>
// and so on (the extension is kept so the format stays recognisable).
// Folders are created 0750 and files made 0640; a file the pipeline does not
// own keeps its mode (the 0750 folders still keep others out).
package spool

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrBadName marks a channel name that cannot be a single folder name.
var ErrBadName = errors.New("spool: channel name must be one plain folder name")

const (
	// maxCopies bounds the search for a free name; reaching it means
	// something is badly wrong (a loop re-archiving one file).
	maxCopies = 10000
)

// Spool is the folder tree of pulled deliveries under Root.
type Spool struct {
	// Root is the spool folder (config paths.spool).
	Root string
	// Now gives the time of archiving and rejecting; time.Now when nil.
	Now func() time.Time
	// Logger gets warnings that do not stop a move; discarded when nil.
	Logger *slog.Logger
}

// New returns the spool under root.
func New(root string) *Spool {
	return &Spool{Root: root}
}

func (s *Spool) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Spool) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// checkName refuses names that would escape or alias the channel folder.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	return nil
}

// dir returns <root>/<kind>/<name>, created with mode 0750.
func (s *Spool) dir(kind, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	d := filepath.Join(s.Root, kind, name)
	if err := os.MkdirAll(d, DirMode); err != nil {
		return "", fmt.Errorf("spool: %w", err)
	}
	return d, nil
}

// Incoming returns the folder a puller writes channel name's deliveries
// to, creating it if needed.
func (s *Spool) Incoming(name string) (string, error) {
	return s.dir("incoming", name)
}

// StateDir returns the folder for channel name's puller state, creating
// it if needed.
func (s *Spool) StateDir(name string) (string, error) {
	return s.dir("state", name)
}

// Archive moves a landed delivery at path to
// archive/<name>/YYYY/MM/<file> and writes <file>.sha256 beside it. It
// returns the archived path and the file's sha256 in hex.
func (s *Spool) Archive(name, path string) (archived, sum string, err error) {
	if err := checkName(name); err != nil {
		return "", "", err
	}
	t := s.now().UTC()
	dst := filepath.Join(s.Root, "archive", name, t.Format("2006"), t.Format("01"))
	archived, sum, err = s.move(path, dst, ".sha256")
	if err != nil {
		return "", "", fmt.Errorf("spool: archive %s: %w", filepath.Base(path), err)
	}
	line := sum + "  " + filepath.Base(archived) + "\n"
	if err := WriteFile(archived+".sha256", []byte(line)); err != nil {
		return "", "", fmt.Errorf("spool: archive %s: %w", filepath.Base(path), err)
	}
	return archived, sum, nil
}

// Reject moves a refused delivery at path to rejected/<name>/<file> and
// writes <file>.reason beside it: the reason, the time and the file's
// sha256. The reason is written as given, so it must hold no data value.
// Reject returns the new path.
func (s *Spool) Reject(name, path, reason string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	t := s.now().UTC()
	dst := filepath.Join(s.Root, "rejected", name)
	rejected, sum, err := s.move(path, dst, ".reason")
	if err != nil {
		return "", fmt.Errorf("spool: reject %s: %w", filepath.Base(path), err)
	}
	text := fmt.Sprintf("file: %s\nrejected: %s\nsha256: %s\nreason: %s\n",
		filepath.Base(path), t.Format(time.RFC3339), sum, strings.TrimRight(reason, "\n"))
	if err := WriteFile(rejected+".reason", []byte(text)); err != nil {
		return "", fmt.Errorf("spool: reject %s: %w", filepath.Base(path), err)
	}
	return rejected, nil
}

// move moves the regular file src into folder dstDir under its base name,
// or the first free variant of it, and returns the new path and sha256.
// A name counts as taken when it or its sidecar (name+sidecar) exists.
func (s *Spool) move(src, dstDir, sidecar string) (string, string, error) {
	fi, err := os.Lstat(src)
	if err != nil {
		return "", "", err
	}
	if !fi.Mode().IsRegular() {
		return "", "", fmt.Errorf("%s is not a regular file", src)
	}
	sum, err := FileSHA256(src)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dstDir, DirMode); err != nil {
		return "", "", err
	}
	dst, err := MoveInto(src, dstDir, sidecar)
	if err != nil {
		return "", "", err
	}
	return dst, sum, nil
}

// FileSHA256 returns the lowercase hex SHA-256 of the file at path: the
// checksum the archive, the delivery log and the inbox markers use.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
