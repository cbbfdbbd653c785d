// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

//go:build linux

package translator_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/respanai/respanexporter/internal/benchdata"
	"github.com/respanai/respanexporter/internal/translator"
)

// threadCPU is the CPU time the calling OS thread has used.
func threadCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_THREAD, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRedactionRatio is the figure of docs/benchmarks.md: Translate +
// EncodeArray of the mixed benchmark traffic with redaction off and with
// every built-in detector on, alternately within each iteration, measured
// in CPU time of the benchmark's own (locked) thread. Wall time on the
// shared 2-core machine swings by 2x under other people's jobs; the
// thread's CPU time does not (GC work on other threads is not counted,
// for either side).
//
//	go test -run='^$' -bench='^BenchmarkRedactionRatio$' -benchtime=20x -count=5 ./internal/translator
func BenchmarkRedactionRatio(b *testing.B) {
	on := builtinsOn(b)
	for _, traffic := range []string{"plain", "pii"} {
		td := benchdata.Traces(benchSpans, 1)
		if traffic == "pii" {
			injectPII(td)
		}
		b.Run("traffic="+traffic, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			trOff, trOn := translator.New(translator.DefaultOptions()), translator.New(on)
			dst := translator.EncodeArray(nil, trOn.Translate(td).Logs)
			run := func(tr *translator.Translator) time.Duration {
				t0 := threadCPU(b)
				dst = translator.EncodeArray(dst[:0], tr.Translate(td).Logs)
				return threadCPU(b) - t0
			}
			var off, with time.Duration
			i := 0
			for b.Loop() {
				// Alternate the order so neither side always runs first
				// after the other's garbage.
				if i%2 == 0 {
					off += run(trOff)
					with += run(trOn)
				} else {
					with += run(trOn)
					off += run(trOff)
				}
				i++
			}
			n := float64(b.N) * benchSpans
			b.ReportMetric(float64(off.Nanoseconds())/n, "off-cpu-ns/span")
			b.ReportMetric(float64(with.Nanoseconds())/n, "on-cpu-ns/span")
			b.ReportMetric(float64(with)/float64(off), "on/off")
		})
	}
}
