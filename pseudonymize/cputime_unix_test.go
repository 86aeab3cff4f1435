//go:build unix

package pseudonymize

import (
	"syscall"
	"testing"
	"time"
)

// reportCPUPerRow reports the process's CPU time (user and system, all
// threads) per row since start: on a shared machine the wall time of a
// benchmark moves with the other load, its CPU time much less.
func reportCPUPerRow(b *testing.B, start time.Duration, rows int) {
	b.ReportMetric(float64(processCPU()-start)/float64(rows), "cpu-ns/row")
}

// processCPU returns the CPU time the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
