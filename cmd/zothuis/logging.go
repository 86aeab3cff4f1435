package main

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"strings"
)

// logOptions are the global options --log-level and --log-format.
type logOptions struct {
	level slog.Level
	json  bool
}

// newLogger returns the logger of a command: text (key=value, for people
// and journald) or JSON (one object per line, for log collectors), both on
// w, which is stderr.
func newLogger(w io.Writer, o logOptions) *slog.Logger {
	ho := &slog.HandlerOptions{Level: o.level}
	if o.json {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// logLevels are the levels --log-level accepts; slog itself would also take
// offsets such as "info+2", which no operator needs.
var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

func parseLogLevel(s string) (slog.Level, error) {
	l, ok := logLevels[strings.ToLower(s)]
	if !ok {
		return 0, errors.New("want debug, info, warn or error")
	}
	return l, nil
}

func parseLogFormat(s string) (json bool, err error) {
	switch strings.ToLower(s) {
	case "text":
		return false, nil
	case "json":
		return true, nil
	}
	return false, errors.New("want text or json")
}

// logFlags adds --log-level and --log-format to fs. Setting one replaces
// e.log at once, so they may come before the command or among its flags:
// a command takes e.log only after parsing them.
func (e *env) logFlags(fs *flag.FlagSet) {
	fs.Func("log-level", "log `level`: debug, info, warn or error (default info)", func(s string) error {
		l, err := parseLogLevel(s)
		if err != nil {
			return err
		}
		e.logOpts.level = l
		e.log = newLogger(e.stderr, e.logOpts)
		return nil
	})
	fs.Func("log-format", "log `format`: text (key=value) or json (one object per line, for log collectors) (default text)", func(s string) error {
		j, err := parseLogFormat(s)
		if err != nil {
			return err
		}
		e.logOpts.json = j
		e.log = newLogger(e.stderr, e.logOpts)
		return nil
	})
}
