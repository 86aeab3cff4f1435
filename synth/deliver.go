package synth

import (
	"slices"
	"time"
)

const day = "2006-01-02"

func fmtDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(day)
}

// write sends a youth's rows to the delivery files that carry them. Faults
// are drawn per delivered row, so a row broken in one delivery may arrive
// whole in the next, as with real re-deliveries.
func (w *writers) write(y *youth) error {
	birth := y.birth.Format(day)
	for _, j := range y.jgz {
		for _, o := range w.quarterFiles("jgz", j.date) {
			rec := []string{w.bsnFor(y), birth, y.sex, y.postcode, fmtDate(j.date), j.signaal}
			if err := w.put("jgz", o, fault(y, "jgz", rec)); err != nil {
				return err
			}
		}
	}
	for _, v := range y.verzuim {
		// A report is delivered in its quarter (and the overlap), then again
		// every quarter it is still open, so its end date arrives later.
		first := w.quarterFiles("verzuim", v.melding)
		for _, o := range w.quarters["verzuim"] {
			open := o.start.After(v.melding) && (v.end.IsZero() || !v.end.Before(o.start))
			if !open && !slices.Contains(first, o) {
				continue
			}
			end := ""
			if !v.end.IsZero() && !v.end.After(o.end) {
				end = fmtDate(v.end)
			}
			rec := []string{w.bsnFor(y), birth, y.postcode, fmtDate(v.melding), v.soort, fmtDate(v.start), end}
			if err := w.put("verzuim", o, fault(y, "verzuim", rec)); err != nil {
				return err
			}
		}
	}
	var products map[*outFile][]ijwProduct
	for _, t := range y.toegang {
		for _, o := range w.quarterFiles("toegang", t.date) {
			bsn := w.bsnFor(y)
			rec := []string{bsn, y.gemeente, fmtDate(t.date), t.event, t.present, t.shared, t.pc}
			delivered := fault(y, "toegang", rec)
			if w.ijwEligible(y, rec, delivered) {
				if products == nil {
					products = map[*outFile][]ijwProduct{}
				}
				products[o] = append(products[o], ijwProduct{date: t.date, category: t.pc})
				w.rows["toegang"]++
				continue
			}
			if err := w.put("toegang", o, delivered); err != nil {
				return err
			}
		}
	}
	if products != nil {
		if err := w.writeIJW(y, products); err != nil {
			return err
		}
	}
	for _, p := range y.placements {
		if err := w.writePlacement(y, p); err != nil {
			return err
		}
	}
	return nil
}

// writePlacement delivers a placement every month from its start month
// through its end month (or the last month while open). Perspectives are
// often still unknown in the first delivery; a corrected placement is
// delivered at least twice, wrong first.
func (w *writers) writePlacement(y *youth, p placement) error {
	startM := monthStart(p.start)
	for _, o := range w.months {
		ended := !p.end.IsZero() && p.end.Before(o.start)
		correction := p.wrongFirst && o.start.Equal(startM.AddDate(0, 1, 0))
		if o.start.Before(startM) || ended && !correction {
			continue
		}
		firstMonth := o.start.Equal(startM)
		rec := []string{p.id, p.provider, w.bsnFor(y), p.gemeente, p.machtiging, fmtDate(p.mdate), fmtDate(p.start), "", "", p.education, p.housing}
		if !p.end.IsZero() && !p.end.After(o.end) {
			rec[7], rec[8] = fmtDate(p.end), p.reason
		}
		if firstMonth {
			if p.wrongFirst {
				if p.machtiging == "spoed" {
					rec[4], rec[5] = "regulier", fmtDate(p.mdate.AddDate(0, 0, -14))
				} else {
					rec[4], rec[5] = "spoed", fmtDate(p.start)
				}
			}
			if y.r.Float64() < 0.5 {
				rec[9], rec[10] = "onbekend", "onbekend"
			}
		}
		if err := w.put("jzplus", o, fault(y, "jzplus", rec)); err != nil {
			return err
		}
	}
	return nil
}

// bsnFor returns the youth's BSN, or now and then one with a typing error
// that the source's pseudonymize step rejects.
func (w *writers) bsnFor(y *youth) string {
	if y.r.Float64() < badBSNRate {
		return breakBSN(y.bsn, y.r.IntN(9))
	}
	return y.bsn
}

// fault breaks a delivered row now and then the way real exports break: a
// date that does not exist, a code outside the contract, an end before the
// start, or an empty key.
func fault(y *youth, src string, rec []string) []string {
	r := y.r
	if r.Float64() >= rowFaultRate {
		return rec
	}
	badDates := []string{"2024-02-30", "31-04-2025", "2025-13-01", "00-00-0000", "12/31/2024"}
	// Column positions per raw header: a date, a code, and (where there is
	// one) an end date with its start.
	var date, code, end, start int
	var badCode string
	switch src {
	case "jgz":
		date, code, end, badCode = 4, 5, -1, "sdq_hoog"
	case "verzuim":
		date, code, end, start, badCode = 3, 4, 6, 5, "kortdurend"
	case "toegang":
		date, code, end, badCode = 2, 3, -1, "intake"
	case "jzplus":
		date, code, end, start, badCode = 5, 4, 7, 6, "crisis"
	}
	out := append([]string(nil), rec...)
	switch k := r.IntN(4); {
	case k == 0:
		out[date] = badDates[r.IntN(len(badDates))]
	case k == 1:
		out[code] = badCode
	case k == 2 && end >= 0:
		s, err := time.Parse(day, rec[start])
		if err != nil {
			return out
		}
		out[end] = fmtDate(s.AddDate(0, 0, -1-r.IntN(30)))
		if src == "jzplus" && out[8] == "" {
			out[8] = "01"
		}
	default:
		out[date] = ""
		if src == "jzplus" {
			out[0] = "" // plaatsing_id is the key
		}
	}
	return out
}
