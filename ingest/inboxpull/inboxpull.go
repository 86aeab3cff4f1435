// Package inboxpull pulls deliveries from a local or mounted inbox folder
// (SPEC §7). A file counts only once it is complete: its name does not end
// in .part (or .filepart, WinSCP's upload suffix), and either a marker
// says so (<name>.done, or <name>.sha256 holding its checksum, which must
// match) or it has stopped changing for Settle and its end is the end of
// a whole file (a CSV ends in a newline, a Parquet or Arrow file in its
// closing magic). A writer that pauses mid-line is thus not taken for
// done. Pull moves complete files out of the inbox into the pull job's
// folder, checks the file it took is the one it judged complete, and puts
// it back otherwise; it never deletes a delivery, only its markers.
package inboxpull

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zothuis/zothuis/ingest/spool"
)

// DefaultSettle is used when Options.Settle is zero.
const DefaultSettle = time.Minute

const fileMode = 0o640

// Options configure a Puller.
type Options struct {
	// Dir is the inbox folder. Subfolders are not looked into.
	Dir string
	// Settle is how long a file's size and modification time must have
	// stayed the same before it counts as complete; DefaultSettle when 0.
	// A file with a marker does not wait for it.
	Settle time.Duration
	// RequireMarker takes a file only once its marker (<name>.done or
	// <name>.sha256) is there: for sources that cannot write under a
	// temporary name and rename, and may pause longer than Settle.
	RequireMarker bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger gets notes on files passed over (symbolic links); discarded
	// when nil.
	Logger *slog.Logger
}

// Puller moves complete deliveries out of an inbox folder. It is safe for
// concurrent use, though one pull job calls it at a time.
type Puller struct {
	opts Options

	mu sync.Mutex
	// seen is what the previous looks saw of each file still waiting.
	seen map[string]look
	// warned holds names already logged as passed over, to log each once.
	warned map[string]bool
	// told holds the looks of files already logged as not taken yet.
	told map[toldKey]bool
	// afterMove, when set, is called after a file is moved into the pull
	// folder, before it is checked; for tests.
	afterMove func(dst string)
}

type toldKey struct {
	name  string
	size  int64
	mtime time.Time
}

// look is one file's size and modification time and when Pull first saw
// them unchanged.
type look struct {
	size  int64
	mtime time.Time
	since time.Time
}

// New returns a Puller for the inbox in o.Dir.
func New(o Options) *Puller {
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Puller{opts: o, seen: map[string]look{}, warned: map[string]bool{}, told: map[toldKey]bool{}}
}

// Markers a source may write beside a delivery once it is complete:
// <name>.done (empty), or <name>.sha256 holding the file's SHA-256 in hex
// (the first field, as sha256sum writes it), which is checked.
const (
	DoneMarker   = ".done"
	SHA256Marker = ".sha256"
)

// Skipped reports whether a file name is never a delivery: hidden files
// (a leading "."; rsync and many tools write to those first), Office
// lock files (~$…), uploads still in progress (*.part, *.filepart) and
// markers (*.done, *.sha256).
func Skipped(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") ||
		strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".filepart") ||
		strings.HasSuffix(name, DoneMarker) || strings.HasSuffix(name, SHA256Marker)
}

// Pull moves every complete delivery in the inbox into dir and returns
// the paths it wrote there, sorted. A file is complete when Skipped is
// false, its size and modification time have not changed since the
// previous Pull saw it, and either it has a marker (a .sha256 one must
// match), or, without one and unless RequireMarker is set, its
// modification time or the first Pull that saw it so is at least Settle
// ago (the latter covers a mounted share whose clock runs ahead) and its
// last bytes end a whole file (see Truncated). A file that changes while
// it is taken is put back. Pull moves by rename, or across filesystems by
// copying to a hidden name in dir, syncing, renaming and only then removing
// the inbox file. A name already taken in dir gets a suffix (_2, _3…).
// Pull tries every file and returns the paths written even when it also
// returns an error.
func (p *Puller) Pull(ctx context.Context, dir string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	entries, err := os.ReadDir(p.opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("inbox pull %s: %w", p.opts.Dir, err)
	}
	now := p.opts.Now()
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	present := map[string]bool{}
	var ready []candidate
	for _, e := range entries {
		name := e.Name()
		if Skipped(name) || e.IsDir() {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 || !e.Type().IsRegular() {
			if !p.warned[name] {
				p.warned[name] = true
				p.opts.Logger.Warn("inbox pull: passing over a file that is not a regular file (symbolic links are not followed)",
					"inbox", p.opts.Dir, "file", name)
			}
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // gone since the listing
		}
		if err != nil {
			return nil, fmt.Errorf("inbox pull %s: %w", p.opts.Dir, err)
		}
		present[name] = true
		cur := look{size: fi.Size(), mtime: fi.ModTime(), since: now}
		prev, ok := p.seen[name]
		if ok && prev.size == cur.size && prev.mtime.Equal(cur.mtime) {
			cur.since = prev.since
		} else {
			p.seen[name] = cur
			if ok {
				continue // changed since the previous look: still being written
			}
		}
		c := candidate{name: name, look: cur, marker: marker(names, name)}
		if c.marker == "" {
			if p.opts.RequireMarker {
				p.waiting(name, cur, "no marker yet (the inbox requires "+name+DoneMarker+" or "+name+SHA256Marker+")")
				continue
			}
			if now.Sub(cur.mtime) < p.opts.Settle && now.Sub(cur.since) < p.opts.Settle {
				continue
			}
		}
		why, err := p.incomplete(filepath.Join(p.opts.Dir, name), c)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("inbox pull %s: %w", p.opts.Dir, err)
		}
		if why != "" {
			p.waiting(name, cur, why)
			continue
		}
		ready = append(ready, c)
	}
	for name := range p.seen {
		if !present[name] {
			delete(p.seen, name)
		}
	}
	for name := range p.warned {
		if _, err := os.Lstat(filepath.Join(p.opts.Dir, name)); err != nil {
			delete(p.warned, name)
		}
	}

	for key := range p.told {
		if !present[key.name] {
			delete(p.told, key)
		}
	}

	slices.SortFunc(ready, func(a, b candidate) int { return strings.Compare(a.name, b.name) })
	var written []string
	var errs []error
	for _, c := range ready {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		dst, err := p.take(c, dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("inbox pull %s: move %s: %w", p.opts.Dir, c.name, err))
			continue
		}
		delete(p.seen, c.name)
		if dst != "" {
			written = append(written, dst)
		}
	}
	return written, errors.Join(errs...)
}

// candidate is a file judged complete: how it looked, and its marker's
// suffix ("" for none).
type candidate struct {
	name   string
	look   look
	marker string
}

// marker returns the suffix of name's marker among names, "" for none;
// the checksum marker first, as it says more.
func marker(names map[string]bool, name string) string {
	for _, m := range []string{SHA256Marker, DoneMarker} {
		if names[name+m] {
			return m
		}
	}
	return ""
}

// waiting logs once per look of a file why it is not taken yet.
func (p *Puller) waiting(name string, l look, why string) {
	key := toldKey{name: name, size: l.size, mtime: l.mtime}
	if p.told[key] {
		return
	}
	p.told[key] = true
	p.opts.Logger.Warn("inbox pull: file not taken yet: "+why, "inbox", p.opts.Dir, "file", name, "size", l.size)
}

// incomplete returns why the file at path (in the inbox, or where it was
// taken to) is not complete yet, "" when it is: its checksum marker in
// the inbox does not match, or (no marker) its last bytes are not the end
// of a whole file.
func (p *Puller) incomplete(path string, c candidate) (string, error) {
	switch c.marker {
	case DoneMarker:
		return "", nil
	case SHA256Marker:
		want, err := readSum(filepath.Join(p.opts.Dir, c.name+SHA256Marker))
		if err != nil {
			return "", err
		}
		got, err := spool.FileSHA256(path)
		if err != nil {
			return "", err
		}
		if got != want {
			return "its SHA-256 is not the one in " + c.name + SHA256Marker + " (still being written?)", nil
		}
		return "", nil
	}
	return Truncated(path)
}

// Truncated returns why a file without a marker looks cut off, "" when
// its end is the end of a whole file: a Parquet file ends in PAR1, an
// Arrow file in ARROW1 and an Arrow stream in its end-of-stream marker, a
// CSV in a newline (a file cut mid-line would land its last row cut). A
// file ingest refuses anyway (gzip, zip, UTF-16) is not held back.
func Truncated(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if fi.Size() == 0 {
		return "it is empty", nil
	}
	head := make([]byte, min(8, fi.Size()))
	if _, err := io.ReadFull(f, head); err != nil {
		return "", err
	}
	tail := make([]byte, min(8, fi.Size()))
	if _, err := f.ReadAt(tail, fi.Size()-int64(len(tail))); err != nil {
		return "", err
	}
	var end []byte
	switch {
	case bytes.HasPrefix(head, []byte("PAR1")):
		end = []byte("PAR1")
	case bytes.HasPrefix(head, []byte("ARROW1")):
		end = []byte("ARROW1")
	case bytes.HasPrefix(head, []byte{0xff, 0xff, 0xff, 0xff}):
		end = []byte{0, 0, 0, 0} // the end-of-stream length, with or without the continuation before it
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}), bytes.HasPrefix(head, []byte("PK\x03\x04")),
		bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return "", nil
	default:
		if tail[len(tail)-1] != '\n' {
			return "it does not end in a newline (cut mid-line?); end the file with a newline, or write a marker", nil
		}
		return "", nil
	}
	if !bytes.HasSuffix(tail, end) {
		return fmt.Sprintf("it does not end in %q (cut off?)", end), nil
	}
	return "", nil
}

// take moves the candidate into dir and checks that what it moved is
// what it judged complete: the same size (and modification time, when
// moved by rename), still complete, still matching its checksum. A file
// written to meanwhile goes back into the inbox, to be judged again, and
// take returns "". Once taken, its markers are removed.
func (p *Puller) take(c candidate, dir string) (string, error) {
	src := filepath.Join(p.opts.Dir, c.name)
	before, err := os.Lstat(src)
	if err != nil {
		return "", err
	}
	if before.Size() != c.look.size || !before.ModTime().Equal(c.look.mtime) {
		p.opts.Logger.Warn("inbox pull: file changed after it was judged complete; looking again next pull", "inbox", p.opts.Dir, "file", c.name)
		return "", nil
	}
	dst, err := spool.MoveInto(src, dir, "")
	if err != nil {
		return "", err
	}
	if p.afterMove != nil {
		p.afterMove(dst)
	}
	why, err := p.changed(dst, before, c)
	if err != nil || why != "" {
		// A writer still had it open: its later bytes follow a rename.
		back, berr := spool.MoveInto(dst, p.opts.Dir, "")
		if berr != nil {
			return "", fmt.Errorf("took %s, which %s, and could not put it back: %w", filepath.Base(dst), why, errors.Join(err, berr))
		}
		p.opts.Logger.Warn("inbox pull: file changed while it was taken; put back, looking again next pull",
			"inbox", p.opts.Dir, "file", filepath.Base(back), "why", why, "err", err)
		return "", nil
	}
	for _, m := range []string{SHA256Marker, DoneMarker} {
		if err := os.Remove(src + m); err != nil && !errors.Is(err, fs.ErrNotExist) {
			// A stale marker would vouch for the next file of that name.
			p.opts.Logger.Error("inbox pull: cannot remove a marker; remove it by hand", "inbox", p.opts.Dir, "marker", c.name+m, "err", err)
		}
	}
	return dst, nil
}

// changed returns how the taken file dst differs from the file before
// that was judged complete, "" when it does not.
func (p *Puller) changed(dst string, before fs.FileInfo, c candidate) (string, error) {
	after, err := os.Stat(dst)
	if err != nil {
		return "", err
	}
	if after.Size() != c.look.size {
		return fmt.Sprintf("went from %d to %d bytes", c.look.size, after.Size()), nil
	}
	// A copy across filesystems has a new modification time.
	if os.SameFile(before, after) && !after.ModTime().Equal(c.look.mtime) {
		return "was modified", nil
	}
	return p.incomplete(dst, c)
}

// readSum reads the SHA-256 a checksum marker holds: its first field.
func readSum(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "", nil // an empty marker matches nothing: still being written
	}
	return strings.ToLower(f[0]), nil
}
