package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/dashboards"
	"github.com/zothuis/zothuis/ingest/httpspull"
	"github.com/zothuis/zothuis/ingest/inboxpull"
	"github.com/zothuis/zothuis/ingest/sftppull"
	"github.com/zothuis/zothuis/ingest/spool"
	"github.com/zothuis/zothuis/pseudonymize"
	"github.com/zothuis/zothuis/schedules"
	"github.com/zothuis/zothuis/snapshot"
	zsql "github.com/zothuis/zothuis/sql"
)

// pipeline is the working database and the daemon of a configuration,
// as run and serve use them.
type pipeline struct {
	cfg    *config.Config
	db     *sql.DB
	daemon *schedules.Daemon

	closeOnce sync.Once
}

// openPipeline opens the working database of cfg and builds its daemon:
// a puller per source, the spool, and the cycle's publishers.
func openPipeline(ctx context.Context, cfg *config.Config, log *slog.Logger) (*pipeline, error) {
	key, err := researchKey(cfg)
	if err != nil {
		return nil, err
	}
	db, err := zsql.OpenWith(ctx, cfg.Paths.Database, zsql.Options{Log: log, BackupDir: backupDir(cfg)})
	if err != nil {
		return nil, err
	}
	p, err := newPipeline(cfg, db, key, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	return p, nil
}

// researchKey loads the research key file that cfg names.
func researchKey(cfg *config.Config) ([]byte, error) {
	if cfg.ResearchKeyFile == "" {
		return nil, fmt.Errorf("research_key_file is not set in the configuration")
	}
	key, err := pseudonymize.LoadKey(cfg.ResearchKeyFile)
	if err != nil {
		return nil, fmt.Errorf("research_key_file: %w", err)
	}
	return key, nil
}

// newPipeline builds the daemon of cfg on an open working database: a
// puller per source, the spool, and the cycle's publishers. serve's
// reload builds the next one the same way.
func newPipeline(cfg *config.Config, db *sql.DB, key []byte, log *slog.Logger) (*pipeline, error) {
	sp := spool.New(cfg.Paths.Spool)
	pullers := map[string]schedules.Puller{}
	for _, s := range cfg.Sources {
		state, err := sp.StateDir(s.Name)
		if err != nil {
			return nil, err
		}
		p, err := newPuller(s, state, log)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", s.Name, err)
		}
		pullers[s.Name] = p
	}
	d, err := schedules.New(cfg, schedules.Options{
		DB:          db,
		ResearchKey: key,
		Pullers:     pullers,
		Spool:       sp,
		Publish:     publishers(cfg, log),
		Log:         log,
	})
	if err != nil {
		return nil, err
	}
	return &pipeline{cfg: cfg, db: db, daemon: d}, nil
}

// Close closes the working database; a second call does nothing.
func (p *pipeline) Close() error {
	var err error
	p.closeOnce.Do(func() { err = p.db.Close() })
	return err
}

// newPuller makes the puller a source's configuration names.
func newPuller(s config.Source, stateDir string, log *slog.Logger) (schedules.Puller, error) {
	switch {
	case s.Inbox != nil:
		return inboxpull.New(inboxpull.Options{Dir: s.Inbox.Dir, Settle: s.Inbox.Settle, RequireMarker: s.Inbox.RequireMarker, Logger: log}), nil
	case s.HTTPS != nil:
		return httpspull.New(httpspull.Options{URL: s.HTTPS.URL, TokenFile: s.HTTPS.TokenFile, CAFile: s.HTTPS.CAFile,
			Timeout: s.HTTPS.Timeout, StateDir: stateDir, Logger: log})
	case s.SFTP != nil:
		return sftppull.New(sftppull.Options{Address: s.SFTP.Address, User: s.SFTP.User, KeyFile: s.SFTP.KeyFile,
			KnownHostsFile: s.SFTP.KnownHostsFile, Dir: s.SFTP.Dir, Timeout: s.SFTP.Timeout, StateDir: stateDir, Logger: log})
	}
	return nil, fmt.Errorf("no puller configured")
}

// publishers are the cycle's steps after the KPI history: the research
// snapshot and the dashboard.
func publishers(cfg *config.Config, log *slog.Logger) []schedules.Publisher {
	return []schedules.Publisher{
		func(ctx context.Context, db *sql.DB, month time.Time) error {
			_, err := snapshot.Publish(ctx, db, filepath.Join(cfg.Paths.Out, "research"), snapshot.Options{KeepMonths: cfg.Snapshot.KeepMonths, CodeVersion: buildVersion(), Log: log})
			return err
		},
		// The dashboard of the report month and the 11 before it, so the
		// archive is complete after every cycle; none without KPIs.
		func(ctx context.Context, db *sql.DB, month time.Time) error {
			if month.IsZero() {
				return nil
			}
			_, err := dashboards.Build(ctx, db, cfg, dashboards.Options{OutDir: cfg.Paths.Out, Month: month, Months: 12})
			return err
		},
	}
}
