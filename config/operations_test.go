package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const example = "../deploy/zothuis.example.yaml"

func TestExampleParsesAndDocumentsEveryKey(t *testing.T) {
	c, err := Load(example)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Sources) != 4 || c.Sources[1].HTTPS == nil || c.Sources[2].SFTP == nil || c.Sources[3].Inbox.Settle != DefaultSettle {
		t.Errorf("sources = %+v", c.Sources)
	}
	b, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	// Every yaml key of Config appears in the example as "key:".
	var missing []string
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] || typ == reflect.TypeOf(time.Time{}) {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if key == "" || key == "-" {
				continue
			}
			if !regexp.MustCompile(`(?m)^[\s#-]*` + regexp.QuoteMeta(key) + `:`).Match(b) {
				missing = append(missing, typ.Name()+"."+key)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(Config{}))
	if len(missing) > 0 {
		t.Errorf("keys not documented in %s: %v", example, missing)
	}
}

func TestRelativePathsFollowTheFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "z.yaml")
	yaml := "research_key_file: keys/research.key\npaths:\n  database: work/z.duckdb\n  spool: /abs/spool\nsources:\n  - source: jgz\n    inbox: {dir: inbox/jgz}\n"
	if err := os.WriteFile(p, []byte(yaml), 0o640); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.ResearchKeyFile, c.Paths.Database, c.Paths.Out, c.Paths.Spool, c.Sources[0].Inbox.Dir, c.Sources[0].Name, c.Sources[0].Schedule}
	want := []string{filepath.Join(dir, "keys/research.key"), filepath.Join(dir, "work/z.duckdb"), dir, "/abs/spool", filepath.Join(dir, "inbox/jgz"), "jgz", DefaultPullSchedule}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestInvalidOperations(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"two pullers", "sources:\n  - source: jgz\n    inbox: {dir: a}\n    sftp: {address: 'h:22', user: u, key_file: k, known_hosts_file: kh}\n", "exactly one of inbox, https and sftp"},
		{"no puller", "sources:\n  - source: jgz\n", "exactly one of"},
		{"no source kind", "sources:\n  - name: x\n    inbox: {dir: a}\n", "source is empty"},
		{"same name twice", "sources:\n  - source: jgz\n    inbox: {dir: a}\n  - source: jgz\n    inbox: {dir: b}\n", "listed twice"},
		{"dst hour", "cycle:\n  schedule: '30 2 1 * *'\n", "between 02:00 and 03:00"},
		{"bad cron", "cycle:\n  schedule: 'every day'\n", "cycle.schedule"},
		{"time zone in schedule", "cycle:\n  schedule: 'CRON_TZ=UTC 0 6 1 * *'\n", "leave out the time zone"},
		{"http not https", "sources:\n  - source: jgz\n    https: {url: 'http://x.example/a.csv', token_file: t}\n", "want an https:// URL"},
		{"credentials in url", "sources:\n  - source: jgz\n    https: {url: 'https://u:p@x.example/a.csv', token_file: t}\n", "holds credentials"},
		{"no known hosts", "sources:\n  - source: jgz\n    sftp: {address: 'h:22', user: u, key_file: k}\n", "host key must be checked"},
		{"token in config", "sources:\n  - source: jgz\n    https: {url: 'https://x.example/a.csv', token: abc}\n", "token"},
		{"bad listen", "listen: 9617\n", "listen"},
		{"retry", "retry:\n  attempts: 0\n", "retry.attempts"},
		{"duration without unit", "retry:\n  backoff: 30\n", "line 2: cannot unmarshal !!int `30` into time.Duration"},
		{"folder name", "sources:\n  - name: ../x\n    source: jgz\n    inbox: {dir: a}\n", "folder name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.yaml))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v; want ErrInvalid mentioning %q", err, tt.want)
			}
		})
	}
}

func TestEveryProblemIsReported(t *testing.T) {
	_, err := Parse(strings.NewReader("disclosure: {threshold: 3}\nlisten: x\nretry: {attempts: 0}\nsources:\n  - source: nope\n"))
	var p Problems
	if !errors.As(err, &p) || len(p) != 4 {
		t.Fatalf("err = %v; want 4 problems", err)
	}
}

func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "research.key")
	os.WriteFile(key, []byte("CANARY-KEY\n"), 0o644)
	c := Default()
	c.ResearchKeyFile = key
	c.Sources = []Source{{Name: "jgz", Source: "jgz", Inbox: &Inbox{Dir: filepath.Join(dir, "missing")}}}
	got := strings.Join(c.Check(), "\n")
	for _, want := range []string{"readable or writable by others", "inbox.dir"} {
		if !strings.Contains(got, want) {
			t.Errorf("Check() = %q; want a problem mentioning %q", got, want)
		}
	}
	if strings.Contains(got, "CANARY") {
		t.Error("Check printed the key")
	}
}
