package pseudonymize

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/zothuis/zothuis/ingest/dutchcsv"
	"github.com/zothuis/zothuis/ingest/jgz"
)

// benchRows is the size of the raw export the benchmarks pseudonymise.
const benchRows = 200000

// benchKey is the sources' key of the benchmarks.
var benchKey = []byte("bench-source-key-0123456789abcdef")

// rawJGZ is a raw JGZ export of n rows with valid BSNs, as synth writes
// them: the shape pseudonymize meets most at national scale.
func rawJGZ(n int) []byte {
	var b bytes.Buffer
	b.WriteString("bsn,geboortedatum,geslacht,postcode,contactdatum,signaal\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "%s,%02d-%02d-20%02d,V,9711 AB,2025-%02d-%02d,geen\n", validBSN(i), 1+i%28, 1+i%12, 10+i%9, 1+i%12, 1+i%28)
	}
	return b.Bytes()
}

// validBSN returns a 9-digit number passing the elfproef, distinct per i.
func validBSN(i int) string {
	for n := 100000000 + i*11; ; n++ {
		s := fmt.Sprintf("%09d", n)
		if ValidBSN(s) {
			return s
		}
	}
}

// BenchmarkTransform measures pseudonymize end to end over a raw JGZ
// export held in memory: CSV parsing, the elfproef, HMAC, birth date and
// postcode generalisation, CSV writing.
func BenchmarkTransform(b *testing.B) {
	raw := rawJGZ(benchRows)
	c := jgz.Contract()
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		st, err := Transform(context.Background(), bytes.NewReader(raw), io.Discard, Options{Key: benchKey, Contract: c})
		if err != nil {
			b.Fatal(err)
		}
		if st.Written != benchRows {
			b.Fatalf("wrote %d rows, want %d", st.Written, benchRows)
		}
	}
	reportCPUPerRow(b, cpu, benchRows*b.N)
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkTransformRows measures the transformer alone on one core, over
// rows parsed beforehand: the part of pseudonymize that is its own, with
// the HMAC, without CSV parsing and the hand-over between goroutines.
func BenchmarkTransformRows(b *testing.B) {
	in, err := dutchcsv.NewReader(bytes.NewReader(rawJGZ(benchRows)))
	if err != nil {
		b.Fatal(err)
	}
	plan, err := planColumns(jgz.Contract(), in.Header())
	if err != nil {
		b.Fatal(err)
	}
	var batches []dutchcsv.Batch
	for done := false; !done; {
		bt := dutchcsv.Batch{Records: make([]dutchcsv.Record, 0, batchRows)}
		for len(bt.Records) < batchRows {
			rec, err := in.Read()
			if errors.Is(err, io.EOF) {
				done = true
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			bt.Records = append(bt.Records, rec)
		}
		batches = append(batches, bt)
	}
	free := make(chan []byte, 1)
	t := newTransformer(benchKey, DefaultPostcodeTable(), plan, len(in.Header()), free)
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		written := 0
		for _, bt := range batches {
			d := t.transform(bt)
			written += d.written
			free <- d.out[:0]
		}
		if written != benchRows {
			b.Fatalf("wrote %d rows, want %d", written, benchRows)
		}
	}
	reportCPUPerRow(b, cpu, benchRows*b.N)
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkRawHMAC is the anchor of BenchmarkTransform: HMAC-SHA256 over
// as many 9-digit inputs with a reused keyed state, on one core.
func BenchmarkRawHMAC(b *testing.B) {
	in := make([][]byte, benchRows)
	for i := range in {
		in[i] = []byte(validBSN(i))
	}
	mac := hmac.New(sha256.New, benchKey)
	var sum [sha256.Size]byte
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		for _, v := range in {
			mac.Reset()
			mac.Write(v)
			mac.Sum(sum[:0])
		}
	}
	reportCPUPerRow(b, cpu, benchRows*b.N)
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkHasher is the Hasher as pseudonymize and ingest use it: HMAC
// and the hex identifier.
func BenchmarkHasher(b *testing.B) {
	h := NewHasher(benchKey)
	in := make([]string, benchRows)
	for i := range in {
		in[i] = validBSN(i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, v := range in {
			h.Sum(v)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
