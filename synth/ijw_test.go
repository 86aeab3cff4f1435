package synth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zothuis/zothuis/pseudonymize/ijw"
)

// TestIJWGemeente: with IJWGemeente the municipality's beschikkingen leave
// the toegang CSV for JW301 messages that the iJw reader accepts, and the
// CSV rows plus the messages' products are exactly the rows of the CSV
// export without it, file by file; every other source is unchanged.
func TestIJWGemeente(t *testing.T) {
	opt := Options{Youths: 6000, Seed: 3, From: month("2024-01"), To: month("2025-12")}
	plain, err := Generate(context.Background(), t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.IJWGemeente = "GM0014"
	withIJW, err := Generate(context.Background(), t.TempDir(), opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"jgz", "verzuim", "jzplus"} {
		if diff := cmp.Diff(rowsOf(readAll(t, plain, src)), rowsOf(readAll(t, withIJW, src))); diff != "" {
			t.Errorf("%s changed (-plain +with iJw):\n%s", src, diff)
		}
	}
	if diff := cmp.Diff(plain.Rows, withIJW.Rows); diff != "" {
		t.Errorf("rows per source (-plain +with iJw):\n%s", diff)
	}

	// Per quarter: the plain CSV's rows, as lines.
	want := map[string][]string{}
	for _, p := range plain.Files["toegang"] {
		want[quarterOf(p)] = nil
	}
	for _, r := range readAll(t, plain, "toegang") {
		q := quarterOf(plain.Files["toegang"][r.file])
		want[q] = append(want[q], line(r.rec))
	}
	got := map[string][]string{}
	var csvFiles, zips, products int
	for i, p := range withIJW.Files["toegang"] {
		q := quarterOf(p)
		if !strings.HasSuffix(p, "_ijw.zip") {
			csvFiles++
			if _, ok := got[q]; !ok {
				got[q] = nil
			}
			continue
		}
		zips++
		if i == 0 || quarterOf(withIJW.Files["toegang"][i-1]) != q {
			t.Errorf("%s does not follow its quarter's CSV", p)
		}
		err := ijw.Walk(context.Background(), p, func(m *ijw.Message, err error) error {
			if err != nil {
				return err
			}
			if m.Type != ijw.TypeJW301 || m.Gemeente != "GM0014" || len(m.Skipped) > 0 {
				return fmt.Errorf("%s: %s of %s, %d skipped", m.Name, m.Type, m.Gemeente, len(m.Skipped))
			}
			if !strings.Contains(m.Name, "_ijw.zip/0014/") {
				return fmt.Errorf("%s is not in a folder of the zip", m.Name)
			}
			for _, b := range m.Beschikkingen {
				products++
				got[q] = append(got[q], strings.Join([]string{b.BSN, b.Gemeente, b.Ingangsdatum, "beschikking", "", "", b.Productcategorie}, ","))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	for _, r := range readAll(t, onlyCSV(withIJW), "toegang") {
		q := quarterOf(onlyCSV(withIJW).Files["toegang"][r.file])
		got[q] = append(got[q], line(r.rec))
	}
	if csvFiles != zips || zips < 8 || products < 20 {
		t.Fatalf("%d CSV files, %d zips, %d products; want a zip per quarter carrying the municipality's beschikkingen", csvFiles, zips, products)
	}
	for q := range want {
		slices.Sort(want[q])
		slices.Sort(got[q])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("toegang rows per quarter (-CSV only +CSV and iJw messages):\n%s", diff)
	}
	t.Logf("%d beschikkingen of GM0014 in %d zips", products, zips)
}

// rowsOf returns the rows as lines, in order.
func rowsOf(rs []row) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprint(r.file, line(r.rec)))
	}
	return out
}

// line renders a raw toegang row as its CSV line.
func line(rec map[string]string) string {
	var f []string
	for _, h := range rawHeaders["toegang"] {
		f = append(f, rec[h])
	}
	return strings.Join(f, ",")
}

// quarterOf names the quarter a toegang file delivers (toegang_2024-Q1).
func quarterOf(path string) string {
	base := path[strings.LastIndex(path, "/")+1:]
	return strings.TrimSuffix(strings.TrimSuffix(base, ".csv"), "_ijw.zip")
}

// onlyCSV is sum with the toegang zips left out.
func onlyCSV(sum Summary) Summary {
	out := Summary{Files: map[string][]string{}}
	for _, p := range sum.Files["toegang"] {
		if strings.HasSuffix(p, ".csv") {
			out.Files["toegang"] = append(out.Files["toegang"], p)
		}
	}
	return out
}
