// Package config reads the pipeline's YAML configuration: regions, KPI
// targets, the alert threshold, disclosure control, snapshot retention,
// the sources with their pullers and schedules, paths and the listen
// address. Every field has a default, so an empty file (or none) is a valid
// configuration for the one-shot commands. Unknown fields are rejected: a
// typo must not silently fall back to a default. Keys and tokens never
// appear here, only paths to the files that hold them.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Region is a youth-care region and the municipalities it holds.
type Region struct {
	Key       string   `yaml:"key"`       // area key in KPI output, such as groningen
	Name      string   `yaml:"name"`      // display name, such as Groningen
	Gemeenten []string `yaml:"gemeenten"` // CBS codes, such as GM0014
}

// Config is the whole configuration.
type Config struct {
	Regions []Region `yaml:"regions"`
	// Targets holds the 2027 target per KPI id where it differs from the
	// KPI's default (package kpi holds the catalogue and checks the ids).
	Targets map[string]float64 `yaml:"targets"`
	// OccupancyTargets is, per region key, the month-end occupancy (youths
	// in JZ+) the region aims for in TargetMonth; optional, no default.
	OccupancyTargets map[string]float64 `yaml:"occupancy_targets"`
	// TargetMonth is when the targets are to be reached (YYYY-MM).
	TargetMonth string `yaml:"target_month"`
	// FirstMonth, when set, is the first report month of the KPI history
	// (YYYY-MM); by default the first month whose window the data covers.
	FirstMonth string    `yaml:"first_month"`
	Alerts     Alerts    `yaml:"alerts"`
	Disclosure Disclose  `yaml:"disclosure"`
	Snapshot   Retention `yaml:"snapshot"`

	// Paths are where the pipeline keeps its files. Relative paths in a
	// file are relative to the file's folder.
	Paths Paths `yaml:"paths"`
	// ResearchKeyFile holds the research key that re-keys source
	// pseudonyms (SPEC §2); the key itself never appears in the config.
	ResearchKeyFile string `yaml:"research_key_file"`
	// Listen is the address of zothuis serve: metrics, health and the
	// dashboard. Loopback by default.
	Listen string `yaml:"listen"`
	// AdminListen is the address of zothuis serve's administration
	// endpoints (status, trigger a job, backup), which zothuis status and
	// trigger call. It must be a loopback address: only the daemon's own
	// host may trigger jobs. Empty turns them off.
	AdminListen string `yaml:"admin_listen"`
	// Sources are the deliveries to pull, each with its puller and
	// schedule. A source kind may be listed more than once (two JZ+
	// providers, say) under different names.
	Sources []Source `yaml:"sources"`
	// Cycle schedules the monthly cycle: link, KPIs, dashboard, research
	// snapshot, metrics.
	Cycle Cycle `yaml:"cycle"`
	// Retry says how failed jobs are retried.
	Retry Retry `yaml:"retry"`
}

// Paths are the pipeline's folders and files.
type Paths struct {
	// Database is the working DuckDB file; only the pipeline opens it.
	Database string `yaml:"database"`
	// Out holds the published outputs: dashboard/, research/, metrics/.
	Out string `yaml:"out"`
	// Spool holds pulled files: incoming/ (fetched, not yet landed),
	// archive/ (landed, with checksums), rejected/ (refused, with a
	// .reason file) and the pullers' state.
	Spool string `yaml:"spool"`
	// Backups holds copies of the working database: those zothuis backup
	// writes and the one taken before each schema migration. Empty means
	// backups/ beside the database.
	Backups string `yaml:"backups"`
}

// Source is one delivery channel: a source kind, its puller and when to
// pull it. Exactly one of Inbox, HTTPS and SFTP is set.
type Source struct {
	// Name names the pull job and its folders; by default the source.
	Name string `yaml:"name"`
	// Source is the contract: jgz, verzuim, toegang or jzplus.
	Source string `yaml:"source"`
	// Schedule is a cron expression in Europe/Amsterdam time (five
	// fields, an optional leading seconds field, or @every DURATION).
	Schedule string `yaml:"schedule"`
	// StaleAfter is how long the source may go without an accepted
	// delivery before operations are alerted.
	StaleAfter time.Duration `yaml:"stale_after"`
	Inbox      *Inbox        `yaml:"inbox"`
	HTTPS      *HTTPS        `yaml:"https"`
	SFTP       *SFTP         `yaml:"sftp"`
}

// Inbox pulls from a local or mounted folder.
type Inbox struct {
	Dir string `yaml:"dir"`
	// Settle is how long a file must not have changed before it counts
	// as complete; a file named *.part never counts.
	Settle time.Duration `yaml:"settle"`
	// RequireMarker takes a file only once the source has written its
	// marker, <name>.done or <name>.sha256 (checked against the file):
	// for a source that cannot write under a temporary name and rename,
	// and may pause longer than Settle.
	RequireMarker bool `yaml:"require_marker"`
}

// HTTPS pulls one delivery URL with a conditional GET.
type HTTPS struct {
	URL string `yaml:"url"`
	// TokenFile holds the bearer token.
	TokenFile string `yaml:"token_file"`
	// CAFile, when set, holds the PEM certificates to trust instead of
	// the system's.
	CAFile  string        `yaml:"ca_file"`
	Timeout time.Duration `yaml:"timeout"`
}

// SFTP pulls new files from a folder on an SFTP server.
type SFTP struct {
	Address string `yaml:"address"` // host:port
	User    string `yaml:"user"`
	// KeyFile holds the private key (OpenSSH or PEM, unencrypted).
	KeyFile string `yaml:"key_file"`
	// KnownHostsFile holds the server's host key; no other key is
	// accepted.
	KnownHostsFile string        `yaml:"known_hosts_file"`
	Dir            string        `yaml:"dir"`
	Timeout        time.Duration `yaml:"timeout"`
}

// Cycle schedules the monthly cycle.
type Cycle struct {
	// Schedule is a cron expression in Europe/Amsterdam time; the cycle
	// reports on the latest month that has closed.
	Schedule string `yaml:"schedule"`
}

// Retry is exponential backoff for failed jobs.
type Retry struct {
	Attempts   int           `yaml:"attempts"` // tries in all, at least 1
	Backoff    time.Duration `yaml:"backoff"`  // wait before the second try; doubled each time
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// Alerts are the alerting thresholds.
type Alerts struct {
	// SpoedShareAbove fires the spoed alert when the published spoed_share
	// of an area exceeds it.
	SpoedShareAbove float64 `yaml:"spoed_share_above"`
}

// Disclose configures disclosure control of published output.
type Disclose struct {
	Threshold int `yaml:"threshold"` // counts below it are withheld; at least 5
}

// Retention says how long dated research snapshots are kept.
type Retention struct {
	KeepMonths int `yaml:"keep_months"`
}

// Default returns the SPEC's defaults.
func Default() *Config {
	return &Config{
		Regions: []Region{
			{Key: "groningen", Name: "Groningen", Gemeenten: []string{"GM0014", "GM1966", "GM1969", "GM1952", "GM1979", "GM1895", "GM0765", "GM0037", "GM0047", "GM1950"}},
			{Key: "drenthe", Name: "Drenthe", Gemeenten: []string{"GM1680", "GM0106", "GM1681", "GM0109", "GM1690", "GM0114", "GM0118", "GM0119", "GM1731", "GM1699", "GM1730", "GM1701"}},
		},
		TargetMonth: "2027-12",
		Alerts:      Alerts{SpoedShareAbove: 0.5},
		Disclosure:  Disclose{Threshold: 10},
		Snapshot:    Retention{KeepMonths: 12},
		Paths:       Paths{Database: "work/zothuis.duckdb", Out: ".", Spool: "spool"},
		Listen:      "127.0.0.1:9617",
		AdminListen: DefaultAdminListen,
		Cycle:       Cycle{Schedule: DefaultCycleSchedule},
		Retry:       Retry{Attempts: 3, Backoff: 30 * time.Second, MaxBackoff: 10 * time.Minute},
	}
}

// DefaultAdminListen is the administration address of zothuis serve:
// loopback, the port after the default listen address's.
const DefaultAdminListen = "127.0.0.1:9618"

// Defaults of a source and its puller.
const (
	// DefaultCycleSchedule runs the cycle at 06:00 on the first of the
	// month, once the previous month has closed.
	DefaultCycleSchedule = "0 6 1 * *"
	// DefaultPullSchedule pulls every 15 minutes.
	DefaultPullSchedule = "*/15 * * * *"
	// DefaultStaleAfter is 35 days: a monthly source that skips a month.
	DefaultStaleAfter = 35 * 24 * time.Hour
	// DefaultSettle is how long an inbox file must rest.
	DefaultSettle = time.Minute
	// DefaultTimeout bounds one HTTPS or SFTP pull.
	DefaultTimeout = 5 * time.Minute
)

// ErrInvalid wraps every validation failure.
var ErrInvalid = errors.New("invalid configuration")

// Load reads the file at path over the defaults.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	c, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.resolve(filepath.Dir(path))
	return c, nil
}

// resolve makes the relative paths of a file relative to its folder, so a
// config works whatever the working directory of the daemon.
func (c *Config) resolve(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.Paths.Database)
	abs(&c.Paths.Out)
	abs(&c.Paths.Spool)
	abs(&c.Paths.Backups)
	abs(&c.ResearchKeyFile)
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Inbox != nil {
			abs(&s.Inbox.Dir)
		}
		if s.HTTPS != nil {
			abs(&s.HTTPS.TokenFile)
			abs(&s.HTTPS.CAFile)
		}
		if s.SFTP != nil {
			abs(&s.SFTP.KeyFile)
			abs(&s.SFTP.KnownHostsFile)
		}
	}
}

// Parse reads YAML over the defaults: a field the YAML sets replaces the
// default (a list of regions replaces the default regions whole; targets
// name only the KPIs whose default they change).
func Parse(r io.Reader) (*Config, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	c := Default()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, redactStrings(err.Error()))
	}
	c.fillSourceDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// redactStrings takes the quoted strings out of a YAML error message: the
// YAML library quotes the start of a value it cannot use, and a file given
// by mistake as the configuration may be a key.
func redactStrings(msg string) string {
	const open = "!!str `"
	var b strings.Builder
	for {
		i := strings.Index(msg, open)
		if i < 0 {
			break
		}
		j := strings.IndexByte(msg[i+len(open):], '`')
		if j < 0 {
			break
		}
		b.WriteString(msg[:i] + "a string")
		msg = msg[i+len(open)+j+1:]
	}
	b.WriteString(msg)
	return b.String()
}

// Validate checks the configuration as a whole.
func (c *Config) Validate() error {
	var problems []string
	add := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if c.Disclosure.Threshold < 5 {
		add("disclosure.threshold %d is below 5", c.Disclosure.Threshold)
	}
	if a := c.Alerts.SpoedShareAbove; a <= 0 || a >= 1 {
		add("alerts.spoed_share_above %v is not between 0 and 1", a)
	}
	if c.Snapshot.KeepMonths < 0 {
		add("snapshot.keep_months %d is negative", c.Snapshot.KeepMonths)
	}
	if _, err := time.Parse("2006-01", c.TargetMonth); err != nil {
		add("target_month %q is not YYYY-MM", c.TargetMonth)
	}
	if c.FirstMonth != "" {
		if _, err := time.Parse("2006-01", c.FirstMonth); err != nil {
			add("first_month %q is not YYYY-MM", c.FirstMonth)
		}
	}
	for k, v := range c.Targets {
		if v < 0 || v > 1 {
			add("target of %s %v is not a share between 0 and 1", k, v)
		}
	}
	for k, v := range c.OccupancyTargets {
		if v < 0 || v != float64(int64(v)) {
			add("occupancy target of %s %v is not a whole number of youths", k, v)
		}
	}
	seenRegion := map[string]bool{}
	regionOf := map[string]string{}
	for _, r := range c.Regions {
		switch {
		case r.Key == "" || r.Key == "all" || r.Key == "outside" || isGemeente(r.Key):
			add("region key %q: want a name such as groningen (not all or outside, not a GM code)", r.Key)
		case seenRegion[r.Key]:
			add("region %q listed twice", r.Key)
		}
		seenRegion[r.Key] = true
		if len(r.Gemeenten) == 0 {
			add("region %q lists no gemeenten", r.Key)
		}
		for _, g := range r.Gemeenten {
			if !isGemeente(g) {
				add("region %q: %q is not a CBS municipality code (GM and four digits)", r.Key, g)
			} else if other, dup := regionOf[g]; dup {
				add("%s is in region %q and in %q", g, other, r.Key)
			}
			regionOf[g] = r.Key
		}
	}
	problems = append(problems, c.validateOperations()...)
	if len(problems) > 0 {
		return Problems(problems)
	}
	return nil
}

// Problems is every problem Validate found, one sentence each. It matches
// ErrInvalid.
type Problems []string

func (p Problems) Error() string {
	return ErrInvalid.Error() + ": " + strings.Join(p, "; ")
}

// Is makes errors.Is(p, ErrInvalid) true.
func (p Problems) Is(target error) bool { return target == ErrInvalid }

// Month parses a YYYY-MM field that Validate has checked.
func Month(s string) time.Time {
	t, _ := time.Parse("2006-01", s)
	return t
}

func isGemeente(s string) bool {
	if len(s) != 6 || s[:2] != "GM" {
		return false
	}
	for _, c := range s[2:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
