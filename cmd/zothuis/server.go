package main

import (
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zothuis/zothuis/metrics/prom"
)

// server answers the daemon's HTTP requests: /metrics, /healthz, /readyz
// and the dashboard's files, nothing else.
type server struct {
	mux       *http.ServeMux
	ready     atomic.Bool
	dashboard string // folder of the dashboard files
}

func newServer(p *pipeline, log *slog.Logger) (*server, error) {
	s := &server{mux: http.NewServeMux(), dashboard: filepath.Join(p.cfg.Paths.Out, "dashboard")}
	reg, err := p.serveRegistry(log)
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /metrics", prom.Handler(reg))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		if err := p.daemon.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		if err := p.db.PingContext(r.Context()); err != nil {
			http.Error(w, "database not reachable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	s.mux.HandleFunc("GET /", s.serveDashboard)
	return s, nil
}

func (s *server) setReady()    { s.ready.Store(true) }
func (s *server) setNotReady() { s.ready.Store(false) }

// contentSecurityPolicy lets the dashboard load only its own files: no
// other host, no form, no frame.
const contentSecurityPolicy = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

// serveDashboard serves a file of the dashboard folder. os.Root keeps
// every open inside the folder, symbolic links included; a folder is
// served as its index.html and never listed.
func (s *server) serveDashboard(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
	root, err := os.OpenRoot(s.dashboard)
	if err != nil {
		http.Error(w, "the dashboard is not published yet", http.StatusNotFound)
		return
	}
	defer root.Close()
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "."
	}
	fsys := root.FS()
	fi, err := fs.Stat(fsys, name)
	if err == nil && fi.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			http.Redirect(w, r, path.Base(r.URL.Path)+"/", http.StatusMovedPermanently)
			return
		}
		name = path.Join(name, "index.html")
		fi, err = fs.Stat(fsys, name)
	}
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	f, err := fsys.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.Error(w, "cannot serve", http.StatusInternalServerError)
		return
	}
	http.ServeContent(w, r, name, fi.ModTime().Truncate(time.Second), rs)
}
