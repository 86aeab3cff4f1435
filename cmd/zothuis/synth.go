package main

import (
	"context"
	"fmt"
	"time"

	"github.com/zothuis/zothuis/synth"
)

// synthFlags are the flags synth and demo share.
type synthFlags struct {
	youths   *int
	seed     *uint64
	from, to *string
}

func addSynthFlags(fs interface {
	Int(string, int, string) *int
	Uint64(string, uint64, string) *uint64
	String(string, string, string) *string
}, now time.Time) synthFlags {
	return synthFlags{
		youths: fs.Int("youths", 20000, "number of youths known to JGZ"),
		seed:   fs.Uint64("seed", 1, "random seed; the same seed and flags give the same files"),
		from:   fs.String("from", "2023-01", "first month (YYYY-MM)"),
		to:     fs.String("to", lastCompleteMonth(now).Format("2006-01"), "last month (YYYY-MM), inclusive"),
	}
}

func (f synthFlags) options() (synth.Options, error) {
	from, err := parseMonth(*f.from)
	if err != nil {
		return synth.Options{}, usagef("--from: %v", err)
	}
	to, err := parseMonth(*f.to)
	if err != nil {
		return synth.Options{}, usagef("--to: %v", err)
	}
	if to.Before(from) {
		return synth.Options{}, usagef("--to %s is before --from %s", *f.to, *f.from)
	}
	if *f.youths < 1 {
		return synth.Options{}, usagef("--youths must be at least 1")
	}
	return synth.Options{Youths: *f.youths, Seed: *f.seed, From: from, To: to}, nil
}

// lastCompleteMonth is the first day of the month before now's month.
func lastCompleteMonth(now time.Time) time.Time {
	return time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, time.UTC)
}

func parseMonth(s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a month (YYYY-MM)", s)
	}
	return t, nil
}

func runSynth(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "synth")
	out := fs.String("out", "", "output `folder`; raw exports go to DIR/<source>/")
	sf := addSynthFlags(fs, time.Now())
	national := fs.Bool("national", false, "national proportions of rows per source (about ten per youth), for benchmarks; see bench/run.sh")
	ijwGemeente := fs.String("ijw-gemeente", "", "`municipality` (GMnnnn) whose toegang beschikkingen are written as iJw 3.2 JW301 messages, a zip beside each toegang file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"out": *out}); err != nil {
		return err
	}
	opt, err := sf.options()
	if err != nil {
		return err
	}
	opt.National = *national
	opt.IJWGemeente = *ijwGemeente
	sum, err := synth.Generate(ctx, *out, opt)
	if err != nil {
		return err
	}
	for _, src := range []string{"jgz", "verzuim", "toegang", "jzplus"} {
		fmt.Fprintf(e.stdout, "%-8s %3d files %9d rows\n", src, len(sum.Files[src]), sum.Rows[src])
	}
	fmt.Fprintf(e.stdout, "%d youths, %d JZ+ placements; raw exports with BSNs in %s (mode 0600)\n", sum.Youths, sum.Placements, *out)
	return nil
}
