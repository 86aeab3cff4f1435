// Package inboxpull pulls deliveries from a local or mounted inbox folder
// (SPEC §7). A file counts only once it is complete: its name does not end
// in .part (or .filepart, WinSCP's upload suffix) and it has stopped
// changing. Pull moves complete files out of the inbox into the pull
// job's folder; it never deletes a delivery.
package inboxpull

import (
	"context"
	"errors"
	"fmt"
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
	Settle time.Duration
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
	return &Puller{opts: o, seen: map[string]look{}, warned: map[string]bool{}}
}

// Skipped reports whether a file name is never a delivery: hidden files
// (a leading "."; rsync and many tools write to those first), Office
// lock files (~$…), and uploads still in progress (*.part, *.filepart).
func Skipped(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") ||
		strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".filepart")
}

// Pull moves every complete delivery in the inbox into dir and returns
// the paths it wrote there, sorted. A file is complete when Skipped is
// false and its size and modification time have not changed since the
// previous Pull saw it, and either its modification time or the first Pull
// that saw it so is at least Settle ago (the latter covers a mounted share
// whose clock runs ahead). Pull moves by rename, or across filesystems by
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
	present := map[string]bool{}
	var ready []string
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
		if now.Sub(cur.mtime) >= p.opts.Settle || now.Sub(cur.since) >= p.opts.Settle {
			ready = append(ready, name)
		}
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

	slices.Sort(ready)
	var written []string
	var errs []error
	for _, name := range ready {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		dst, err := spool.MoveInto(filepath.Join(p.opts.Dir, name), dir, "")
		if err != nil {
			errs = append(errs, fmt.Errorf("inbox pull %s: move %s: %w", p.opts.Dir, name, err))
			continue
		}
		delete(p.seen, name)
		written = append(written, dst)
	}
	return written, errors.Join(errs...)
}
