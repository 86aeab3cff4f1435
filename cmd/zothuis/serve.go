package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/ingest"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve")
	cfgPath := fs.String("config", "", "configuration `file`; SIGHUP reads it and the key files again")
	listen := fs.String("listen", "", "`address` to serve /metrics, /healthz, /readyz and the dashboard on (default: listen of the config, 127.0.0.1:9617)")
	if err := parseArgs(fs, args, map[string]*string{"config": cfgPath}); err != nil {
		return err
	}
	// SIGHUP is a reload from here on, never the end of the process; one
	// that comes during start-up waits in the channel.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	p, err := openPipeline(ctx, cfg, e.log)
	if err != nil {
		return err
	}
	defer p.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	h, err := newServer(p, e.log)
	if err != nil {
		ln.Close()
		return err
	}
	// Without the administration address the jobs still run: a taken
	// port (another daemon on this host) must not stop the pipeline.
	// zothuis status then reaches no daemon and says so; a daemon of
	// another configuration on that port refuses to answer for this one.
	adminLn, err := listenAdmin(cfg)
	if err != nil {
		e.log.Error("no administration address: zothuis status and trigger cannot reach this daemon", "err", err)
	}
	admin := newAdminHandler(e.log)
	var adminSrv *http.Server
	adminServed := make(chan error, 1)
	if adminLn != nil {
		adminSrv = newAdminServer(admin)
		go func() { adminServed <- adminSrv.Serve(adminLn) }()
		e.log.Info("administration on loopback", "address", adminLn.Addr().String())
	}
	cur := &generation{p: p, h: h}
	var handler swapHandler
	handler.Store(h)
	srv := &http.Server{
		Handler:           &handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	e.log.Info("serving", "address", ln.Addr().String(), "dashboard", "http://"+ln.Addr().String()+"/", "version", buildVersion())

	if err := cur.start(ctx); err != nil {
		srv.Close()
		closeServer(adminSrv)
		return err
	}
	// Only a started daemon takes triggers: its jobs are scheduled.
	admin.set(cur.p)

	var failed error // a write to the working database failed
serving:
	for {
		select {
		case <-ctx.Done():
			break serving
		case <-cur.p.daemon.DatabaseFailed():
			// DuckDB's instance is not to be written again: exit non-zero
			// for the supervisor to start a new process.
			failed = cur.p.daemon.Ready()
			e.log.Error("stopping: the working database cannot be written", "err", failed)
			break serving
		case err := <-served:
			admin.set(nil)
			cur.stop()
			closeServer(adminSrv)
			return fmt.Errorf("serve: %w", err)
		case err := <-adminServed:
			admin.set(nil)
			cur.stop()
			srv.Close()
			return fmt.Errorf("serve: administration: %w", err)
		case <-hup:
			next, err := prepareReload(ctx, e.log, *cfgPath, *listen, cur.p)
			if err != nil {
				e.log.Error("reload refused: still running on the previous configuration", "config", *cfgPath, "err", err)
				continue
			}
			// No trigger while the schedules switch: the stopped
			// daemon would run it outside any schedule.
			admin.set(nil)
			if cur, err = switchTo(ctx, e.log, cur, next, &handler); err != nil {
				srv.Close()
				closeServer(adminSrv)
				return err
			}
			if ctx.Err() == nil { // else stopping: the schedules stay stopped
				admin.set(cur.p)
			}
		}
	}
	e.log.Info("stopping: waiting for the jobs under way")
	// Jobs under way finish first; the server answers meanwhile, not ready.
	cur.h.setNotReady()
	admin.set(nil)
	cur.stop()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.log.Warn("http shutdown", "err", err)
	}
	if adminSrv != nil {
		if err := adminSrv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Warn("administration shutdown", "err", err)
		}
	}
	if err := p.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	if failed != nil {
		return fmt.Errorf("serve: %w", failed)
	}
	e.log.Info("stopped")
	return nil
}

// generation is what a reload replaces: the configuration, the daemon on
// its schedules and the HTTP handler, whose metrics follow the
// configuration. Every generation shares the database, the listener and
// the log of the first; only the first pipeline is ever closed.
type generation struct {
	p      *pipeline
	h      *server
	cancel context.CancelFunc // ends the daemon's waits between retries
}

// start starts the daemon's schedules and makes the handler ready.
func (g *generation) start(ctx context.Context) error {
	gctx, cancel := context.WithCancel(ctx)
	if err := g.p.daemon.Start(gctx); err != nil {
		cancel()
		return err
	}
	g.cancel = cancel
	g.h.setReady()
	return nil
}

// stop stops the schedules and waits for the jobs under way. A job
// waiting to be retried gives up: it runs again at its next schedule.
func (g *generation) stop() {
	if g.cancel != nil {
		g.cancel()
	}
	g.p.daemon.Stop()
}

// closeServer closes srv, if there is one.
func closeServer(srv *http.Server) {
	if srv != nil {
		srv.Close()
	}
}

// swapHandler serves the handler of the current generation.
type swapHandler struct{ atomic.Pointer[server] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Load().ServeHTTP(w, r)
}

// prepareReload reads the configuration file at path again and builds a
// generation of it on cur's database, starting nothing. It refuses what
// check-config would refuse (an invalid file; a key, token or inbox that
// is missing, short or open to others) and a research key other than the
// database's. What cannot change while serving keeps its running value.
func prepareReload(ctx context.Context, log *slog.Logger, path, listen string, cur *pipeline) (*generation, error) {
	log.Info("reloading the configuration and key files", "config", path)
	cfg, err := loadConfig(path)
	if err != nil {
		return nil, err
	}
	if listen != "" {
		cfg.Listen = listen
	}
	if problems := checkFiles(cfg); len(problems) > 0 {
		return nil, fmt.Errorf("the files it names have problems: %s", strings.Join(problems, "; "))
	}
	keepFixed(log, cur.cfg, cfg)
	key, err := researchKey(cfg)
	if err != nil {
		return nil, err
	}
	// Landing under another key would give every youth a second
	// research id; ingest would refuse each delivery, so refuse now.
	if err := ingest.CheckResearchKey(ctx, cur.db, key); err != nil {
		return nil, err
	}
	p, err := newPipeline(cfg, cur.db, key, log)
	if err != nil {
		return nil, err
	}
	h, err := newServer(p, log)
	if err != nil {
		return nil, err
	}
	return &generation{p: p, h: h}, nil
}

// keepFixed gives next the running values of what a reload cannot change,
// saying so: the socket is bound, the database open and locked, and the
// spool holds files fetched but not landed yet. They change at a restart.
func keepFixed(log *slog.Logger, cur, next *config.Config) {
	keep := func(key, running string, v *string) {
		if *v != running {
			log.Warn("reload: "+key+" cannot change while serving; keeping the running value until a restart",
				"running", running, "configured", *v)
			*v = running
		}
	}
	keep("listen", cur.Listen, &next.Listen)
	keep("admin_listen", cur.AdminListen, &next.AdminListen)
	keep("paths.database", cur.Paths.Database, &next.Paths.Database)
	keep("paths.spool", cur.Paths.Spool, &next.Paths.Spool)
}

// switchTo stops cur's schedules, waiting for the jobs under way, and
// starts next's. If next's do not start, cur's start again; only when
// neither does is there an error, and serve exits for its supervisor.
func switchTo(ctx context.Context, log *slog.Logger, cur, next *generation, handler *swapHandler) (*generation, error) {
	log.Info("reload: stopping the schedules; jobs under way finish first")
	cur.stop()
	if ctx.Err() != nil {
		return cur, nil // stopping: serve's loop ends next
	}
	if err := next.start(ctx); err != nil {
		log.Error("reload failed: the new schedules did not start; restarting the previous ones", "err", err)
		if err := cur.start(ctx); err != nil {
			return nil, fmt.Errorf("reload: neither the new nor the previous schedules start: %w", err)
		}
		return cur, nil
	}
	handler.Store(next.h)
	log.Info("configuration reloaded", "changed", changedKeys(cur.p.cfg, next.p.cfg),
		"sources", len(next.p.cfg.Sources), "regions", len(next.p.cfg.Regions))
	return next, nil
}

// changedKeys lists the top-level keys of the configuration whose values
// differ, for the log line of a reload.
func changedKeys(a, b *config.Config) []string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	var keys []string
	for i := range va.NumField() {
		f := va.Type().Field(i)
		if f.IsExported() && !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" {
				name = f.Name
			}
			keys = append(keys, name)
		}
	}
	return keys
}
