package httpspull

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const goodToken = "s3cr3t-Token_value"

// server is an httptest TLS server that records the requests it saw.
type server struct {
	*httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got = append(s.got, r.Header.Clone())
		s.mu.Unlock()
		h(w, r)
	}))
	// The untrusted-certificate test makes the server log a handshake error.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *server) headers() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.got...)
}

// caFile writes the server's certificate as PEM, for Options.CAFile.
func caFile(t *testing.T, s *httptest.Server) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func tokenFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// authorized checks the bearer token as a real endpoint would.
func authorized(w http.ResponseWriter, r *http.Request, token string) bool {
	if r.Header.Get("Authorization") != "Bearer "+token {
		http.Error(w, "no", http.StatusUnauthorized)
		return false
	}
	return true
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

func newPuller(t *testing.T, srv *httptest.Server, urlPath, token string) (*Puller, Options) {
	t.Helper()
	c := &clock{t: time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)}
	o := Options{
		URL:       srv.URL + urlPath,
		TokenFile: tokenFile(t, token),
		CAFile:    caFile(t, srv),
		Timeout:   10 * time.Second,
		StateDir:  t.TempDir(),
		Now:       c.now,
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return p, o
}

func pull(t *testing.T, p *Puller, dir string) []string {
	t.Helper()
	got, err := p.Pull(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range got {
		if filepath.Dir(g) != dir {
			t.Errorf("Pull wrote %s outside %s", g, dir)
		}
		names = append(names, filepath.Base(g))
	}
	return names
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPullETag(t *testing.T) {
	body := "bsn_pseudo;datum\nab12;2026-01-01\n"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r, goodToken) {
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Disposition", `attachment; filename="jgz_2026-10.csv"`)
		w.Write([]byte(body))
	})
	p, o := newPuller(t, srv.Server, "/exports/latest", goodToken+"\n")
	dir := t.TempDir()

	if diff := cmp.Diff([]string{"20261123T190001Z_jgz_2026-10.csv"}, pull(t, p, dir)); diff != "" {
		t.Errorf("first pull (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string(nil), pull(t, p, dir)); diff != "" {
		t.Errorf("second pull, 304 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"20261123T190001Z_jgz_2026-10.csv"}, listDir(t, dir)); diff != "" {
		t.Errorf("pull folder (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(filepath.Join(dir, "20261123T190001Z_jgz_2026-10.csv"))
	if err != nil || string(got) != body {
		t.Errorf("downloaded %q, %v; want %q", got, err, body)
	}

	var sent []string
	for _, h := range srv.headers() {
		sent = append(sent, h.Get("Authorization")+" | "+h.Get("If-None-Match"))
	}
	want := []string{"Bearer " + goodToken + " | ", "Bearer " + goodToken + ` | "v1"`}
	if diff := cmp.Diff(want, sent); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}

	b, err := os.ReadFile(filepath.Join(o.StateDir, "https.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	wantSt := state{
		URL:     o.URL,
		ETag:    `"v1"`,
		File:    "20261123T190001Z_jgz_2026-10.csv",
		Fetched: time.Date(2026, 11, 23, 19, 0, 2, 0, time.UTC),
	}
	wantSt.SHA256 = sha256Hex(body)
	if diff := cmp.Diff(wantSt, st); diff != "" {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	if strings.Contains(string(b), goodToken) {
		t.Errorf("state file holds the token")
	}
}

func TestPullLastModified(t *testing.T) {
	var mu sync.Mutex
	version, modified := "v1", time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !authorized(w, r, goodToken) {
			return
		}
		mu.Lock()
		v, m := version, modified
		mu.Unlock()
		if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !m.After(ims) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Last-Modified", m.Format(http.TimeFormat))
		w.Write([]byte("content " + v + "\n"))
	})
	p, _ := newPuller(t, srv.Server, "/verzuim/verzuim.parquet", goodToken)
	dir := t.TempDir()

	steps := []struct {
		name   string
		change bool
		want   []string
	}{
		{name: "first download", want: []string{"20261123T190001Z_verzuim.parquet"}},
		{name: "not modified"},
		{name: "new version", change: true, want: []string{"20261123T190003Z_verzuim.parquet"}},
		{name: "not modified again"},
	}
	for _, s := range steps {
		if s.change {
			mu.Lock()
			version, modified = "v2", modified.Add(24*time.Hour)
			mu.Unlock()
		}
		if diff := cmp.Diff(s.want, pull(t, p, dir)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.name, diff)
		}
	}
	var ims []string
	for _, h := range srv.headers() {
		ims = append(ims, h.Get("If-Modified-Since"))
	}
	want := []string{"", "Sun, 01 Nov 2026 06:00:00 GMT", "Sun, 01 Nov 2026 06:00:00 GMT", "Mon, 02 Nov 2026 06:00:00 GMT"}
	if diff := cmp.Diff(want, ims); diff != "" {
		t.Errorf("If-Modified-Since sent (-want +got):\n%s", diff)
	}
	got, err := os.ReadFile(filepath.Join(dir, "20261123T190003Z_verzuim.parquet"))
	if err != nil || string(got) != "content v2\n" {
		t.Errorf("second download = %q, %v", got, err)
	}
}

// A server without validators sends the same bytes each time; they are
// handed over once.
func TestPullSameBytesOnce(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("same\n"))
	})
	p, _ := newPuller(t, srv.Server, "/toegang.csv", goodToken)
	dir := t.TempDir()
	if got := pull(t, p, dir); len(got) != 1 {
		t.Fatalf("first pull = %v, want one file", got)
	}
	if got := pull(t, p, dir); got != nil {
		t.Errorf("second pull of the same bytes = %v, want nothing", got)
	}
	if n := len(listDir(t, dir)); n != 1 {
		t.Errorf("pull folder holds %d files, want 1 (no temp files left)", n)
	}
}

func TestPullUntrustedCertificate(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) })
	p, err := New(Options{URL: srv.URL + "/x.csv", TokenFile: tokenFile(t, goodToken), StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	_, err = p.Pull(context.Background(), dir)
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) {
		t.Fatalf("Pull without the CA: err = %v, want a certificate verification error", err)
	}
	if !strings.Contains(err.Error(), "https pull "+srv.URL+"/x.csv: tls: failed to verify certificate") {
		t.Errorf("error = %q, want it to name the url and the verification failure", err)
	}
	if n := len(srv.headers()); n != 0 {
		t.Errorf("server saw %d requests over an unverified connection", n)
	}
	if got := listDir(t, dir); got != nil {
		t.Errorf("pull folder = %v, want empty", got)
	}
}

func TestPullBadTokenAndRotation(t *testing.T) {
	var mu sync.Mutex
	accepted := "new-token-2"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tok := accepted
		mu.Unlock()
		if r.URL.Path == "/forbidden.csv" {
			http.Error(w, "no rights", http.StatusForbidden)
			return
		}
		if !authorized(w, r, tok) {
			return
		}
		w.Write([]byte("ok\n"))
	})
	p, o := newPuller(t, srv.Server, "/jzplus.csv", "old-token-1\n")
	dir := t.TempDir()

	_, err := p.Pull(context.Background(), dir)
	want := "https pull " + srv.URL + "/jzplus.csv: the server refused the token (401 Unauthorized); check token_file"
	if err == nil || err.Error() != want {
		t.Fatalf("bad token: err = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrTokenRefused) {
		t.Errorf("bad token: err is not ErrTokenRefused")
	}
	if strings.Contains(err.Error(), "old-token-1") {
		t.Errorf("error holds the token")
	}

	// Rotate the token in the file: the next pull uses it.
	if err := os.WriteFile(o.TokenFile, []byte("new-token-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := pull(t, p, dir); len(got) != 1 {
		t.Errorf("after rotation: pulled %v, want one file", got)
	}

	o.URL = srv.URL + "/forbidden.csv"
	pf, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pf.Pull(context.Background(), dir)
	if !errors.Is(err, ErrTokenRefused) || !strings.Contains(err.Error(), "(403 Forbidden)") {
		t.Errorf("403: err = %v, want the token refused with 403 Forbidden", err)
	}
}

func TestTokenFileErrors(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) })
	tests := []struct {
		name    string
		content string
		wantErr string
	}{
		{"empty", "", "is empty"},
		{"only a newline", "\n", "is empty"},
		{"two lines", "abc\ndef\n", "whitespace or control characters"},
		{"inner space", "abc def", "whitespace or control characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newPuller(t, srv.Server, "/x.csv", tt.content)
			_, err := p.Pull(context.Background(), t.TempDir())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tok := strings.TrimSpace(tt.content); tok != "" && strings.Contains(err.Error(), tok) {
				t.Errorf("error holds the token: %v", err)
			}
		})
	}
	p, _ := newPuller(t, srv.Server, "/x.csv", "tok")
	p.opts.TokenFile = filepath.Join(t.TempDir(), "missing")
	if _, err := p.Pull(context.Background(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "token_file") {
		t.Errorf("missing token file: err = %v, want a token_file error", err)
	}
}

// The token must not follow a redirect to another server (here another
// port on the same host, which Go's client alone would still trust), and a
// redirect to plain http is refused.
func TestPullRedirect(t *testing.T) {
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("elsewhere\n")) })
	var srv *server
	srv = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/file.csv", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/file.csv", http.StatusFound)
		case "/plain":
			http.Redirect(w, r, "http://"+strings.TrimPrefix(other.URL, "https://")+"/file.csv", http.StatusFound)
		default:
			w.Write([]byte("home\n"))
		}
	})

	p, _ := newPuller(t, srv.Server, "/away", goodToken)
	if got := pull(t, p, t.TempDir()); len(got) != 1 {
		t.Fatalf("redirect away: pulled %v, want one file", got)
	}
	for _, h := range other.headers() {
		if h.Get("Authorization") != "" {
			t.Errorf("the other server got an Authorization header")
		}
	}

	p, _ = newPuller(t, srv.Server, "/here", goodToken)
	if got := pull(t, p, t.TempDir()); len(got) != 1 {
		t.Fatalf("redirect on the same server: pulled %v, want one file", got)
	}
	hs := srv.headers()
	if last := hs[len(hs)-1]; last.Get("Authorization") != "Bearer "+goodToken {
		t.Errorf("same-server redirect lost the token")
	}

	p, _ = newPuller(t, srv.Server, "/plain", goodToken)
	_, err := p.Pull(context.Background(), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "refusing a redirect to http://") {
		t.Errorf("redirect to http: err = %v, want it refused", err)
	}
}

// A body cut short never appears in the pull folder.
func TestPullTruncated(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("only a part"))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	p, o := newPuller(t, srv.Server, "/cut.csv", goodToken)
	dir := t.TempDir()
	if _, err := p.Pull(context.Background(), dir); err == nil {
		t.Fatal("Pull of a cut body succeeded")
	}
	if got := listDir(t, dir); got != nil {
		t.Errorf("pull folder = %v, want empty", got)
	}
	if _, err := os.Stat(filepath.Join(o.StateDir, "https.json")); err == nil {
		t.Errorf("state written for a failed download")
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		disposition, path, want string
	}{
		{`attachment; filename="jgz.csv"`, "/x", "jgz.csv"},
		{`attachment; filename="../../etc/.passwd.csv"`, "/x", "passwd.csv"},
		{`attachment; filename="..\\..\\win.csv"`, "/x", "win.csv"},
		{`attachment; filename="a b;c.csv"`, "/x", "a_b_c.csv"},
		{`attachment; filename*=UTF-8''verzuim%20okt.parquet`, "/x", "verzuim_okt.parquet"},
		{`attachment; filename=".."`, "/exports/toegang.arrow", "toegang.arrow"},
		{"", "/exports/toegang.arrow", "toegang.arrow"},
		{"", "/", "delivery"},
		{"", "", "delivery"},
		{"garbage;;", "/d/jz.csv", "jz.csv"},
	}
	for _, tt := range tests {
		u := mustURL(t, "https://example.org"+tt.path)
		if got := fileName(tt.disposition, u); got != tt.want {
			t.Errorf("fileName(%q, %q) = %q, want %q", tt.disposition, tt.path, got, tt.want)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	tok := tokenFile(t, "x")
	notPEM := tokenFile(t, "not a certificate")
	tests := []struct {
		name    string
		o       Options
		wantErr string
	}{
		{"plain http", Options{URL: "http://example.org/x", TokenFile: tok, StateDir: "s"}, "must start with https://"},
		{"no host", Options{URL: "https:///x", TokenFile: tok, StateDir: "s"}, "must start with https://"},
		{"no token file", Options{URL: "https://example.org/x", StateDir: "s"}, "token_file is not set"},
		{"no state", Options{URL: "https://example.org/x", TokenFile: tok}, "no state folder"},
		{"bad ca", Options{URL: "https://example.org/x", TokenFile: tok, StateDir: "s", CAFile: notPEM}, "holds no PEM certificate"},
		{"secret in url", Options{URL: "http://user:pw@example.org/x?key=abc", TokenFile: tok, StateDir: "s"}, "https pull http://example.org/x: "},
	}
	for _, tt := range tests {
		_, err := New(tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// A Client passed in is used for the connection, with this package's
// redirect policy.
func TestPullWithClient(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/plain" {
			http.Redirect(w, r, "http://127.0.0.1:1/x.csv", http.StatusFound)
			return
		}
		w.Write([]byte("x\n"))
	})
	o := Options{URL: srv.URL + "/x.csv", TokenFile: tokenFile(t, goodToken), StateDir: t.TempDir(), Client: srv.Client()}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := pull(t, p, t.TempDir()); len(got) != 1 {
		t.Errorf("pulled %v, want one file", got)
	}
	o.URL = srv.URL + "/plain"
	if p, err = New(o); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Pull(context.Background(), t.TempDir()); err == nil || !strings.Contains(err.Error(), "refusing a redirect") {
		t.Errorf("redirect to http with a given Client: err = %v, want it refused", err)
	}
	if srv.Client().CheckRedirect != nil {
		t.Errorf("New changed the caller's Client")
	}
}
