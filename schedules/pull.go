package schedules

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/ingest/contract"
	zsql "github.com/zothuis/zothuis/sql"
)

//go:embed sql/refusal.sql
var refusalSQL string

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
//
// The download runs without the writer lock, so that a slow or hanging
// server holds up no other job, and ctx (cancelled by SIGTERM) reaches
// it. The lock is taken only to land; a file being landed when ctx ends
// lands whole (its transaction is short and a cut one is retried anyway),
// the rest wait in incoming.
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
	res, err = d.land(ctx, src, c, in)
	if err != nil {
		return res, fmt.Errorf("pull %s: %w", src.Name, err)
	}
	return res, nil
}

// land ingests the files waiting in the incoming folder in under the
// writer lock, with DuckDB's memory set for loading (zsql.Loading). It
// lists them under the lock too, so that two pulls of one source never
// land the same file.
func (d *Daemon) land(ctx context.Context, src config.Source, c *contract.Contract, in string) (PullResult, error) {
	var res PullResult
	d.writer.Lock()
	defer d.writer.Unlock()
	files, err := pending(in)
	if err != nil {
		return res, err
	}
	if len(files) == 0 {
		return res, nil
	}
	// Setting the memory ignores ctx as landing does: the files are
	// checked against ctx one by one in landFiles.
	err = zsql.Loading(context.WithoutCancel(ctx), d.db, func(l zsql.Load) error {
		var err error
		res, err = d.landFiles(ctx, l, src, c, files)
		return err
	})
	return res, err
}

// landFiles ingests files under the writer lock, as land says.
func (d *Daemon) landFiles(ctx context.Context, l zsql.Load, src config.Source, c *contract.Contract, files []string) (PullResult, error) {
	var res PullResult
	wctx := context.WithoutCancel(ctx)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("%d files left in incoming: %w", len(files)-res.Files, err)
		}
		res.Files++
		r, roomier, err := zsql.Land(wctx, l, func() (ingest.Result, error) {
			return d.ingester.IngestFile(wctx, c, f)
		})
		if roomier {
			d.log.Warn("delivery ran out of memory for loading and was tried again with the queries' cap",
				"source", src.Name, "file", filepath.Base(f), "loading", zsql.LoadingMemoryLimit, "queries", zsql.MemoryLimit)
		}
		switch {
		case errors.Is(err, ingest.ErrRefused):
			res.Refused++
			// The refusal itself, without the layers that name the file:
			// the file name has its own column and is the rejected file's.
			reason := err.Error()
			var refused *ingest.RefusedError
			if errors.As(err, &refused) {
				reason = refused.Error()
			}
			if _, err := d.db.ExecContext(wctx, refusalSQL,
				src.Source, filepath.Base(f), r.SHA256, d.now(), reason); err != nil {
				return res, err
			}
			if _, err := d.spool.Reject(src.Name, f, reason); err != nil {
				return res, err
			}
			d.log.Warn("delivery refused", "source", src.Name, "file", filepath.Base(f), "reason", reason)
			continue
		case err != nil:
			return res, err
		}
		if r.DuplicateOf != 0 {
			res.Duplicates++
		} else {
			res.Landed++
			res.Rows += r.Rows
		}
		if _, _, err := d.spool.Archive(src.Name, f); err != nil {
			return res, err
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
