package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/robfig/cron/v3"
)

// Zone is the time zone of every schedule: the region's calendar.
const Zone = "Europe/Amsterdam"

// scheduleParser accepts five fields, an optional leading seconds field
// (for tests that need a fast schedule) and descriptors such as @every.
var scheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a cron expression in Europe/Amsterdam time. It
// refuses one that fires between 02:00 and 03:00 but not every hour: on
// the nights the clocks change that hour is skipped or comes twice, so a
// daily or monthly job there would be lost or doubled.
func ParseSchedule(expr string) (cron.Schedule, error) {
	if strings.HasPrefix(expr, "CRON_TZ=") || strings.HasPrefix(expr, "TZ=") {
		return nil, fmt.Errorf("schedule %q: leave out the time zone; schedules are in %s", expr, Zone)
	}
	s, err := scheduleParser.Parse("CRON_TZ=" + Zone + " " + expr)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", expr, err)
	}
	if spec, ok := s.(*cron.SpecSchedule); ok {
		const allHours = 1<<24 - 1
		if spec.Hour&(1<<2) != 0 && spec.Hour&allHours != allHours {
			return nil, fmt.Errorf("schedule %q runs between 02:00 and 03:00 %s time, which the change to or from summer time skips or repeats; choose another hour", expr, Zone)
		}
	}
	return s, nil
}

// fillSourceDefaults gives each source the defaults of the fields it
// leaves out.
func (c *Config) fillSourceDefaults() {
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Name == "" {
			s.Name = s.Source
		}
		if s.Schedule == "" {
			s.Schedule = DefaultPullSchedule
		}
		if s.StaleAfter == 0 {
			s.StaleAfter = DefaultStaleAfter
		}
		if s.Inbox != nil && s.Inbox.Settle == 0 {
			s.Inbox.Settle = DefaultSettle
		}
		if s.HTTPS != nil && s.HTTPS.Timeout == 0 {
			s.HTTPS.Timeout = DefaultTimeout
		}
		if s.SFTP != nil && s.SFTP.Timeout == 0 {
			s.SFTP.Timeout = DefaultTimeout
		}
	}
}

// validateOperations checks what the daemon needs: sources, pullers,
// schedules, retries, paths and the listen address. It touches no file;
// Check does.
func (c *Config) validateOperations() []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if c.Paths.Database == "" {
		add("paths.database is empty")
	}
	if c.Paths.Out == "" {
		add("paths.out is empty")
	}
	if c.Paths.Spool == "" {
		add("paths.spool is empty")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		add("listen %q: want host:port, such as 127.0.0.1:9617", c.Listen)
	}
	if msg := checkAdminListen(c.AdminListen, c.Listen); msg != "" {
		add("%s", msg)
	}
	if _, err := ParseSchedule(c.Cycle.Schedule); err != nil {
		add("cycle.schedule: %v", err)
	}
	if c.Retry.Attempts < 1 {
		add("retry.attempts %d: want at least 1", c.Retry.Attempts)
	}
	if c.Retry.Backoff <= 0 || c.Retry.MaxBackoff < c.Retry.Backoff {
		add("retry: backoff %s and max_backoff %s: want 0 < backoff <= max_backoff", c.Retry.Backoff, c.Retry.MaxBackoff)
	}
	names := map[string]bool{}
	for i, s := range c.Sources {
		where := fmt.Sprintf("sources[%d]", i)
		if s.Name != "" {
			where = fmt.Sprintf("source %q", s.Name)
		}
		// Which source kinds exist is ingest's to say; cmd checks it
		// (config holds data and syntax only).
		if s.Source == "" {
			add("%s: source is empty; name the kind of source (such as jgz)", where)
		}
		switch {
		case s.Name == "":
		case names[s.Name]:
			add("%s is listed twice; give each a different name", where)
		case strings.ContainsAny(s.Name, `/\ `) || strings.HasPrefix(s.Name, "."):
			add("%s: the name is used as a folder name; use letters, digits, - and _", where)
		}
		names[s.Name] = true
		if _, err := ParseSchedule(s.Schedule); err != nil {
			add("%s: %v", where, err)
		}
		if s.StaleAfter < 0 {
			add("%s: stale_after %s is negative", where, s.StaleAfter)
		}
		var pullers []string
		if s.Inbox != nil {
			pullers = append(pullers, "inbox")
			if s.Inbox.Dir == "" {
				add("%s: inbox.dir is empty", where)
			}
			if s.Inbox.Settle < 0 {
				add("%s: inbox.settle %s is negative", where, s.Inbox.Settle)
			}
		}
		if s.HTTPS != nil {
			pullers = append(pullers, "https")
			u, err := url.Parse(s.HTTPS.URL)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				add("%s: https.url %q: want an https:// URL", where, s.HTTPS.URL)
			}
			if u != nil && u.User != nil {
				add("%s: https.url holds credentials; put the token in token_file", where)
			}
			if s.HTTPS.TokenFile == "" {
				add("%s: https.token_file is empty", where)
			}
		}
		if s.SFTP != nil {
			pullers = append(pullers, "sftp")
			if _, _, err := net.SplitHostPort(s.SFTP.Address); err != nil {
				add("%s: sftp.address %q: want host:port", where, s.SFTP.Address)
			}
			if s.SFTP.User == "" {
				add("%s: sftp.user is empty", where)
			}
			if s.SFTP.KeyFile == "" {
				add("%s: sftp.key_file is empty", where)
			}
			if s.SFTP.KnownHostsFile == "" {
				add("%s: sftp.known_hosts_file is empty; the server's host key must be checked", where)
			}
		}
		if len(pullers) != 1 {
			add("%s: want exactly one of inbox, https and sftp, found %d %v", where, len(pullers), pullers)
		}
	}
	return problems
}

// checkAdminListen returns what is wrong with admin_listen, "" when
// nothing is. Whoever reaches it may trigger jobs, so it must be a
// loopback IP or localhost; a host name is not looked up here (no network
// in a syntax check), and any other name could resolve elsewhere later.
func checkAdminListen(addr, listen string) string {
	if addr == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Sprintf("admin_listen %q: want host:port, such as %s (or \"\" to turn it off)", addr, DefaultAdminListen)
	}
	if !IsLoopbackHost(host) {
		return fmt.Sprintf("admin_listen %q: want a loopback address such as %s; whoever reaches it may trigger jobs (or \"\" to turn it off)", addr, DefaultAdminListen)
	}
	if addr == listen {
		return fmt.Sprintf("admin_listen %q is also listen; give it its own port", addr)
	}
	return ""
}

// IsLoopbackHost reports whether host (no port) is localhost or a
// loopback IP literal.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Check looks at the files and folders the configuration names, as the
// daemon will need them: key and token files readable, not empty and not
// open to others; inbox folders present. It returns every problem it
// finds, for check-config; an empty slice means none. Keys are read to
// see that they are not empty and dropped; never printed. Whether a key
// is long enough is the key's reader's to say (cmd checks it).
func (c *Config) Check() []string {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	secret := func(what, path string) {
		fi, err := os.Stat(path)
		if err != nil {
			add("%s: %v", what, err)
			return
		}
		if fi.Mode().Perm()&0o007 != 0 {
			add("%s %s is readable or writable by others (mode %04o); chmod 0600 or 0640", what, path, fi.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			add("%s: %v", what, err)
		} else if len(strings.TrimSpace(string(b))) == 0 {
			add("%s %s is empty", what, path)
		}
	}
	if c.ResearchKeyFile == "" {
		add("research_key_file is empty: ingest needs the research key")
	} else {
		secret("research_key_file", c.ResearchKeyFile)
	}
	for _, s := range c.Sources {
		where := fmt.Sprintf("source %q", s.Name)
		switch {
		case s.Inbox != nil:
			if fi, err := os.Stat(s.Inbox.Dir); err != nil {
				add("%s: inbox.dir: %v", where, err)
			} else if !fi.IsDir() {
				add("%s: inbox.dir %s is not a folder", where, s.Inbox.Dir)
			}
		case s.HTTPS != nil:
			secret(where+": https.token_file", s.HTTPS.TokenFile)
			if s.HTTPS.CAFile != "" {
				if _, err := os.Stat(s.HTTPS.CAFile); err != nil {
					add("%s: https.ca_file: %v", where, err)
				}
			}
		case s.SFTP != nil:
			secret(where+": sftp.key_file", s.SFTP.KeyFile)
			if _, err := os.Stat(s.SFTP.KnownHostsFile); err != nil {
				add("%s: sftp.known_hosts_file: %v", where, err)
			}
		}
	}
	return problems
}
