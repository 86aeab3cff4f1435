package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/zothuis/zothuis/pseudonymize"
	"github.com/zothuis/zothuis/pseudonymize/ijw"
)

// rawToegang is the raw toegang export's header (before pseudonymisation)
// that the iJw route writes for Transform.
var rawToegang = []string{"bsn", "gemeente", "datum", "gebeurtenis", "jongere_aanwezig", "gedeeld", "productcategorie"}

// ijwTally counts what the iJw route read, for the summary.
type ijwTally struct {
	messages map[string]int // read, by message type
	noEvent  map[string]int // read but carrying no toegang event, by type
	products int            // assigned products read
	skipped  map[string]int // products not delivered, by reason
}

// pseudonymizeIJW reads iJw 3.2 messages from ins (files, folders or
// zips) and writes one toegang delivery to out: a beschikking row per
// assigned product of every JW301, pseudonymised as the CSV route does.
// A message that fails its checks is left out with its reason and the
// rest goes through; an input that is not XML at all refuses the whole
// export. The raw rows, with their BSNs, exist only in memory, between
// the reader and Transform.
func pseudonymizeIJW(ctx context.Context, e *env, ins []string, out string, opt pseudonymize.Options, rejectCSV *csv.Writer) error {
	name := strings.Join(ins, " ")
	var sum summary
	opt.OnReject = func(line int, reason string) {
		// Rows come from messages already checked; a reject here is one
		// Transform found beyond the message checks.
		sum.reject(fmt.Sprintf("row %d", line), reason)
	}
	st, t, err := ijwDelivery(ctx, ins, out, opt, func(m *ijw.MessageError) {
		sum.refuse(m.Name, m.Reason)
		if rejectCSV != nil {
			rejectCSV.Write([]string{m.Name, m.Reason})
		}
	})
	if err != nil {
		return err
	}
	types := []string{ijw.TypeJW301, ijw.TypeJW305, ijw.TypeJW307, ijw.TypeJW315}
	var read, none []string
	all := 0
	for _, ty := range types {
		if n := t.messages[ty]; n > 0 {
			read = append(read, fmt.Sprintf("%s %d", ty, n))
			all += n
		}
		if n := t.noEvent[ty]; n > 0 {
			none = append(none, fmt.Sprintf("%s %d", ty, n))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "messages read:    %d (%s)\n", all, strings.Join(read, ", "))
	fmt.Fprintf(&b, "messages refused: %d\n", total(sum.refused))
	printCounts(&b, sum.refused)
	if len(none) > 0 {
		fmt.Fprintf(&b, "messages without a toegang event (checked, nothing to deliver): %s\n", strings.Join(none, ", "))
	}
	fmt.Fprintf(&b, "assigned products read: %d, not delivered: %d\n", t.products, total(t.skipped))
	printCounts(&b, t.skipped)
	sum.lines = strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	sum.print(e.stderr, name, st)
	return nil
}

// ijwDelivery pseudonymises the iJw messages of ins into the delivery
// out, calling refused for each message left out, and returns what
// Transform and the reader counted.
func ijwDelivery(ctx context.Context, ins []string, out string, opt pseudonymize.Options, refused func(*ijw.MessageError)) (pseudonymize.Stats, ijwTally, error) {
	t := ijwTally{messages: map[string]int{}, noEvent: map[string]int{}, skipped: map[string]int{}}
	pr, pw := io.Pipe()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		err := writeIJWRows(gctx, ins, pw, &t, refused)
		// Transform reads to the end (nil) or stops with the error; a
		// reader that stopped first makes the writes above fail.
		pw.CloseWithError(err)
		return err
	})
	var st pseudonymize.Stats
	var pf *partFile
	g.Go(func() error {
		var err error
		st, pf, err = startPseudonymize(gctx, strings.Join(ins, " "), pr, out, opt)
		pr.CloseWithError(err)
		return err
	})
	if err := g.Wait(); err != nil {
		pf.discard()
		var notXML *ijw.NotXMLError
		if errors.As(err, &notXML) {
			return st, t, fmt.Errorf("pseudonymize: %s is not an iJw export (no XML, zip or folder of messages); nothing written: %w", notXML.Name, err)
		}
		return st, t, err
	}
	return st, t, pf.land()
}

// writeIJWRows walks the inputs and writes a raw toegang row per assigned
// product to w, calling refused for every message that fails its checks.
func writeIJWRows(ctx context.Context, ins []string, w io.Writer, t *ijwTally, refused func(*ijw.MessageError)) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(rawToegang); err != nil {
		return err
	}
	for _, in := range ins {
		err := ijw.Walk(ctx, in, func(m *ijw.Message, err error) error {
			var me *ijw.MessageError
			if errors.As(err, &me) {
				refused(me)
				return nil
			}
			if err != nil {
				return err
			}
			t.messages[m.Type]++
			for _, s := range m.Skipped {
				t.skipped[s.Reason]++
			}
			t.products += len(m.Beschikkingen) + len(m.Skipped)
			if m.Type != ijw.TypeJW301 {
				t.noEvent[m.Type]++
			}
			for _, b := range m.Beschikkingen {
				if err := cw.Write([]string{b.BSN, b.Gemeente, b.Ingangsdatum, "beschikking", "", "", b.Productcategorie}); err != nil {
					return err
				}
			}
			cw.Flush()
			return cw.Error()
		})
		if err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
