package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve")
	cfgPath := fs.String("config", "", "configuration `file`")
	listen := fs.String("listen", "", "`address` to serve /metrics, /healthz, /readyz and the dashboard on (default: listen of the config, 127.0.0.1:9617)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"config": *cfgPath}); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
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
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	e.log.Info("serving", "address", ln.Addr().String(), "dashboard", "http://"+ln.Addr().String()+"/")

	if err := p.daemon.Start(ctx); err != nil {
		srv.Close()
		return err
	}
	h.setReady()

	select {
	case <-ctx.Done():
		e.log.Info("stopping: waiting for the jobs under way")
	case err := <-served:
		p.daemon.Stop()
		return fmt.Errorf("serve: %w", err)
	}
	// Jobs under way finish first; the server answers meanwhile, not ready.
	h.setNotReady()
	p.daemon.Stop()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		e.log.Warn("http shutdown", "err", err)
	}
	if err := p.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	e.log.Info("stopped")
	return nil
}
