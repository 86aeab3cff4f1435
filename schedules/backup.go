package schedules

import (
	"context"

	zsql "github.com/zothuis/zothuis/sql"
)

// Backup writes a consistent copy of the working database into the
// configured backups folder and returns its path. It holds the writer
// lock, so the copy is the state between two jobs; a job that comes
// meanwhile waits for it, as for any other writer.
func (d *Daemon) Backup(ctx context.Context) (string, error) {
	dir := d.cfg.Paths.Backups
	if dir == "" {
		dir = zsql.BackupDir(d.cfg.Paths.Database)
	}
	d.writer.Lock()
	defer d.writer.Unlock()
	path, err := zsql.Backup(ctx, d.db, dir, d.now())
	if err != nil {
		d.log.Error("backup failed", "err", err)
		return "", err
	}
	d.log.Info("backup written", "path", path)
	return path, nil
}
