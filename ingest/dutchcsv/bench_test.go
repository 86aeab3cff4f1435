package dutchcsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// jgzFile writes rows like those of a JGZ delivery, raw (with BSN and
// postcode, as pseudonymize reads it) or pseudonymised (as ingest reads
// it).
func jgzFile(rows int, pseudo bool) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	signals := []string{"geen", "geen", "geen", "verwijzing_toegang", "sdq_verhoogd", "zorg_thuissituatie"}
	var b bytes.Buffer
	if pseudo {
		b.WriteString("pseudonym,geboortemaand,geslacht,gemeente,contactdatum,signaal\n")
	} else {
		b.WriteString("bsn,geboortedatum,geslacht,postcode,contactdatum,signaal\n")
	}
	for range rows {
		sex := "MV"[rng.IntN(2)]
		y, m, d := 2005+rng.IntN(20), 1+rng.IntN(12), 1+rng.IntN(28)
		contact := fmt.Sprintf("2024-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))
		signal := signals[rng.IntN(len(signals))]
		if pseudo {
			fmt.Fprintf(&b, "%016x%016x,%d-%02d,%c,GM%04d,%s,%s\n", rng.Uint64(), rng.Uint64(), y, m, sex, rng.IntN(2000), contact, signal)
		} else {
			fmt.Fprintf(&b, "%09d,%d-%02d-%02d,%c,%04d %c%c,%s,%s\n", 100000000+rng.IntN(900000000), y, m, d, sex, 1000+rng.IntN(9000), 'A'+rng.IntN(26), 'A'+rng.IntN(26), contact, signal)
		}
	}
	return b.Bytes()
}

// BenchmarkReader reads a 200,000-row JGZ-like file with Reader and with
// the reference (encoding/csv alone), keeping batches of 1024 records as
// the callers do. Compare with benchstat -col /impl.
func BenchmarkReader(b *testing.B) {
	const rows = 200_000
	for _, file := range []struct {
		name   string
		pseudo bool
	}{{"raw", false}, {"pseudo", true}} {
		data := jgzFile(rows, file.pseudo)
		impls := []struct {
			name string
			open func(io.Reader) (recordReader, error)
		}{
			{"reference", func(r io.Reader) (recordReader, error) { return newRefReader(r) }},
			{"fast", func(r io.Reader) (recordReader, error) { return NewReader(r) }},
		}
		for _, impl := range impls {
			b.Run(fmt.Sprintf("file=%s/impl=%s", file.name, impl.name), func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				batch := make([]Record, 0, 1024)
				for b.Loop() {
					r, err := impl.open(bytes.NewReader(data))
					if err != nil {
						b.Fatal(err)
					}
					n := 0
					for {
						rec, err := r.Read()
						if errors.Is(err, io.EOF) {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						if batch = append(batch, rec); len(batch) == cap(batch) {
							batch = batch[:0]
						}
						n++
					}
					if n != rows {
						b.Fatalf("%d rows, want %d", n, rows)
					}
				}
				b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
