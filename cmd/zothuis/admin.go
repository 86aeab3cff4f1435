package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/zothuis/zothuis/config"
	"github.com/zothuis/zothuis/schedules"
)

// The administration endpoints of zothuis serve, on admin_listen.
const (
	adminStatusPath = "/status"
	adminBackupPath = "/backup"
	// adminJobRunPattern is the ServeMux pattern of a trigger;
	// adminJobRunPath builds its path.
	adminJobRunPattern = "POST /jobs/{name}/run"
	// headerDatabase carries the working database the client's
	// configuration names: a daemon of another configuration on the same
	// address answers 421 instead of acting for it.
	headerDatabase = "Zothuis-Database"
	contentJSON    = "application/json"
)

func adminJobRunPath(job string) string {
	return "/jobs/" + url.PathEscape(job) + "/run"
}

// adminReply is the JSON body of every administration answer but the
// status: what happened, or the error.
type adminReply struct {
	Job   string   `json:"job,omitempty"`
	Path  string   `json:"path,omitempty"`
	Error string   `json:"error,omitempty"`
	Jobs  []string `json:"jobs,omitempty"` // the configured jobs, with an unknown one
}

// adminHandler serves the administration endpoints for the pipeline of
// the current generation; none while the schedules switch or stop.
type adminHandler struct {
	cur  atomic.Pointer[pipeline]
	mux  *http.ServeMux
	csrf *http.CrossOriginProtection
	log  *slog.Logger
}

func newAdminHandler(log *slog.Logger) *adminHandler {
	a := &adminHandler{mux: http.NewServeMux(), csrf: http.NewCrossOriginProtection(), log: log}
	a.mux.HandleFunc("GET "+adminStatusPath, a.status)
	a.mux.HandleFunc(adminJobRunPattern, a.runJob)
	a.mux.HandleFunc("POST "+adminBackupPath, a.backup)
	return a
}

// set makes p the pipeline the endpoints act on; nil answers 503.
func (a *adminHandler) set(p *pipeline) { a.cur.Store(p) }

// ServeHTTP answers only requests that come from this host and name it:
// the listener is on loopback, and a Host header other than a loopback
// name means a browser was pointed here by a DNS name that resolves to
// 127.0.0.1 (DNS rebinding). A browser's cross-origin POST is refused
// too (a page may post to 127.0.0.1 without rebinding).
func (a *adminHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !loopbackRemote(r.RemoteAddr) {
		writeAdmin(w, http.StatusForbidden, adminReply{Error: "administration is for this host only"})
		return
	}
	if !loopbackHost(r.Host) {
		writeAdmin(w, http.StatusForbidden, adminReply{Error: "Host must be a loopback address or localhost"})
		return
	}
	if err := a.csrf.Check(r); err != nil {
		writeAdmin(w, http.StatusForbidden, adminReply{Error: err.Error()})
		return
	}
	a.mux.ServeHTTP(w, r)
}

func loopbackRemote(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
	}
	return config.IsLoopbackHost(host)
}

// pipeline returns the current pipeline, or answers 503 or 421 and
// returns nil.
func (a *adminHandler) pipeline(w http.ResponseWriter, r *http.Request) *pipeline {
	p := a.cur.Load()
	if p == nil {
		writeAdmin(w, http.StatusServiceUnavailable, adminReply{Error: "the daemon is starting, reloading or stopping; try again"})
		return nil
	}
	if want := r.Header.Get(headerDatabase); want != "" && !sameFile(want, p.cfg.Paths.Database) {
		writeAdmin(w, http.StatusMisdirectedRequest, adminReply{Error: fmt.Sprintf(
			"this daemon works on %s, not on %s: admin_listen of two configurations is the same address", absPath(p.cfg.Paths.Database), want)})
		return nil
	}
	return p
}

// absPath is path made absolute, or as it is if that fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

func sameFile(a, b string) bool {
	b = absPath(b)
	if a == b {
		return true
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

func (a *adminHandler) status(w http.ResponseWriter, r *http.Request) {
	p := a.pipeline(w, r)
	if p == nil {
		return
	}
	writeAdmin(w, http.StatusOK, p.daemon.Status(r.Context()))
}

// runJob triggers a job, named as in the status (pull:jgz, cycle) or by
// its source's name.
func (a *adminHandler) runJob(w http.ResponseWriter, r *http.Request) {
	p := a.pipeline(w, r)
	if p == nil {
		return
	}
	job := r.PathValue("name")
	jobs := p.daemon.Jobs()
	if !slices.Contains(jobs, job) && slices.Contains(jobs, schedules.PullJob(job)) {
		job = schedules.PullJob(job)
	}
	err := p.daemon.RunNow(job)
	switch {
	case err == nil:
		a.log.Info("job triggered through the administration address", "job", job)
		writeAdmin(w, http.StatusAccepted, adminReply{Job: job})
	case errors.Is(err, schedules.ErrUnknownJob):
		writeAdmin(w, http.StatusNotFound, adminReply{Job: job, Error: err.Error(), Jobs: jobs})
	case errors.Is(err, schedules.ErrJobRunning):
		writeAdmin(w, http.StatusConflict, adminReply{Job: job, Error: err.Error()})
	case errors.Is(err, schedules.ErrNotScheduled):
		writeAdmin(w, http.StatusServiceUnavailable, adminReply{Job: job, Error: err.Error()})
	default:
		writeAdmin(w, http.StatusInternalServerError, adminReply{Job: job, Error: err.Error()})
	}
}

func (a *adminHandler) backup(w http.ResponseWriter, r *http.Request) {
	p := a.pipeline(w, r)
	if p == nil {
		return
	}
	path, err := p.daemon.Backup(r.Context())
	if err != nil {
		a.log.Error("backup through the administration address failed", "err", err)
		writeAdmin(w, http.StatusInternalServerError, adminReply{Error: err.Error()})
		return
	}
	a.log.Info("backup written through the administration address", "path", path)
	writeAdmin(w, http.StatusOK, adminReply{Path: path})
}

func writeAdmin(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", contentJSON)
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// listenAdmin binds cfg's admin_listen; nil, nil when it is empty. It
// refuses an address that is not loopback once bound, whatever the
// configuration check said (a name may resolve elsewhere).
func listenAdmin(cfg *config.Config) (net.Listener, error) {
	if cfg.AdminListen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", cfg.AdminListen)
	if err != nil {
		return nil, fmt.Errorf("admin_listen: %w", err)
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("admin_listen %s: bound to %s, which is not loopback", cfg.AdminListen, ln.Addr())
	}
	return ln, nil
}

// newAdminServer serves h. It has no write timeout: a backup copies the
// whole database before it answers. The client is on this host.
func newAdminServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
}

// The client side, for zothuis status, trigger and backup.

// errAdminOff: the configuration turns the administration address off.
var errAdminOff = errors.New(`admin_listen is "" in the configuration: the daemon has no administration address`)

// noDaemonError means nothing listens at the administration address: no
// daemon runs on this configuration (or it is still starting).
type noDaemonError struct {
	addr string
	err  error
}

func (e *noDaemonError) Error() string {
	return fmt.Sprintf("no daemon answers at %s (admin_listen): is zothuis serve running? (%v)", e.addr, e.err)
}

func (e *noDaemonError) Unwrap() error { return e.err }

// adminError is a daemon's answer with an error status.
type adminError struct {
	Code  int
	Reply adminReply
}

func (e *adminError) Error() string {
	msg := e.Reply.Error
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	return fmt.Sprintf("the daemon answered %d: %s", e.Code, msg)
}

// adminClient does not use a proxy: the daemon is on this host.
var adminClient = &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// adminGet asks the daemon of cfg for path and returns the body.
func adminGet(ctx context.Context, cfg *config.Config, path string) ([]byte, error) {
	return adminDo(ctx, cfg, http.MethodGet, path)
}

// adminPost posts to path at the daemon of cfg and returns the body of a
// successful answer. Errors: errAdminOff, *noDaemonError when nothing
// listens, *adminError when the daemon refuses.
func adminPost(ctx context.Context, cfg *config.Config, path string) ([]byte, error) {
	return adminDo(ctx, cfg, http.MethodPost, path)
}

func adminDo(ctx context.Context, cfg *config.Config, method, path string) ([]byte, error) {
	if cfg.AdminListen == "" {
		return nil, errAdminOff
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+cfg.AdminListen+path, nil)
	if err != nil {
		return nil, err
	}
	// Absolute: the daemon may run in another working directory.
	req.Header.Set(headerDatabase, absPath(cfg.Paths.Database))
	req.Header.Set("Accept", contentJSON)
	resp, err := adminClient.Do(req)
	if errors.Is(err, syscall.ECONNREFUSED) {
		return nil, &noDaemonError{addr: cfg.AdminListen, err: err}
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		e := &adminError{Code: resp.StatusCode}
		if json.Unmarshal(body, &e.Reply) != nil {
			e.Reply.Error = string(bytes.TrimSpace(body))
		}
		return nil, e
	}
	return body, nil
}
