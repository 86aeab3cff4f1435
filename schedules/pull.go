package schedules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	zsql "github.com/zothuis/zothuis/sql"
)

// Puller fetches complete deliveries it has not handed over before.
type Puller interface {
	// Pull moves or downloads each new complete delivery into dir, under
	// its final name only once complete, and returns the paths it wrote.
	Pull(ctx context.Context, dir string) ([]string, error)
}

// Spool keeps pulled files: the incoming folder Pull writes to, the
// archive of landed files and the rejected folder of refused ones.
type Spool interface {
	Incoming(name string) (string, error)
	Archive(name, path string) (archived, sha256 string, err error)
	Reject(name, path, reason string) (string, error)
}

// PullResult is what one pull of a source did.
type PullResult struct {
	Files, Landed, Duplicates, Refused int
	Rows                               int // rows read from landed files: accepted + quarantined
}

// pull fetches the source's new deliveries and lands everything in its
// incoming folder, leftovers of an interrupted run included: a landed
// file goes to the archive, a refused one to the rejected folder with its
// reason. An operational failure (the database, the disk) stops the pull
// and leaves the file in incoming for the next try.
func (d *Daemon) pull(ctx context.Context, src config.Source) (PullResult, error) {
	var res PullResult
	p, ok := d.pullers[src.Name]
	if !ok {
		return res, fmt.Errorf("pull %s: no puller", src.Name)
	}
	c, err := ingest.Source(src.Source)
	if err != nil {
		return res, fmt.Errorf("pull %s: %w", src.Name, err)
	}
	in, err := d.spool.Incoming(src.Name)
	if err != nil {
		return res, fmt.Errorf("pull %s: %w", src.Name, err)
	}
	if _, err := p.Pull(ctx, in); err != nil {
		return res, fmt.Errorf("pull %s: %w", src.Name, err)
	}
	files, err := pending(in)
	if err != nil {
		return res, fmt.Errorf("pull %s: %w", src.Name, err)
	}
	for _, f := range files {
		res.Files++
		r, err := d.ingester.IngestFile(ctx, c, f)
		switch {
		case errors.Is(err, ingest.ErrRefused):
			res.Refused++
			reason := strings.TrimPrefix(err.Error(), "ingest ")
			if _, err := d.db.ExecContext(ctx, zsql.Query("schedules/refusal.sql"),
				src.Source, filepath.Base(f), r.SHA256, d.now(), reason); err != nil {
				return res, fmt.Errorf("pull %s: %w", src.Name, err)
			}
			if _, err := d.spool.Reject(src.Name, f, reason); err != nil {
				return res, fmt.Errorf("pull %s: %w", src.Name, err)
			}
			d.log.Warn("delivery refused", "source", src.Name, "file", filepath.Base(f), "reason", reason)
			continue
		case err != nil:
			return res, fmt.Errorf("pull %s: %w", src.Name, err)
		}
		if r.DuplicateOf != 0 {
			res.Duplicates++
		} else {
			res.Landed++
			res.Rows += r.Rows
		}
		if _, _, err := d.spool.Archive(src.Name, f); err != nil {
			return res, fmt.Errorf("pull %s: %w", src.Name, err)
		}
		d.log.Info("delivery landed", "source", src.Name, "file", r.File, "accepted", r.Accepted,
			"quarantined", r.Quarantined, "duplicate_of", r.DuplicateOf)
	}
	return res, nil
}

// pending lists the complete files in an incoming folder in name order:
// hidden files are a puller's partial downloads.
func pending(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") || strings.HasSuffix(e.Name(), ".part") {
			continue
		}
		files = append(files, filepath.Join(dir, e.Name()))
	}
	slices.Sort(files)
	return files, nil
}
