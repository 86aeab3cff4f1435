package sftppull

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer is an in-process SSH server on loopback that serves the sftp
// subsystem from a temp folder (its working directory) to one user key.
type sshServer struct {
	addr    string
	root    string
	hostKey ssh.PublicKey
	// handlers, when set, serve the sftp subsystem instead of root.
	handlers *sftp.Handlers
}

func startServer(t *testing.T, hostKey crypto.Signer, userKey ssh.PublicKey) *sshServer {
	t.Helper()
	return startServerWith(t, hostKey, userKey, nil)
}

func startServerWith(t *testing.T, hostKey crypto.Signer, userKey ssh.PublicKey, handlers *sftp.Handlers) *sshServer {
	t.Helper()
	hostSigner, err := ssh.NewSignerFromSigner(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	conf := &ssh.ServerConfig{
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if c.User() == "zothuis" && string(key.Marshal()) == string(userKey.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	conf.AddHostKey(hostSigner)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sshServer{addr: ln.Addr().String(), root: t.TempDir(), hostKey: hostSigner.PublicKey(), handlers: handlers}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.serve(c, conf)
			}()
		}
	}()
	return s
}

func (s *sshServer) serve(c net.Conn, conf *ssh.ServerConfig) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, conf)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			for req := range creqs {
				ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
				req.Reply(ok, nil)
				if !ok {
					continue
				}
				go func() {
					defer ch.Close()
					if s.handlers != nil {
						rs := sftp.NewRequestServer(ch, *s.handlers)
						rs.Serve()
						rs.Close()
						return
					}
					srv, err := sftp.NewServer(ch, sftp.WithServerWorkingDirectory(s.root))
					if err != nil {
						return
					}
					srv.Serve()
					srv.Close()
				}()
			}
		}()
	}
}

// put writes a file in the server's folder with the given mtime.
func (s *sshServer) put(t *testing.T, rel, content string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(s.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func newEd25519(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sshPub(t *testing.T, k crypto.Signer) ssh.PublicKey {
	t.Helper()
	p, err := ssh.NewPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// keyFile writes k in OpenSSH format, encrypted when passphrase is set.
func keyFile(t *testing.T, k crypto.Signer, passphrase string) string {
	t.Helper()
	var b *pem.Block
	var err error
	if passphrase == "" {
		b, err = ssh.MarshalPrivateKey(k, "zothuis test")
	} else {
		b, err = ssh.MarshalPrivateKeyWithPassphrase(k, "zothuis test", []byte(passphrase))
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "id")
	if err := os.WriteFile(p, pem.EncodeToMemory(b), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func knownHostsFile(t *testing.T, addr string, keys ...ssh.PublicKey) string {
	t.Helper()
	var lines []string
	for _, k := range keys {
		lines = append(lines, knownhosts.Line([]string{addr}, k))
	}
	p := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// fixture is a running server and Options that reach it.
type fixture struct {
	srv  *sshServer
	opts Options
	clk  *clock
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	user := newEd25519(t)
	srv := startServer(t, newEd25519(t), sshPub(t, user))
	clk := &clock{t: time.Now()}
	return fixture{srv: srv, clk: clk, opts: Options{
		Address:        srv.addr,
		User:           "zothuis",
		KeyFile:        keyFile(t, user, ""),
		KnownHostsFile: knownHostsFile(t, srv.addr, srv.hostKey),
		Dir:            "outbox",
		Timeout:        10 * time.Second,
		StateDir:       t.TempDir(),
		Settle:         time.Minute,
		Now:            clk.now,
	}}
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

func TestPullNewFilesOnce(t *testing.T) {
	f := newFixture(t)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	f.srv.put(t, "outbox/jgz_2026-10.csv", "a\n1\n", old)
	f.srv.put(t, "outbox/verzuim.parquet.part", "PAR1", old)
	f.srv.put(t, "outbox/.hidden.csv", "h\n", old)
	f.srv.put(t, "outbox/sub/nested.csv", "n\n", old)
	f.srv.put(t, "outbox/growing.csv", "g\n", f.clk.t)
	f.srv.put(t, "elsewhere.csv", "e\n", old)

	p, err := New(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{name: "first pull: the rested file", want: []string{"jgz_2026-10.csv"}},
		{name: "growing file grows", do: func() {
			f.clk.t = f.clk.t.Add(2 * time.Minute)
			f.srv.put(t, "outbox/growing.csv", "g\ng\n", f.clk.t)
		}},
		{name: "unchanged, not yet rested", do: func() { f.clk.t = f.clk.t.Add(59 * time.Second) }},
		{name: "rested", do: func() { f.clk.t = f.clk.t.Add(time.Second) }, want: []string{"growing.csv"}},
		{name: "upload finished: .part renamed", do: func() {
			if err := os.Rename(filepath.Join(f.srv.root, "outbox/verzuim.parquet.part"), filepath.Join(f.srv.root, "outbox/verzuim.parquet")); err != nil {
				t.Fatal(err)
			}
		}, want: []string{"verzuim.parquet"}},
		{name: "nothing new"},
		{name: "a delivery replaced under the same name", do: func() {
			f.srv.put(t, "outbox/jgz_2026-10.csv", "a\n1\n2\n", old.Add(time.Minute))
		}, want: []string{"jgz_2026-10_2.csv"}},
	}
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		got, err := p.Pull(context.Background(), dir)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var names []string
		for _, g := range got {
			names = append(names, filepath.Base(g))
		}
		if diff := cmp.Diff(s.want, names); diff != "" {
			t.Errorf("%s: handed over (-want +got):\n%s", s.name, diff)
		}
	}

	want := map[string]string{
		"jgz_2026-10.csv":   "a\n1\n",
		"jgz_2026-10_2.csv": "a\n1\n2\n",
		"growing.csv":       "g\ng\n",
		"verzuim.parquet":   "PAR1",
	}
	got := map[string]string{}
	for _, n := range listDir(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		got[n] = string(b)
		if fi, _ := os.Stat(filepath.Join(dir, n)); fi.Mode().Perm() != 0o640 {
			t.Errorf("%s mode = %o, want 640", n, fi.Mode().Perm())
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pull folder (-want +got):\n%s", diff)
	}
	// Nothing is removed from the server.
	remote := listDir(t, filepath.Join(f.srv.root, "outbox"))
	if diff := cmp.Diff([]string{".hidden.csv", "growing.csv", "jgz_2026-10.csv", "sub", "verzuim.parquet"}, remote); diff != "" {
		t.Errorf("server folder after pulls (-want +got):\n%s", diff)
	}

	// A restarted daemon (a new Puller on the same state) downloads
	// nothing again.
	p2, err := New(f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p2.Pull(context.Background(), t.TempDir()); err != nil || got != nil {
		t.Errorf("after restart: Pull = %v, %v; want nothing", got, err)
	}
	b, err := os.ReadFile(filepath.Join(f.opts.StateDir, "sftp.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(maps.Keys(st.Files))
	if diff := cmp.Diff([]string{"growing.csv", "jgz_2026-10.csv", "verzuim.parquet"}, names); diff != "" {
		t.Errorf("state files (-want +got):\n%s", diff)
	}
	if st.Address != f.srv.addr || st.Dir != "outbox" || st.Files["verzuim.parquet"].Size != 4 {
		t.Errorf("state = %+v", st)
	}
}

func TestHostKeyRefused(t *testing.T) {
	f := newFixture(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		knownKeys []ssh.PublicKey
		wantErr   error
		wantMsg   string
	}{
		{
			name:      "another ed25519 key",
			knownKeys: []ssh.PublicKey{sshPub(t, newEd25519(t))},
			wantErr:   ErrHostKeyMismatch,
			wantMsg:   "sftp pull " + f.srv.addr + ": host key mismatch: the server's key is not the one in known_hosts_file (possible man-in-the-middle)",
		},
		{
			name:      "a key of a type the server does not have",
			knownKeys: []ssh.PublicKey{sshPub(t, rsaKey)},
			wantErr:   ErrHostKeyMismatch,
			wantMsg:   "sftp pull " + f.srv.addr + ": host key mismatch: the server's key is not the one in known_hosts_file (possible man-in-the-middle); the server offers no key of the type(s) rsa-sha2-256, rsa-sha2-512, ssh-rsa",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := f.opts
			o.KnownHostsFile = knownHostsFile(t, f.srv.addr, tt.knownKeys...)
			p, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			_, err = p.Pull(context.Background(), dir)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("message:\n got %q\nwant %q", err, tt.wantMsg)
			}
			if got := listDir(t, dir); got != nil {
				t.Errorf("pull folder = %v, want empty", got)
			}
		})
	}
}

func TestUnknownHost(t *testing.T) {
	f := newFixture(t)
	o := f.opts
	// known_hosts knows the key, but for another address.
	o.KnownHostsFile = knownHostsFile(t, "sftp.example.org:22", f.srv.hostKey)
	_, err := New(o)
	if !errors.Is(err, ErrUnknownHost) {
		t.Fatalf("New err = %v, want ErrUnknownHost", err)
	}
	if want := "sftp pull " + f.srv.addr + ": host not in known_hosts_file"; err.Error() != want {
		t.Errorf("message = %q, want %q", err, want)
	}
}

func TestClientKeyRefused(t *testing.T) {
	f := newFixture(t)
	o := f.opts
	o.KeyFile = keyFile(t, newEd25519(t), "")
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Pull(context.Background(), t.TempDir())
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if want := "sftp pull " + f.srv.addr + `: the server refused the key in key_file (user "zothuis")`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message = %q, want it to start with %q", err, want)
	}
}

func TestKeyFileErrors(t *testing.T) {
	f := newFixture(t)
	notKey := filepath.Join(t.TempDir(), "notkey")
	if err := os.WriteFile(notKey, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, keyFile, wantMsg string
	}{
		{"passphrase", keyFile(t, newEd25519(t), "pw"), "is protected by a passphrase"},
		{"not a key", notKey, "is not an OpenSSH or PEM private key"},
		{"missing", filepath.Join(t.TempDir(), "nope"), "key_file: open"},
	}
	for _, tt := range tests {
		o := f.opts
		o.KeyFile = tt.keyFile
		_, err := New(o)
		if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantMsg)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		edit    func(*Options)
		wantMsg string
	}{
		{"no port", func(o *Options) { o.Address = "example.org" }, "address must be host:port"},
		{"no user", func(o *Options) { o.User = "" }, "no user"},
		{"no key", func(o *Options) { o.KeyFile = "" }, "key_file is not set"},
		{"no known hosts", func(o *Options) { o.KnownHostsFile = "" }, "known_hosts_file is not set"},
		{"no dir", func(o *Options) { o.Dir = "" }, "no remote folder"},
		{"no state", func(o *Options) { o.StateDir = "" }, "no state folder"},
	}
	for _, tt := range tests {
		o := f.opts
		tt.edit(&o)
		if _, err := New(o); err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantMsg)
		}
	}
}

// A server that accepts the connection but never speaks SSH is given up
// on at the timeout.
func TestPullTimeout(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c) // until the client gives up
			c.Close()
		}
	}()
	o := f.opts
	o.Address = ln.Addr().String()
	o.KnownHostsFile = knownHostsFile(t, o.Address, f.srv.hostKey)
	o.Timeout = 300 * time.Millisecond
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = p.Pull(context.Background(), t.TempDir())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Pull took %s, want about the 300ms timeout", d)
	}
}

func TestSanitise(t *testing.T) {
	tests := map[string]string{
		"jgz.csv":        "jgz.csv",
		"..":             "delivery",
		"a b.csv":        "a_b.csv",
		`..\x\y.parquet`: "y.parquet",
		"...x.arrow":     "x.arrow",
	}
	for in, want := range tests {
		if got := sanitise(in); got != want {
			t.Errorf("sanitise(%q) = %q, want %q", in, got, want)
		}
	}
}
