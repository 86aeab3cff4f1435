package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/zothuis/zothuis/atomicfile"
	"github.com/zothuis/zothuis/ingest"
	"github.com/zothuis/zothuis/ingest/contract"
	"github.com/zothuis/zothuis/pseudonymize"
)

func runPseudonymize(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "pseudonymize")
	source := fs.String("source", "", "source `name`: jgz, verzuim, toegang or jzplus")
	keyFile := fs.String("key-file", "", "`file` holding the sources' shared key (at least 32 bytes)")
	postcodes := fs.String("postcodes", "", "CSV `file` pc4_from,pc4_to,gemeente mapping postcodes to municipalities (default: the embedded table for Groningen and Drenthe)")
	rejects := fs.String("rejects", "", "write every rejected row's line number (iJw: message) and reason to this CSV `file`")
	format := fs.String("format", "csv", "input `format`: csv (a raw export), or ijw (iJw 3.2 messages: XML files, folders or zips of them; --source toegang)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"source": *source, "key-file": *keyFile}); err != nil {
		return err
	}
	switch *format {
	case "csv":
	case "ijw":
		if *source != "toegang" {
			return usagef("--format ijw reads toegang beschikkingen; want --source toegang, not %q", *source)
		}
	default:
		return usagef("--format %q: want csv or ijw", *format)
	}
	if fs.NArg() < 2 {
		return usagef("want IN and OUT files (- for standard input or output), or IN... and an existing DIR, got %d arguments", fs.NArg())
	}
	// IN... DIR pseudonymises every IN into DIR under its own name, in one
	// process: a source with a file per month need not start one for each
	// (46 JZ+ files of 4,000 rows spent most of their time starting up;
	// BENCHMARKS.md).
	ins, out := fs.Args()[:fs.NArg()-1], fs.Arg(fs.NArg()-1)
	dir := false
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		dir = true
	}
	if *format == "ijw" && dir {
		return usagef("--format ijw writes one delivery: OUT must be a file (or -), not the folder %q", out)
	}
	if len(ins) > 1 && !dir && *format != "ijw" {
		return usagef("%d input files want an existing output directory, not %q", len(ins), out)
	}
	if *rejects != "" && len(ins) > 1 && *format != "ijw" {
		return usagef("--rejects takes one input file")
	}
	c, key, err := sourceAndKey(*source, *keyFile)
	if err != nil {
		return err
	}
	opt := pseudonymize.Options{Key: key, Contract: c}
	if *postcodes != "" {
		if opt.Postcodes, err = pseudonymize.LoadPostcodeTable(*postcodes); err != nil {
			return err
		}
	}
	var rejectCSV *csv.Writer
	if *rejects != "" {
		f, err := os.OpenFile(*rejects, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
		if err != nil {
			return err
		}
		defer f.Close()
		rejectCSV = csv.NewWriter(f)
		where := "line"
		if *format == "ijw" {
			where = "message"
		}
		rejectCSV.Write([]string{where, "reason"})
		defer rejectCSV.Flush()
	}
	if *format == "ijw" {
		return pseudonymizeIJW(ctx, e, ins, out, opt, rejectCSV)
	}
	// A file's output is synced and renamed into place while the next
	// file is transformed: the syncs were 8 % of a national JGZ run.
	var pending chan error
	wait := func() error {
		if pending == nil {
			return nil
		}
		err := <-pending
		pending = nil
		return err
	}
	for _, in := range ins {
		target := out
		if dir {
			if in == "-" {
				return usagef("standard input needs an output file, not a directory")
			}
			target = filepath.Join(out, filepath.Base(in))
		}
		pf, err := pseudonymizeOne(ctx, e, in, target, opt, rejectCSV)
		if werr := wait(); err == nil && werr != nil {
			// The file before did not land: stop as if this one had not
			// been started, without leaving its .part behind.
			pf.discard()
			err = werr
		}
		if err != nil {
			return err
		}
		pending = make(chan error, 1)
		go func() { pending <- pf.land() }()
	}
	return wait()
}

// pseudonymizeOne pseudonymises one file and reports on standard error
// what it did: the first rejected rows, the quasi-identifiers left empty
// and the counts. It returns the output, written but not yet in place
// (startPseudonymizeFile).
func pseudonymizeOne(ctx context.Context, e *env, in, out string, opt pseudonymize.Options, rejectCSV *csv.Writer) (*partFile, error) {
	var sum summary
	opt.OnReject = func(line int, reason string) {
		sum.reject(fmt.Sprintf("line %d", line), reason)
		if rejectCSV != nil {
			rejectCSV.Write([]string{strconv.Itoa(line), reason})
		}
	}
	st, pf, err := startPseudonymizeFile(ctx, in, out, opt)
	if err != nil {
		return nil, err
	}
	sum.print(e.stderr, in, st)
	return pf, nil
}

// summary is what pseudonymize tells the data officer who runs it: counts
// and reasons in plain words, the first rejected rows (or refused
// messages) by where they are, never a value from the export.
type summary struct {
	// mu guards what follows: the iJw route refuses messages in its
	// reader's goroutine while Transform rejects rows in its own.
	mu       sync.Mutex
	firsts   []string       // the first rejected rows or refused messages: where, and why
	rejected map[string]int // rejected rows by reason
	refused  map[string]int // refused iJw messages by reason
	lines    []string       // what the iJw route read, before the row counts
}

// maxListed is how many rejected rows the summary lists one by one.
const maxListed = 20

// reject counts a rejected row.
func (s *summary) reject(where, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list(where, reason)
	if s.rejected == nil {
		s.rejected = map[string]int{}
	}
	s.rejected[reason]++
}

// refuse counts a refused message.
func (s *summary) refuse(where, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.list(where, reason)
	if s.refused == nil {
		s.refused = map[string]int{}
	}
	s.refused[reason]++
}

func (s *summary) list(where, reason string) {
	if len(s.firsts) < maxListed {
		s.firsts = append(s.firsts, where+": "+reason)
	}
}

func (s *summary) print(w io.Writer, in string, st pseudonymize.Stats) {
	fmt.Fprintf(w, "%s\n", in)
	for _, l := range s.lines {
		fmt.Fprintf(w, "  %s\n", l)
	}
	fmt.Fprintf(w, "  rows read:     %d\n  rows written:  %d\n  rows rejected: %d\n", st.Rows, st.Written, st.Rejected)
	printCounts(w, s.rejected)
	if len(st.Blanked) > 0 {
		fmt.Fprintf(w, "  values left empty, row kept:\n")
		printCounts(w, st.Blanked)
	}
	if len(s.firsts) > 0 {
		fmt.Fprintf(w, "  first rejected or refused (%d of %d):\n", len(s.firsts), total(s.rejected)+total(s.refused))
		for _, f := range s.firsts {
			fmt.Fprintf(w, "    %s\n", f)
		}
	}
}

// printCounts prints reasons with their counts, most frequent first.
func printCounts(w io.Writer, counts map[string]int) {
	reasons := slices.Collect(maps.Keys(counts))
	slices.SortFunc(reasons, func(a, b string) int {
		if d := counts[b] - counts[a]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, r := range reasons {
		fmt.Fprintf(w, "    %6d  %s\n", counts[r], r)
	}
}

func total(counts map[string]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

// pseudonymizeFile runs the transform from in to out ("-" for standard
// input or output). A file output is written as out.part and renamed when
// complete, so an inbox never sees half a delivery.
func pseudonymizeFile(ctx context.Context, in, out string, opt pseudonymize.Options) (pseudonymize.Stats, error) {
	st, pf, err := startPseudonymizeFile(ctx, in, out, opt)
	if err != nil {
		return st, err
	}
	return st, pf.land()
}

// startPseudonymizeFile is pseudonymizeFile up to the output's last write,
// so that a caller with more files can sync one while it transforms the
// next. The output is nil when it went to standard output.
func startPseudonymizeFile(ctx context.Context, in, out string, opt pseudonymize.Options) (pseudonymize.Stats, *partFile, error) {
	// Transform interrupts a read blocked in silent input when ctx ends,
	// where the input takes read deadlines: a FIFO opened by name does on
	// Linux, standard input only as pollableStdin makes it.
	var r io.Reader = os.Stdin
	if in == "-" {
		if f, restore, err := pollableStdin(); err == nil {
			defer restore()
			r = f
		}
	} else {
		f, err := os.Open(in)
		if err != nil {
			return pseudonymize.Stats{}, nil, err
		}
		defer f.Close()
		r = f
	}
	return startPseudonymize(ctx, in, r, out, opt)
}

// startPseudonymize is startPseudonymizeFile on input r, named in.
func startPseudonymize(ctx context.Context, in string, r io.Reader, out string, opt pseudonymize.Options) (pseudonymize.Stats, *partFile, error) {
	stopped := func(err error) error {
		if ctx.Err() == nil {
			return err
		}
		what := "standard output has part of it"
		if out != "-" {
			what = out + " not written"
		}
		return fmt.Errorf("pseudonymize %s: stopped before the end of the input (%s): %w", in, what, context.Cause(ctx))
	}
	if out == "-" {
		st, err := pseudonymize.Transform(ctx, r, os.Stdout, opt)
		if err != nil {
			return st, nil, stopped(err)
		}
		return st, nil, nil
	}
	part := out + ".part"
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return pseudonymize.Stats{}, nil, err
	}
	st, err := pseudonymize.Transform(ctx, r, f, opt)
	if err != nil {
		f.Close()
		os.Remove(part)
		if ctx.Err() != nil {
			return st, nil, stopped(err)
		}
		return st, nil, fmt.Errorf("pseudonymize %s: %w", in, err)
	}
	return st, &partFile{f: f, in: in, part: part, out: out}, nil
}

// pollableStdin returns standard input as a file whose reads end at a read
// deadline, when it is a pipe, a FIFO, a terminal or a socket: os.Stdin
// blocks in read(2), where neither a signal nor a deadline reaches it, so
// that SIGINT waited for input that might never come. The file is in
// non-blocking mode, which Go's poller then waits on. restore closes it.
// An error means standard input is to be read as it is.
func pollableStdin() (f *os.File, restore func(), err error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(0, &st); err != nil {
		return nil, nil, err
	}
	kind := st.Mode & syscall.S_IFMT
	if kind != syscall.S_IFIFO && kind != syscall.S_IFCHR && kind != syscall.S_IFSOCK {
		return nil, nil, errors.New("standard input is not a pipe, terminal or socket")
	}
	// Non-blocking mode belongs to an open file, which descriptor 0 shares
	// with whoever gave it (a shell; on a terminal also our standard output
	// and error, whose writes would then fail with EAGAIN): a pipe or a
	// terminal is opened anew, as a file of our own.
	if kind != syscall.S_IFSOCK {
		f, err := os.OpenFile("/proc/self/fd/0", os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
		if err == nil {
			return f, func() { f.Close() }, nil
		}
		if kind == syscall.S_IFCHR {
			return nil, nil, err
		}
	}
	// A socket cannot be opened anew (nor anything without /proc): set
	// the shared file non-blocking while we read, and give back blocking
	// mode after.
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, 0, syscall.F_GETFL, 0)
	if errno != 0 {
		return nil, nil, errno
	}
	fd, err := syscall.Dup(0)
	if err != nil {
		return nil, nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, nil, err
	}
	f = os.NewFile(uintptr(fd), "standard input")
	return f, func() {
		f.Close()
		if flags&syscall.O_NONBLOCK == 0 {
			syscall.SetNonblock(0, false)
		}
	}, nil
}

// partFile is a pseudonymised output written in full as out.part, open,
// not yet in place. A nil partFile is output that needs no placing
// (standard output).
type partFile struct {
	f             *os.File
	in, part, out string
}

// land gives the output its name the way every file is put in place
// (mode 0640, synced, renamed, folder synced), or removes it when that
// fails.
func (p *partFile) land() error {
	if p == nil {
		return nil
	}
	err := p.f.Close()
	if err == nil {
		err = atomicfile.Install(p.part, p.out, 0o640)
	}
	if err != nil {
		os.Remove(p.part)
		return fmt.Errorf("pseudonymize %s: %w", p.in, err)
	}
	return nil
}

// discard closes and removes the output.
func (p *partFile) discard() {
	if p == nil {
		return
	}
	p.f.Close()
	os.Remove(p.part)
}

// sourceAndKey resolves a --source flag (a usage error when unknown) and
// loads a key file.
func sourceAndKey(source, keyFile string) (*contract.Contract, []byte, error) {
	c, err := ingest.Source(source)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	key, err := pseudonymize.LoadKey(keyFile)
	if err != nil {
		return nil, nil, err
	}
	return c, key, nil
}
