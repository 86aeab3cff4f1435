package kpi

import (
	"context"
	"crypto/sha256"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zothuis/zothuis/config"
	zsql "github.com/zothuis/zothuis/sql"
)

// The package's own SQL, next to the code that runs it; a missing file
// fails the build.
var (
	//go:embed sql/history.sql
	historySQL string
	//go:embed sql/month.sql
	monthSQL string
	//go:embed sql/range.sql
	rangeSQL string
	//go:embed sql/span.sql
	spanSQL string
	//go:embed sql/dirty.sql
	dirtySQL string
	//go:embed sql/links.sql
	linksSQL string
	//go:embed sql/links_now.sql
	linksNowSQL string
)

// amsterdam decides which month is complete: the region's calendar.
func amsterdam() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.UTC // no tzdata: a few hours' difference at month ends
	}
	return loc
}

// LatestCompleteMonth is the first day of the month before now's month in
// Europe/Amsterdam.
func LatestCompleteMonth(now time.Time) time.Time {
	n := now.In(amsterdam())
	return time.Date(n.Year(), n.Month()-1, 1, 0, 0, 0, 0, time.UTC)
}

// Span is the range of report months in the KPI history; zero when empty.
// Recomputed is how many of its months the refresh computed anew.
type Span struct {
	First, Last time.Time
	Recomputed  int
}

// Refresh writes the configured regions and targets and brings the KPI
// history up to date, from the first complete window to the latest
// complete month at now, in one transaction. It recomputes only the
// report months that the deliveries landed since the last refresh can
// change (kpi/sql/dirty.sql), and the months that have closed since;
// everything when the configuration, the first month or the bookkeeping
// (kpi_history_state) says the history cannot be trusted piecewise.
// The table is the same either way.
func Refresh(ctx context.Context, db *sql.DB, cfg *config.Config, now time.Time) (Span, error) {
	return refreshWith(ctx, db, cfg, now, historySQL, false)
}

// RefreshAll is Refresh recomputing every month.
func RefreshAll(ctx context.Context, db *sql.DB, cfg *config.Config, now time.Time) (Span, error) {
	return refreshWith(ctx, db, cfg, now, historySQL, true)
}

// refreshWith is Refresh with the history query as a parameter, so that a
// test can show that changing a boundary in it changes the figures.
func refreshWith(ctx context.Context, db *sql.DB, cfg *config.Config, now time.Time, history string, all bool) (Span, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Span{}, fmt.Errorf("kpi history: %w", err)
	}
	defer tx.Rollback()
	span, err := refresh(ctx, tx, cfg, now, history, all)
	if err != nil {
		return Span{}, fmt.Errorf("kpi history: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Span{}, fmt.Errorf("kpi history: %w", err)
	}
	return span, nil
}

// configuration renders what the history is computed with besides the
// data: the regions, the targets and the target month, and the
// definitions of its figures: the history query (its SHA-256) and the
// schema version, whose views define the placement flags. A history
// computed with other definitions is computed anew in full, so that no
// month keeps figures of a definition that changed (a new release's
// query, or a migration's view).
func configuration(cfg *config.Config, schema int, history string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "schema %d; history query %x\n", schema, sha256.Sum256([]byte(history)))
	for _, r := range cfg.Regions {
		fmt.Fprintf(&b, "region %s: %s\n", r.Key, strings.Join(r.Gemeenten, ","))
	}
	for _, k := range catalogue {
		if t, ok := Target(cfg, k.ID); ok {
			fmt.Fprintf(&b, "target %s: %v\n", k.ID, t)
		}
	}
	fmt.Fprintf(&b, "target month %s; first month %s\n", cfg.TargetMonth, cfg.FirstMonth)
	return b.String()
}

// state is the kpi_history_state row.
type state struct {
	through     int64
	first, last time.Time
	config      string
}

func refresh(ctx context.Context, tx *sql.Tx, cfg *config.Config, now time.Time, history string, all bool) (Span, error) {
	var prev *state
	if !all {
		var st state
		err := tx.QueryRowContext(ctx, "SELECT through_delivery_id, first_month, last_month, configuration FROM kpi_history_state").
			Scan(&st.through, &st.first, &st.last, &st.config)
		switch {
		case err == nil:
			prev = &st
		case !errors.Is(err, sql.ErrNoRows):
			return Span{}, err
		}
	}
	for _, q := range []string{"DELETE FROM regions", "DELETE FROM kpi_targets", "DELETE FROM kpi_history_state"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return Span{}, err
		}
	}
	for _, r := range cfg.Regions {
		for _, g := range r.Gemeenten {
			if _, err := tx.ExecContext(ctx, "INSERT INTO regions VALUES (?, ?)", g, r.Key); err != nil {
				return Span{}, err
			}
		}
	}
	targetMonth := config.Month(cfg.TargetMonth)
	for _, k := range catalogue {
		target, ok := Target(cfg, k.ID)
		if !ok {
			continue // counts and descriptive KPIs have no target
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO kpi_targets VALUES (?, ?, ?, ?)", string(k.ID), target, targetMonth, k.LowerIsBetter); err != nil {
			return Span{}, err
		}
	}
	var first sql.NullTime
	if cfg.FirstMonth != "" {
		first = sql.NullTime{Time: config.Month(cfg.FirstMonth), Valid: true}
	} else if err := tx.QueryRowContext(ctx, spanSQL).Scan(&first); err != nil {
		return Span{}, err
	}
	var through sql.NullInt64
	if err := tx.QueryRowContext(ctx, "SELECT max(delivery_id) FROM deliveries").Scan(&through); err != nil {
		return Span{}, err
	}
	last := LatestCompleteMonth(now)
	if !first.Valid || first.Time.After(last) {
		_, err := tx.ExecContext(ctx, "DELETE FROM kpi_history")
		return Span{}, err // no complete window yet
	}
	schema, err := zsql.SchemaVersion(ctx, tx)
	if err != nil {
		return Span{}, err
	}
	conf := configuration(cfg, schema, history)

	// The months to compute: all of them, or, where the history is known
	// to reflect the deliveries up to prev.through with this
	// configuration and first month, those the later deliveries can
	// change and those that closed since; in the others the two linkage
	// counts are brought up to date by difference (links.sql). Where no
	// delivery landed since, the sources are as the history saw them:
	// only the months that closed since are computed, and the link flags
	// are neither read nor kept again (a refresh of the monthly cycle,
	// after ingest's own, read every source table for nothing).
	incremental := prev != nil && prev.config == conf && prev.first.Equal(first.Time) && !prev.last.After(last)
	landed := !incremental || through.Int64 != prev.through
	if landed {
		if _, err := tx.ExecContext(ctx, linksNowSQL); err != nil {
			return Span{}, err
		}
	}
	var months []time.Time
	if incremental {
		if landed {
			if _, err := tx.ExecContext(ctx, linksSQL); err != nil {
				return Span{}, err
			}
			dirty, err := dirtyMonths(ctx, tx, prev.through, first.Time, last)
			if err != nil {
				return Span{}, err
			}
			months = dirty
		}
		for m := prev.last.AddDate(0, 1, 0); !m.After(last); m = m.AddDate(0, 1, 0) {
			months = append(months, m)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM kpi_history WHERE month < ? OR month > ?", first.Time, last); err != nil {
			return Span{}, err
		}
	} else {
		for m := first.Time; !m.After(last); m = m.AddDate(0, 1, 0) {
			months = append(months, m)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM kpi_history"); err != nil {
			return Span{}, err
		}
	}
	slices.SortFunc(months, func(a, b time.Time) int { return a.Compare(b) })
	months = slices.Compact(months)
	span := Span{First: first.Time, Last: last, Recomputed: len(months)}
	// One query per run of consecutive months: the history query takes a
	// range, and reads the sources once per run.
	for i := 0; i < len(months); {
		j := i
		for j+1 < len(months) && months[j+1].Equal(months[j].AddDate(0, 1, 0)) {
			j++
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM kpi_history WHERE month BETWEEN ? AND ?", months[i], months[j]); err != nil {
			return Span{}, err
		}
		if _, err := tx.ExecContext(ctx, history, months[i], months[j]); err != nil {
			return Span{}, err
		}
		i = j + 1
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO kpi_history_state VALUES (?, ?, ?, ?, now())",
		through.Int64, first.Time, last, conf); err != nil {
		return Span{}, err
	}
	if !landed {
		return span, nil
	}
	for _, q := range []string{
		"DELETE FROM kpi_history_links",
		"INSERT INTO kpi_history_links SELECT * FROM kpi_links_now",
		"DROP TABLE kpi_links_now",
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return Span{}, err
		}
	}
	return span, nil
}

// dirtyMonths returns the report months from first to last that the
// deliveries landed after through can change (dirty.sql).
func dirtyMonths(ctx context.Context, tx *sql.Tx, through int64, first, last time.Time) ([]time.Time, error) {
	rows, err := tx.QueryContext(ctx, dirtySQL, through, first, last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var months []time.Time
	for rows.Next() {
		var m time.Time
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		months = append(months, time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC))
	}
	return months, rows.Err()
}

// Row is one KPI of one area in one report month, exact (not published).
type Row struct {
	KPI, AreaType, Area    string
	Numerator, Denominator sql.NullInt64
	Value                  sql.NullFloat64
	NValues                int64
}

// Report is one report month of the KPI history.
type Report struct {
	Month, WindowStart, WindowEnd time.Time
	Rows                          []Row
}

// ErrNoMonth is returned for a month the KPI history does not hold.
var ErrNoMonth = errors.New("no KPIs for that month")

// Load reads one report month of the KPI history.
func Load(ctx context.Context, db *sql.DB, month time.Time) (*Report, error) {
	rows, err := db.QueryContext(ctx, monthSQL, month)
	if err != nil {
		return nil, fmt.Errorf("kpi %s: %w", month.Format("2006-01"), err)
	}
	defer rows.Close()
	rep := &Report{Month: month}
	for rows.Next() {
		var r Row
		if err := rows.Scan(&rep.Month, &rep.WindowStart, &rep.WindowEnd, &r.KPI, &r.AreaType, &r.Area, &r.Numerator, &r.Denominator, &r.Value, &r.NValues); err != nil {
			return nil, fmt.Errorf("kpi %s: %w", month.Format("2006-01"), err)
		}
		rep.Rows = append(rep.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kpi %s: %w", month.Format("2006-01"), err)
	}
	if len(rep.Rows) == 0 {
		var lo, hi sql.NullTime
		if err := db.QueryRowContext(ctx, rangeSQL).Scan(&lo, &hi); err != nil {
			return nil, fmt.Errorf("kpi %s: %w", month.Format("2006-01"), err)
		}
		if !lo.Valid {
			return nil, fmt.Errorf("%w: %s (the KPI history is empty: no complete 12-month window yet)", ErrNoMonth, month.Format("2006-01"))
		}
		return nil, fmt.Errorf("%w: %s (the history holds %s to %s)", ErrNoMonth, month.Format("2006-01"), lo.Time.Format("2006-01"), hi.Time.Format("2006-01"))
	}
	sortRows(rep.Rows)
	return rep, nil
}

// sortRows orders rows as people read them: catalogue order, then all,
// regions, municipalities and outside, each by key.
func sortRows(rows []Row) {
	order := map[ID]int{}
	for i, k := range catalogue {
		order[k.ID] = i
	}
	typeOrder := map[AreaType]int{AreaTotal: 0, AreaRegion: 1, AreaGemeente: 2, AreaOutside: 3}
	slices.SortStableFunc(rows, func(a, b Row) int {
		if d := order[ID(a.KPI)] - order[ID(b.KPI)]; d != 0 {
			return d
		}
		if d := typeOrder[AreaType(a.AreaType)] - typeOrder[AreaType(b.AreaType)]; d != 0 {
			return d
		}
		return strings.Compare(a.Area, b.Area)
	})
}
