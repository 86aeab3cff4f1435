package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/snapshot"
)

// canary is a secret of the test: a unique string inside a key or token
// file, and the forms in which a leak of it would show.
type canary struct {
	name    string
	secret  string   // the file's content
	needles [][]byte // compared as they are (base64, the start)
	folded  [][]byte // compared case-insensitively (raw, hex)
}

func newCanary(t *testing.T, name string) canary {
	t.Helper()
	b := make([]byte, 20)
	rand.Read(b)
	// The secret starts with letters no hex or base64 text of the
	// pipeline would hold by chance, so that even its first six
	// characters, which a message quoting the start of a value would
	// show, are a needle.
	start := make([]byte, 8)
	for i := range start {
		start[i] = "ABCDEFGHJKLMNPQRSTUVWXYZ"[int(b[12+i])%24]
	}
	mark := string(start) + "-CANARY-" + strings.ToUpper(name) + "-" + hex.EncodeToString(b[:12])
	c := canary{name: name, secret: mark + "-padding-to-be-a-long-enough-key"}
	c.folded = [][]byte{[]byte(strings.ToLower(mark)), []byte(hex.EncodeToString([]byte(mark)))}
	c.needles = [][]byte{start[:6]}
	// Base64 of a longer text holds, for one of three alignments, the
	// encoding of the mark without its first 0, 1 or 2 bytes (whole
	// groups only).
	for k := range 3 {
		s := []byte(mark[k:])
		s = s[:len(s)/3*3]
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			c.needles = append(c.needles, []byte(enc.EncodeToString(s)))
		}
	}
	return c
}

// leaks returns the forms of c found in b.
func (c canary) leaks(b []byte) []string {
	var found []string
	lower := bytes.ToLower(b)
	for _, n := range c.folded {
		if bytes.Contains(lower, n) {
			found = append(found, string(n))
		}
	}
	for _, n := range c.needles {
		if bytes.Contains(b, n) {
			found = append(found, string(n))
		}
	}
	return found
}

// secretsRun runs a zothuis command in this process and keeps what it
// printed under name.
type secretsLog struct {
	mu   sync.Mutex
	logs map[string]string
}

func (l *secretsLog) add(name, text string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logs[name] += text
}

func (l *secretsLog) run(t *testing.T, wantCode int, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	out := stdout.String() + stderr.String()
	l.add(strings.Join(args, " "), out)
	if wantCode >= 0 && code != wantCode {
		t.Fatalf("zothuis %s: exit %d, want %d:\n%s", strings.Join(args, " "), code, wantCode, out)
	}
	return out
}

// TestSecrets runs the whole pipeline on keys and a token that hold
// canaries: pseudonymise, ingest, publish, dashboard, run and serve with an
// HTTPS source whose server refuses the token, and some mistakes an
// operator makes (a key file given as the configuration or as a
// delivery). No key or token may show, raw, hex or base64, in any file of
// the pipeline's folder (databases, snapshot, Parquet, dashboard, spool),
// in any command's output or log, or in what the server answers. Every
// file the pipeline made has mode 0600 or 0640, every folder 0700 or
// 0750. The daemon's HTTP server sends security headers, times out a slow
// client and serves nothing outside the dashboard folder.
func TestSecrets(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	tmp := t.TempDir()
	secrets := filepath.Join(tmp, "secrets")
	out := filepath.Join(tmp, "out")
	raw := filepath.Join(tmp, "raw")
	for _, d := range []string{secrets, out, filepath.Join(out, "work")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(out, 0o750)
	canaries := []canary{newCanary(t, "source"), newCanary(t, "research"), newCanary(t, "token")}
	write := func(path, content string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	sourceKey, researchKey, tokenFile := filepath.Join(secrets, "source.key"), filepath.Join(secrets, "research.key"), filepath.Join(secrets, "https.token")
	write(sourceKey, canaries[0].secret+"\n", 0o600)
	write(researchKey, canaries[1].secret+"\n", 0o600)
	write(tokenFile, canaries[2].secret+"\n", 0o600)

	// An HTTPS source that refuses the token after checking it came.
	var mu sync.Mutex
	var authSeen []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		authSeen = append(authSeen, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "token refused", http.StatusUnauthorized)
	}))
	defer srv.Close()
	caFile := filepath.Join(secrets, "ca.pem")
	write(caFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})), 0o600)
	tokenUsed := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, a := range authSeen {
			if a == "Bearer "+canaries[2].secret {
				n++
			}
		}
		return n
	}

	var cfgText strings.Builder
	fmt.Fprintf(&cfgText, `paths:
  database: work/zothuis.duckdb
  out: .
  spool: spool
research_key_file: %s
cycle:
  schedule: "0 6 1 * *"
retry:
  attempts: 1
sources:
`, researchKey)
	for _, name := range []string{"jgz", "verzuim", "toegang"} {
		os.MkdirAll(filepath.Join(out, "inbox", name), 0o750)
		fmt.Fprintf(&cfgText, "  - source: %s\n    schedule: \"0 6 1 1 *\"\n    inbox:\n      dir: inbox/%s\n      settle: 1s\n", name, name)
	}
	fmt.Fprintf(&cfgText, "  - source: jzplus\n    schedule: \"* * * * * *\"\n    https:\n      url: %s/export/jzplus.csv\n      token_file: %s\n      ca_file: %s\n      timeout: 5s\n",
		srv.URL, tokenFile, caFile)
	cfg := filepath.Join(out, "zothuis.yaml")
	write(cfg, cfgText.String(), 0o640)

	logs := &secretsLog{logs: map[string]string{}}
	logs.run(t, 0, "synth", "--out", raw, "--youths", "600", "--from", "2024-06", "--to", "2026-10", "--seed", "7")
	work := filepath.Join(out, "work", "zothuis.duckdb")
	snap := filepath.Join(out, "research", snapshot.FileName)
	for _, c := range ingest.Sources() {
		files, _ := filepath.Glob(filepath.Join(raw, c.Source, "*.csv"))
		if len(files) == 0 {
			t.Fatalf("synth wrote no %s exports", c.Source)
		}
		dir := filepath.Join(out, "deliveries", c.Source)
		os.MkdirAll(dir, 0o750)
		var deliveries []string
		for _, f := range files {
			d := filepath.Join(dir, filepath.Base(f))
			logs.run(t, 0, "pseudonymize", "--source", c.Source, "--key-file", sourceKey, f, d)
			deliveries = append(deliveries, d)
		}
		logs.run(t, 0, append([]string{"ingest", "--db", work, "--research-key-file", researchKey, "--source", c.Source, "--config", cfg}, deliveries...)...)
	}
	logs.run(t, 0, "check-config", "--config", cfg)
	// run: the HTTPS pull fails on the refused token (exit 1); the cycle
	// publishes what landed.
	logs.run(t, 1, "run", "--config", cfg)
	if tokenUsed() == 0 {
		t.Fatalf("the HTTPS source never got the token; it saw %q", authSeen)
	}
	logs.run(t, 0, "publish", "--db", work, "--out", out, "--config", cfg)
	logs.run(t, 0, "dashboard", "--db", snap, "--out", out, "--config", cfg)
	logs.run(t, 0, "kpi", "--db", snap, "--month", "2026-10", "--format", "json")
	logs.run(t, 0, "kpi", "--db", snap, "--month", "2026-10", "--raw", "--format", "csv")
	// Mistakes: a key where the configuration belongs, a token where a
	// delivery belongs, the token as a key, keys too short.
	logs.run(t, 1, "check-config", "--config", researchKey)
	logs.run(t, 1, "run", "--config", sourceKey)
	scratch := filepath.Join(tmp, "scratch.duckdb")
	logs.run(t, 1, "ingest", "--db", scratch, "--research-key-file", researchKey, "--source", "jgz", tokenFile)
	logs.run(t, 1, "ingest", "--db", scratch, "--research-key-file", researchKey, "--source", "jgz", sourceKey)
	short := filepath.Join(secrets, "short.key")
	write(short, canaries[1].secret[:20]+"\n", 0o600)
	logs.run(t, 1, "ingest", "--db", scratch, "--research-key-file", short, "--source", "jgz", tokenFile)
	logs.run(t, 1, "pseudonymize", "--source", "jgz", "--key-file", short, tokenFile, filepath.Join(tmp, "x.csv"))

	// The daemon: pulls the HTTPS source every second (refused), serves.
	before := tokenUsed()
	p := startServe(t, cfg, freeAddr(t))
	p.waitFor("a pull with the token", 30*time.Second, func() bool { return tokenUsed() > before+1 })
	p.waitFor("a failed pull in the log", 30*time.Second, func() bool { return p.logCount("job failed", "job=pull:jzplus") > 0 })
	t.Run("http", func(t *testing.T) { checkServeHTTP(t, p, out, secrets, canaries) })
	for _, path := range []string{"/metrics", "/healthz", "/readyz", "/", "/index.html"} {
		code, body := p.get(path)
		logs.add("GET "+path, body)
		if code != http.StatusOK {
			t.Errorf("GET %s = %d", path, code)
		}
	}
	// Modes while the daemon holds the working database (and its WAL).
	checkModes(t, out, raw)
	if code := p.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("serve: exit %d on SIGTERM", code)
	}
	logs.add("serve", p.log.String())
	checkModes(t, out, raw)

	// Every file of the pipeline's folder, as bytes.
	files := 0
	err := filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, c := range canaries {
			if l := c.leaks(b); len(l) > 0 {
				t.Errorf("%s holds the %s secret: %q", path, c.name, l)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every output and log.
	for name, text := range logs.logs {
		for _, c := range canaries {
			if l := c.leaks([]byte(text)); len(l) > 0 {
				t.Errorf("output of %q holds the %s secret: %q", name, c.name, l)
			}
		}
	}
	// Every cell of the databases and the Parquet files, where
	// compression could hide a leak from a byte search.
	cells := scanCells(t, canaries, work, snap, filepath.Join(out, "research", "parquet"))
	t.Logf("%d files, %d outputs and logs, %d database and Parquet cells searched; the token was sent %d times", files, len(logs.logs), cells, tokenUsed())
	if files < 50 || cells < 10000 {
		t.Errorf("searched too little: %d files, %d cells", files, cells)
	}
	if !strings.Contains(logs.logs["serve"], "job=pull:jzplus") || !strings.Contains(strings.Join(mapValues(logs.logs), "\n"), "refused the token") {
		t.Error("the refused token was not reported: the search proves nothing about its error path")
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// scanCells searches every cell of every table of the DuckDB files and of
// every Parquet file in pq for the canaries, and returns how many cells
// it read.
func scanCells(t *testing.T, canaries []canary, dbs ...string) int {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var conds []string
	for _, c := range canaries {
		for _, n := range c.folded {
			conds = append(conds, fmt.Sprintf("contains(lower(CAST(scanned_row AS VARCHAR)), '%s')", n))
		}
		for _, n := range c.needles {
			conds = append(conds, fmt.Sprintf("contains(CAST(scanned_row AS VARCHAR), '%s')", n))
		}
	}
	cells := 0
	// A row read as one struct (the table's alias) and cast to text
	// shows every cell of it.
	scan := func(what, from string) {
		r, err := db.Query(fmt.Sprintf("SELECT * FROM %s LIMIT 0", from))
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		cols, _ := r.Columns()
		r.Close()
		var rows int
		if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %s", from)).Scan(&rows); err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		cells += rows * len(cols)
		for _, cond := range conds {
			var hits int
			if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %s scanned_row WHERE %s", from, cond)).Scan(&hits); err != nil {
				t.Errorf("%s: %v", what, err)
				return
			}
			if hits > 0 {
				t.Errorf("%s: %d rows hold a secret (%s)", what, hits, cond)
			}
		}
	}
	for i, path := range dbs {
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			pq, _ := filepath.Glob(filepath.Join(path, "*.parquet"))
			if len(pq) == 0 {
				t.Errorf("no Parquet files in %s", path)
			}
			for _, f := range pq {
				scan(f, fmt.Sprintf("read_parquet('%s')", f))
			}
			continue
		}
		alias := fmt.Sprintf("scanned%d", i)
		if _, err := db.Exec(fmt.Sprintf("ATTACH '%s' AS %s (READ_ONLY)", path, alias)); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(`SELECT table_name FROM duckdb_tables() WHERE database_name = ?`, alias)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
		for _, tbl := range tables {
			scan(path+" "+tbl, alias+"."+quoteSQLIdent(tbl))
		}
		db.Exec("DETACH " + alias)
	}
	return cells
}

// checkModes checks that every file under the folders is 0600 or 0640
// (a published research file 0440) and every folder 0700 or 0750.
func checkModes(t *testing.T, dirs ...string) {
	t.Helper()
	n := 0
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil // removed while walking: a temporary file of the daemon
				}
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return nil
			}
			perm := fi.Mode().Perm()
			switch {
			case fi.Mode().IsRegular():
				n++
				// A published research file is written by nobody.
				if strings.Contains(path, string(filepath.Separator)+"research"+string(filepath.Separator)) {
					if perm != 0o440 {
						t.Errorf("%s: mode %04o, want 0440", path, perm)
					}
				} else if perm != 0o600 && perm != 0o640 {
					t.Errorf("%s: mode %04o, want 0600 or 0640", path, perm)
				}
			case fi.IsDir():
				if perm != 0o700 && perm != 0o750 {
					t.Errorf("%s/: mode %04o, want 0700 or 0750", path, perm)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 50 {
		t.Errorf("only %d files checked", n)
	}
}

// checkServeHTTP checks the daemon's HTTP server: headers, a slow client,
// and nothing served from outside the dashboard folder.
func checkServeHTTP(t *testing.T, p *serveProc, out, secrets string, canaries []canary) {
	addr := strings.TrimPrefix(p.base, "http://")
	// A client that sends its header one line a second: the server must
	// hang up once ReadHeaderTimeout (5 s) has passed.
	slow := make(chan string, 1)
	go func() {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			slow <- err.Error()
			return
		}
		defer conn.Close()
		start := time.Now()
		fmt.Fprint(conn, "GET /healthz HTTP/1.1\r\nHost: zothuis\r\n")
		closed := make(chan time.Duration, 1)
		go func() {
			io.Copy(io.Discard, conn) // returns when the server closes
			closed <- time.Since(start)
		}()
		for i := 0; ; i++ {
			select {
			case d := <-closed:
				if d < 4*time.Second || d > 12*time.Second {
					slow <- fmt.Sprintf("the server hung up after %v; want about 5 s", d)
				} else {
					t.Logf("slow client: the server hung up after %v", d.Round(10*time.Millisecond))
					slow <- ""
				}
				return
			case <-time.After(time.Second):
				if time.Since(start) > 20*time.Second {
					slow <- "the server kept a slow client for 20 s"
					return
				}
				fmt.Fprintf(conn, "X-Slow-%d: x\r\n", i)
			}
		}
	}()

	dash := filepath.Join(out, "dashboard")
	if _, err := os.Stat(filepath.Join(dash, "index.html")); err != nil {
		t.Fatalf("no dashboard to serve: %v", err)
	}
	// Links inside the dashboard folder to files and folders outside it.
	links := map[string]string{
		"key.html": filepath.Join(secrets, "research.key"),
		"up":       out,
		"secrets":  secrets,
		"etc":      "/etc",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dash, name)); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(filepath.Join(dash, name))
	}
	var sub string
	entries, _ := os.ReadDir(dash)
	for _, e := range entries {
		if e.IsDir() {
			sub = e.Name()
		}
	}
	for _, tt := range []struct {
		path string
		code int
	}{
		{"/", 200}, {"/index.html", 200}, {"/healthz", 200}, {"/metrics", 200}, {"/nope.html", 404},
		{"/key.html", 404}, {"/up/zothuis.yaml", 404}, {"/secrets/research.key", 404}, {"/etc/passwd", 404},
		{"/up/", 404}, {"/etc/", 404},
		{"/../secrets/research.key", 404}, {"/%2e%2e/secrets/research.key", 404}, {"/%2e%2e%2fsecrets%2fresearch.key", 404},
		{"/..%2f..%2fetc%2fpasswd", 404}, {"/..%5c..%5cetc%5cpasswd", 404}, {"/%252e%252e/zothuis.yaml", 404},
		{"/../zothuis.yaml", 404}, {"//etc/passwd", 404}, {"/./../work/zothuis.duckdb", 404},
	} {
		req, _ := http.NewRequest("GET", p.base+tt.path, nil)
		req.URL.Opaque = tt.path // sent as written, not cleaned by the client
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("GET %s: %v", tt.path, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// A redirect to a cleaned path is fine as long as it does not serve.
		if resp.StatusCode != tt.code && !(tt.code == 404 && resp.StatusCode >= 300 && resp.StatusCode < 500 && resp.StatusCode != 200) {
			t.Errorf("GET %s = %d, want %d", tt.path, resp.StatusCode, tt.code)
		}
		for _, c := range canaries {
			if l := c.leaks(body); len(l) > 0 {
				t.Errorf("GET %s answered the %s secret", tt.path, c.name)
			}
		}
		if bytes.Contains(body, []byte("root:")) || bytes.Contains(body, []byte("research_key_file")) {
			t.Errorf("GET %s served a file outside the dashboard: %.80q", tt.path, body)
		}
		h := resp.Header
		for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := h.Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", tt.path, k, got, want)
			}
		}
		if tt.path != "/healthz" && tt.path != "/metrics" {
			csp := h.Get("Content-Security-Policy")
			for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'", "connect-src 'none'"} {
				if !strings.Contains(csp, d) {
					t.Errorf("GET %s: Content-Security-Policy %q lacks %q", tt.path, csp, d)
				}
			}
			if strings.Contains(csp, "http:") || strings.Contains(csp, "https:") || strings.Contains(csp, "*") {
				t.Errorf("GET %s: Content-Security-Policy %q allows other hosts", tt.path, csp)
			}
		}
		if tt.code == 200 && strings.Contains(tt.path, "html") || tt.path == "/" {
			if !strings.Contains(string(body), "<html") && !strings.Contains(string(body), "<!DOCTYPE") && !strings.Contains(string(body), "<!doctype") {
				t.Errorf("GET %s: not the dashboard: %.80q", tt.path, body)
			}
		}
	}
	// A folder of the dashboard is never listed.
	if sub != "" {
		code, body := p.get("/" + sub + "/")
		if code == 200 && !strings.Contains(body, "<html") || strings.Contains(body, "<pre>") && strings.Contains(body, "href=") {
			t.Errorf("GET /%s/ = %d lists the folder: %.200q", sub, code, body)
		}
	}
	// The methods the server has no use for.
	for _, m := range []string{"POST", "PUT", "DELETE", "TRACE"} {
		req, _ := http.NewRequest(m, p.base+"/index.html", strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("%s: %v", m, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /index.html = %d, want 405", m, resp.StatusCode)
		}
	}
	// An oversized header is refused.
	conn, err := net.Dial("tcp", addr)
	if err == nil {
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: zothuis\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 64<<10))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if !strings.Contains(line, "431") {
			t.Errorf("a 64 KiB header: %q, want 431", line)
		}
	}
	if msg := <-slow; msg != "" {
		t.Error("slow client: " + msg)
	}
}
