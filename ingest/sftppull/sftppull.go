// Package sftppull pulls deliveries from a folder on an SFTP server (SPEC
// §7). It logs in with a private key read from a file and accepts the
// server only if its host key is the one in a known_hosts file. It lists
// the remote folder, passes over hidden files, subfolders and uploads in
// progress (*.part, *.filepart), waits until a file has stopped changing,
// and downloads each file it has not handed over before; a download that
// does not end a whole file (inboxpull.Truncated: a CSV cut mid-line) is
// dropped until the remote file changes. It never deletes
// or changes anything on the server.
//
// What was handed over is kept in <StateDir>/sftp.json:
//
//	{"address": "host:port", "dir": "outbox",
//	 "files": {"<remote name>": {"size": N, "mtime": "<RFC 3339>",
//	                             "sha256": "<hex>", "fetched": "<RFC 3339>"}}}
//
// A remote file counts as new when its name is not there or its size or
// modification time differ (a replaced delivery). The state is written
// atomically after each file is complete in the pull folder, so a crash in
// between hands that file over again rather than never.
package sftppull

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/zothuis/zothuis/ingest/inboxpull"
	"github.com/zothuis/zothuis/ingest/pulltimeout"
	"github.com/zothuis/zothuis/ingest/spool"
)

// Sentinel errors callers can match.
var (
	// ErrHostKeyMismatch: the server showed a key other than the one in
	// known_hosts_file.
	ErrHostKeyMismatch = errors.New("host key mismatch: the server's key is not the one in known_hosts_file (possible man-in-the-middle)")
	// ErrUnknownHost: known_hosts_file has no key for the server.
	ErrUnknownHost = errors.New("host not in known_hosts_file")
	// ErrAuth: the server did not accept the key in key_file.
	ErrAuth = errors.New("the server refused the key in key_file")
)

// DefaultSettle is used when Options.Settle is zero.
const DefaultSettle = time.Minute

const (
	stateFile = "sftp.json"
	fileMode  = 0o640
	dirMode   = 0o750
)

// Options configure a Puller.
type Options struct {
	// Address is the server's host:port.
	Address string
	User    string
	// KeyFile holds the private key, OpenSSH or PEM, unencrypted; it is
	// read at each pull.
	KeyFile string
	// KnownHostsFile holds the server's host key, in OpenSSH known_hosts
	// format; it is read at each pull.
	KnownHostsFile string
	// Dir is the remote folder, relative to the login folder or absolute.
	Dir string
	// Timeout bounds one pull, downloads included; none when 0. Its
	// expiry is a *pulltimeout.Error.
	Timeout time.Duration
	// StateDir holds what was handed over.
	StateDir string
	// Settle is how long a remote file's size and modification time must
	// have stayed the same before it counts as complete; DefaultSettle
	// when 0.
	Settle time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger gets a note per download and per file passed over;
	// discarded when nil.
	Logger *slog.Logger
}

// Puller downloads new complete files from one remote folder.
type Puller struct {
	opts  Options
	where string

	mu sync.Mutex
	// seen is what previous listings saw of files still waiting.
	seen map[string]look
	// cut holds the remote files downloaded and found cut off (a writer
	// that paused longer than Settle), not to be downloaded again until
	// they change.
	cut map[string]look
}

// look is one remote file's size and modification time and when a
// listing first saw them so.
type look struct {
	size  int64
	mtime time.Time
	since time.Time
}

// state is what was handed over, persisted as JSON.
type state struct {
	Address string                `json:"address"`
	Dir     string                `json:"dir"`
	Files   map[string]handedOver `json:"files"`
}

type handedOver struct {
	Size    int64     `json:"size"`
	MTime   time.Time `json:"mtime"`
	SHA256  string    `json:"sha256"`
	Fetched time.Time `json:"fetched"`
}

// New checks o and returns a Puller. It checks that the key and
// known_hosts files can be used, but opens no connection.
func New(o Options) (*Puller, error) {
	where := "sftp pull " + o.Address
	if _, _, err := net.SplitHostPort(o.Address); err != nil {
		return nil, fmt.Errorf("%s: address must be host:port: %w", where, err)
	}
	switch {
	case o.User == "":
		return nil, fmt.Errorf("%s: no user", where)
	case o.KeyFile == "":
		return nil, fmt.Errorf("%s: key_file is not set", where)
	case o.KnownHostsFile == "":
		return nil, fmt.Errorf("%s: known_hosts_file is not set", where)
	case o.Dir == "":
		return nil, fmt.Errorf("%s: no remote folder", where)
	case o.StateDir == "":
		return nil, fmt.Errorf("%s: no state folder", where)
	}
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Puller{opts: o, where: where, seen: map[string]look{}, cut: map[string]look{}}
	if _, err := p.clientConfig(); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return p, nil
}

// clientConfig reads the key and known_hosts files.
func (p *Puller) clientConfig() (*ssh.ClientConfig, error) {
	signer, err := readKey(p.opts.KeyFile)
	if err != nil {
		return nil, err
	}
	check, err := knownhosts.New(p.opts.KnownHostsFile)
	if err != nil {
		return nil, fmt.Errorf("known_hosts_file: %w", err)
	}
	algos, err := hostKeyAlgorithms(check, p.opts.Address)
	if err != nil {
		return nil, err
	}
	return &ssh.ClientConfig{
		User: p.opts.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: func(host string, remote net.Addr, key ssh.PublicKey) error {
			return hostKeyError(check(host, remote, key))
		},
		// Ask only for the key types known_hosts holds, so a server with
		// several keys is not failed for showing another, equally good one.
		HostKeyAlgorithms: algos,
		// x/crypto tells a refused key only in its message text: decide
		// here, where the methods tried and allowed are known.
		AuthCallback: func(c *ssh.ClientAuthContext) (ssh.AuthMethod, error) {
			if slices.Contains(c.TriedMethods, "publickey") || !slices.Contains(c.AllowedMethods, "publickey") {
				return nil, &authError{user: p.opts.User, allowed: c.AllowedMethods}
			}
			return nil, nil // the key in Auth
		},
	}, nil
}

// authError is a login the server refused: the key was tried and
// refused, or the server does not take keys. It matches ErrAuth.
type authError struct {
	user    string
	allowed []string // the methods the server still allows
}

func (e *authError) Error() string {
	allowed := strings.Join(e.allowed, ", ")
	if allowed == "" {
		allowed = "no method"
	}
	return fmt.Sprintf("%v (user %q): the server allows %s", ErrAuth, e.user, allowed)
}

func (e *authError) Unwrap() error { return ErrAuth }

func readKey(file string) (ssh.Signer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("key_file: %w", err)
	}
	s, err := ssh.ParsePrivateKey(b)
	var pm *ssh.PassphraseMissingError
	if errors.As(err, &pm) {
		return nil, fmt.Errorf("key_file %s is protected by a passphrase; use an unencrypted key and protect it by file permissions", file)
	}
	if err != nil {
		return nil, fmt.Errorf("key_file %s is not an OpenSSH or PEM private key: %w", file, err)
	}
	return s, nil
}

// hostKeyError turns the known_hosts verdict into this package's errors.
func hostKeyError(err error) error {
	var ke *knownhosts.KeyError
	if errors.As(err, &ke) {
		if len(ke.Want) == 0 {
			return ErrUnknownHost
		}
		return ErrHostKeyMismatch
	}
	var re *knownhosts.RevokedError
	if errors.As(err, &re) {
		return fmt.Errorf("the server's host key is marked @revoked in known_hosts_file")
	}
	return err
}

// hostKeyAlgorithms lists the host key algorithms known_hosts allows for
// address. It asks the checker about a fresh random key, which cannot be
// known: the answer lists the keys that are. No key at all is
// ErrUnknownHost, found before connecting.
func hostKeyAlgorithms(check ssh.HostKeyCallback, address string) ([]string, error) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	probe, err := ssh.NewPublicKey(pub)
	if err != nil {
		return nil, err
	}
	err = check(address, &net.TCPAddr{IP: net.IPv4zero}, probe)
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) {
		return nil, hostKeyError(err)
	}
	if len(ke.Want) == 0 {
		return nil, ErrUnknownHost
	}
	var algos []string
	for _, k := range ke.Want {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			algos = append(algos, t)
		}
	}
	slices.Sort(algos)
	return slices.Compact(algos), nil
}

// Pull connects, lists the remote folder and downloads into dir each
// complete file not handed over before, returning the paths written. A
// file is complete when its size and modification time have not changed
// since the previous listing, and either its modification time or the
// first listing that saw it so is at least Settle ago. A file lands in dir
// under its remote name (or name_2.ext... if taken) only once complete.
// Pull returns the paths written even when it also returns an error.
func (p *Puller) Pull(ctx context.Context, dir string) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ctx, cancel := pulltimeout.WithTimeout(ctx, p.opts.Timeout, "sftp.timeout")
	defer cancel()
	st, err := p.loadState()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.where, err)
	}
	client, closeAll, err := p.connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.where, err)
	}
	defer closeAll()

	infos, err := client.ReadDir(p.opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("%s: list %s: %w", p.where, p.opts.Dir, ctxErr(ctx, err))
	}
	ready := p.complete(infos, st)

	var written []string
	for _, fi := range ready {
		dst, sum, err := p.download(ctx, client, fi, dir)
		if err != nil {
			return written, fmt.Errorf("%s: download %s: %w", p.where, fi.Name(), ctxErr(ctx, err))
		}
		if dst == "" {
			continue // changed while downloading; next time
		}
		written = append(written, dst)
		delete(p.seen, fi.Name())
		st.Files[fi.Name()] = handedOver{Size: fi.Size(), MTime: fi.ModTime().UTC(), SHA256: sum, Fetched: p.opts.Now().UTC()}
		if err := p.saveState(st); err != nil {
			// Without the state the file is downloaded again next
			// time; ingest recognises it by its checksum.
			return written, fmt.Errorf("%s: %w", p.where, err)
		}
		p.opts.Logger.Info("sftp pull: downloaded", "address", p.opts.Address, "file", fi.Name(), "sha256", sum)
	}
	return written, nil
}

// complete picks the listed files that are complete and not handed over,
// sorted by name, and updates what p has seen.
func (p *Puller) complete(infos []os.FileInfo, st state) []os.FileInfo {
	now := p.opts.Now()
	present := map[string]bool{}
	var ready []os.FileInfo
	for _, fi := range infos {
		name := fi.Name()
		if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") ||
			strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".filepart") || fi.IsDir() {
			continue
		}
		if !fi.Mode().IsRegular() {
			if _, ok := p.seen[name]; !ok {
				p.opts.Logger.Warn("sftp pull: passing over a file that is not a regular file (symbolic links are not followed)",
					"address", p.opts.Address, "file", name)
			}
			p.seen[name] = look{}
			present[name] = true
			continue
		}
		if h, ok := st.Files[name]; ok && h.Size == fi.Size() && h.MTime.Equal(fi.ModTime().UTC()) {
			continue // handed over before
		}
		present[name] = true
		if c, ok := p.cut[name]; ok && c.size == fi.Size() && c.mtime.Equal(fi.ModTime()) {
			continue // found cut off, and not changed since
		}
		delete(p.cut, name)
		cur := look{size: fi.Size(), mtime: fi.ModTime(), since: now}
		prev, ok := p.seen[name]
		if ok && prev.size == cur.size && prev.mtime.Equal(cur.mtime) {
			cur.since = prev.since
		} else {
			p.seen[name] = cur
			if ok {
				continue // changed since the previous listing
			}
		}
		if now.Sub(cur.mtime) >= p.opts.Settle || now.Sub(cur.since) >= p.opts.Settle {
			ready = append(ready, fi)
		}
	}
	for name := range p.seen {
		if !present[name] {
			delete(p.seen, name)
		}
	}
	for name := range p.cut {
		if !present[name] {
			delete(p.cut, name)
		}
	}
	slices.SortFunc(ready, func(a, b os.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	return ready
}

// connect dials with ctx, checks the host key, logs in and starts the
// sftp subsystem. closeAll closes everything; ctx ending closes it too,
// which stops a transfer in progress.
func (p *Puller) connect(ctx context.Context) (*sftp.Client, func(), error) {
	conf, err := p.clientConfig()
	if err != nil {
		return nil, nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", p.opts.Address)
	if err != nil {
		return nil, nil, ctxErr(ctx, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	fail := func(err error) (*sftp.Client, func(), error) {
		stop()
		conn.Close()
		return nil, nil, ctxErr(ctx, err)
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, p.opts.Address, conf)
	if err != nil {
		// The sentinels say it all; drop "ssh: handshake failed: ".
		var ae *authError
		var ne *ssh.AlgorithmNegotiationError
		switch {
		case errors.Is(err, ErrHostKeyMismatch):
			return fail(ErrHostKeyMismatch)
		case errors.Is(err, ErrUnknownHost):
			return fail(ErrUnknownHost)
		case errors.As(err, &ne) && ne.What == "host key":
			return fail(fmt.Errorf("%w; the server offers no key of the type(s) %s", ErrHostKeyMismatch, strings.Join(conf.HostKeyAlgorithms, ", ")))
		case errors.As(err, &ae):
			return fail(ae)
		}
		return fail(err)
	}
	sc := ssh.NewClient(c, chans, reqs)
	client, err := sftp.NewClient(sc)
	if err != nil {
		sc.Close()
		return fail(fmt.Errorf("start sftp: %w", err))
	}
	return client, func() {
		stop()
		client.Close()
		sc.Close()
	}, nil
}

// ctxErr prefers the context's error when the context has ended: a
// transfer cut by the pull's timeout is a *pulltimeout.Error that names the
// setting, one cut by the caller (SIGTERM) a cancellation, not a closed
// connection.
func ctxErr(ctx context.Context, err error) error {
	var te *pulltimeout.Error
	switch {
	case ctx.Err() == nil:
		return err
	case errors.As(pulltimeout.Of(ctx, err), &te):
		return te
	}
	return fmt.Errorf("%w (%v)", ctx.Err(), err)
}

// download copies the remote file into a hidden temp file in dir, checks
// the remote file did not change meanwhile, and renames it into place.
// It returns "" when the file changed.
func (p *Puller) download(ctx context.Context, c *sftp.Client, fi os.FileInfo, dir string) (string, string, error) {
	remote := path.Join(p.opts.Dir, fi.Name())
	src, err := c.Open(remote)
	if err != nil {
		return "", "", err
	}
	defer src.Close()
	name := sanitise(fi.Name())
	f, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return "", "", err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	fail := func(err error) (string, string, error) {
		f.Close()
		return "", "", err
	}
	if err := f.Chmod(fileMode); err != nil {
		return fail(err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err != nil {
		return fail(err)
	}
	after, err := c.Stat(remote)
	if err != nil {
		return fail(err)
	}
	if n != fi.Size() || after.Size() != fi.Size() || !after.ModTime().Equal(fi.ModTime()) {
		p.opts.Logger.Info("sftp pull: file changed while downloading; trying again next pull", "address", p.opts.Address, "file", fi.Name())
		delete(p.seen, fi.Name())
		f.Close()
		return "", "", nil
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return "", "", err
	}
	if err := ctx.Err(); err != nil {
		return "", "", err
	}
	// A writer that paused longer than Settle leaves a file that has
	// rested but is cut off: it must not land half.
	why, err := inboxpull.Truncated(f.Name())
	if err != nil {
		return "", "", err
	}
	if why != "" {
		p.opts.Logger.Warn("sftp pull: file not taken yet: "+why, "address", p.opts.Address, "file", fi.Name(), "size", fi.Size())
		delete(p.seen, fi.Name())
		p.cut[fi.Name()] = look{size: fi.Size(), mtime: fi.ModTime()}
		return "", "", nil
	}
	dst, err := spool.Place(f.Name(), dir, name)
	if err != nil {
		return "", "", err
	}
	return dst, hex.EncodeToString(h.Sum(nil)), nil
}

// sanitise keeps a remote name safe as a local name: no path, no leading
// dot, only letters, digits, '.', '-' and '_'.
func sanitise(name string) string {
	name = strings.TrimLeft(path.Base(strings.ReplaceAll(name, `\`, "/")), ".")
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 || name == "/" {
		return "delivery"
	}
	return b.String()
}

func (p *Puller) loadState() (state, error) {
	st := state{Address: p.opts.Address, Dir: p.opts.Dir, Files: map[string]handedOver{}}
	file := filepath.Join(p.opts.StateDir, stateFile)
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("state: %w", err)
	}
	var saved state
	if err := json.Unmarshal(b, &saved); err != nil {
		return st, fmt.Errorf("state %s: %w", file, err)
	}
	if saved.Address != st.Address || saved.Dir != st.Dir {
		// Another server or folder: its files are other files.
		return st, nil
	}
	if saved.Files != nil {
		st.Files = saved.Files
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
