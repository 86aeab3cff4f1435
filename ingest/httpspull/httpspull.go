// Package httpspull pulls a delivery from an HTTPS endpoint (SPEC §7) with
// a conditional GET: it sends a bearer token read from a file at every
// pull, and the ETag and Last-Modified of the last download as
// If-None-Match and If-Modified-Since, so an unchanged delivery costs a 304.
//
// TLS is always verified (the system roots, or the PEM certificates in a CA
// file), at TLS 1.2 or later. Only https URLs are accepted; a redirect to
// plain http is refused, and the token is not sent along a redirect to
// another host or port.
//
// The state of the last download is kept in <StateDir>/https.json:
//
//	{"url": "...", "etag": "...", "last_modified": "...",
//	 "file": "<name written>", "sha256": "<hex>", "fetched": "<RFC 3339>"}
//
// It is written atomically and only after the delivery is complete in the
// pull folder, so a crash in between hands the delivery over again rather
// than never.
package httpspull

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/zothuis/zothuis/ingest/pulltimeout"
	"github.com/zothuis/zothuis/ingest/spool"
)

// ErrTokenRefused marks a 401 or 403 answer: the token is wrong, expired or
// lacks rights.
var ErrTokenRefused = errors.New("the server refused the token")

const (
	stateFile = "https.json"
	fileMode  = 0o640
	dirMode   = 0o750
)

// Options configure a Puller.
type Options struct {
	// URL is the delivery's https URL.
	URL string
	// TokenFile holds the bearer token; it is read at every pull, so a
	// rotated token takes effect at the next pull. One trailing newline is
	// ignored.
	TokenFile string
	// CAFile, when set, holds the PEM certificates to trust instead of the
	// system roots.
	CAFile string
	// Timeout bounds one pull, the download included; none when 0. Its
	// expiry is a *pulltimeout.Error.
	Timeout time.Duration
	// StateDir holds the state of the last download.
	StateDir string
	// Client, when set, is used instead of one built from CAFile (its
	// redirect policy is replaced by this package's); for tests.
	Client *http.Client
	// Now stamps the names of downloaded files; time.Now when nil.
	Now func() time.Time
	// Logger gets a note per pull; discarded when nil.
	Logger *slog.Logger
}

// Puller downloads a delivery from one URL when it has changed.
type Puller struct {
	opts   Options
	url    *url.URL
	client *http.Client
}

// state is the last successful download, persisted as JSON.
type state struct {
	URL          string    `json:"url"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	File         string    `json:"file,omitempty"`
	SHA256       string    `json:"sha256,omitempty"`
	Fetched      time.Time `json:"fetched"`
}

// New checks o and returns a Puller. It reads CAFile once; the token file
// is read at each Pull.
func New(o Options) (*Puller, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("https pull: url: %w", err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("https pull %s: the url must start with https:// and name a host", redact(u))
	}
	if o.TokenFile == "" {
		return nil, fmt.Errorf("https pull %s: token_file is not set", redact(u))
	}
	if o.StateDir == "" {
		return nil, fmt.Errorf("https pull %s: no state folder", redact(u))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Puller{opts: o, url: u}
	var c http.Client
	if o.Client != nil {
		c = *o.Client
	} else {
		tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, fmt.Errorf("https pull %s: ca_file: %w", redact(u), err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("https pull %s: ca_file %s holds no PEM certificate", redact(u), o.CAFile)
			}
			tlsConf.RootCAs = pool
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = tlsConf
		c.Transport = tr
	}
	c.CheckRedirect = checkRedirect
	p.client = &c
	return p, nil
}

// checkRedirect refuses a redirect to anything but https and drops the
// token on a redirect to another host or port. (Go's client itself drops
// it only for another host name, not another port.)
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Scheme != "https" {
		return fmt.Errorf("refusing a redirect to %s", redact(req.URL))
	}
	if req.URL.Host != via[0].URL.Host {
		req.Header.Del("Authorization")
	}
	return nil
}

// redact shows a URL without user info or query, which could hold secrets.
func redact(u *url.URL) string {
	v := *u
	v.User = nil
	v.RawQuery = ""
	v.ForceQuery = false
	v.Fragment = ""
	return v.String()
}

// Pull downloads the delivery into dir if it changed since the last
// download and returns the path written, or nothing on 304 Not Modified. A
// 200 answer whose body is byte-identical to the last download is not
// handed over again. The file is named <UTC time>_<name>, name taken from
// the Content-Disposition filename or else the URL's last path segment,
// and appears in dir only once complete.
func (p *Puller) Pull(ctx context.Context, dir string) ([]string, error) {
	where := redact(p.url)
	ctx, cancel := pulltimeout.WithTimeout(ctx, p.opts.Timeout, "https.timeout")
	defer cancel()
	token, err := readToken(p.opts.TokenFile)
	if err != nil {
		return nil, fmt.Errorf("https pull %s: %w", where, err)
	}
	st, err := p.loadState()
	if err != nil {
		return nil, fmt.Errorf("https pull %s: %w", where, err)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("https pull %s: %w", where, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		// A *url.Error repeats the full URL, query included; keep its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("https pull %s: %w", where, pulltimeout.Of(ctx, err))
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified:
		p.opts.Logger.Info("https pull: not modified", "url", where)
		return nil, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("https pull %s: %w (%s); check token_file", where, ErrTokenRefused, resp.Status)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("https pull %s: unexpected answer %s", where, resp.Status)
	}

	name := p.opts.Now().UTC().Format("20060102T150405Z") + "_" + fileName(resp.Header.Get("Content-Disposition"), p.url)
	tmp, sum, err := download(resp, dir, name)
	if err != nil {
		return nil, fmt.Errorf("https pull %s: download: %w", where, pulltimeout.Of(ctx, err))
	}
	defer os.Remove(tmp) // a no-op once renamed

	next := state{
		URL:          p.url.String(),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		SHA256:       sum,
		Fetched:      p.opts.Now().UTC(),
	}
	if st.URL == next.URL && st.SHA256 == sum {
		// The server ignored the conditions but sent the same bytes.
		next.File = st.File
		if err := p.saveState(next); err != nil {
			return nil, fmt.Errorf("https pull %s: %w", where, err)
		}
		p.opts.Logger.Info("https pull: unchanged content", "url", where, "sha256", sum)
		return nil, nil
	}
	final, err := spool.Place(tmp, dir, name)
	if err != nil {
		return nil, fmt.Errorf("https pull %s: %w", where, err)
	}
	next.File = filepath.Base(final)
	if err := p.saveState(next); err != nil {
		// The file is handed over; without the state the next pull
		// downloads it again, which ingest recognises by its checksum.
		return []string{final}, fmt.Errorf("https pull %s: %w", where, err)
	}
	p.opts.Logger.Info("https pull: downloaded", "url", where, "file", next.File, "sha256", sum)
	return []string{final}, nil
}

// readToken reads the bearer token, without ever putting it in an error.
func readToken(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("token_file: %w", err)
	}
	t := strings.TrimSuffix(string(b), "\n")
	t = strings.TrimSuffix(t, "\r")
	if t == "" {
		return "", fmt.Errorf("token_file %s is empty", file)
	}
	for _, r := range t {
		if r <= ' ' || r == 0x7f {
			return "", fmt.Errorf("token_file %s holds whitespace or control characters; it must hold only the token", file)
		}
	}
	return t, nil
}

// fileName picks the base name for a download: the Content-Disposition
// filename if usable, else the URL's last path segment, else "delivery".
func fileName(disposition string, u *url.URL) string {
	if disposition != "" {
		if _, params, err := mime.ParseMediaType(disposition); err == nil {
			if n := sanitise(params["filename"]); n != "" {
				return n
			}
		}
	}
	if n := sanitise(path.Base(u.Path)); n != "" {
		return n
	}
	return "delivery"
}

// sanitise keeps the base name only, drops leading dots and replaces
// characters other than letters, digits, '.', '-' and '_' with '_'.
func sanitise(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	name = strings.TrimLeft(name, ".")
	if name == "" || name == "/" {
		return ""
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 200 {
		s = s[len(s)-200:]
	}
	return s
}

// download streams the body to a hidden temp file in dir, synced, and
// returns its path and sha256.
func download(resp *http.Response, dir, name string) (string, string, error) {
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", "", err
	}
	fail := func(err error) (string, string, error) {
		f.Close()
		os.Remove(f.Name())
		return "", "", err
	}
	if err := f.Chmod(fileMode); err != nil {
		return fail(err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), resp.Body)
	if err != nil {
		return fail(err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fail(fmt.Errorf("got %d bytes, the server announced %d", n, resp.ContentLength))
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", "", err
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), nil
}

func (p *Puller) loadState() (state, error) {
	var st state
	b, err := os.ReadFile(filepath.Join(p.opts.StateDir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("state %s: %w", filepath.Join(p.opts.StateDir, stateFile), err)
	}
	if st.URL != p.url.String() {
		return state{}, nil // the url changed: the old validators mean nothing
	}
	return st, nil
}

// saveState writes the state atomically (spool.WriteFile).
func (p *Puller) saveState(st state) error {
	if err := os.MkdirAll(p.opts.StateDir, dirMode); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if err := spool.WriteFile(filepath.Join(p.opts.StateDir, stateFile), append(b, '\n')); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}
