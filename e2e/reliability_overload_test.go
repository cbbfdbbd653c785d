// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/respanai/respanexporter/internal/sink"
)

// TestReliabilityOverload (scenario 5): clients push large spans as fast as
// they can at a collector whose API is slow (500 ms per request, 2
// consumers: ~400 spans/s out). The memory_limiter (limit_mib 100) and the
// queue must refuse the excess rather than let memory grow: the
// collector's peak resident memory (VmHWM) stays under the bound, it never
// exits, and once the API is fast again every acknowledged span arrives.
func TestReliabilityOverload(t *testing.T) {
	// boundMiB is the promised bound on the collector's peak RSS with
	// memory_limiter limit_mib 100. The limiter watches the Go heap in use
	// every 100ms; resident memory also holds garbage not yet collected
	// (GOGC=100 lets the heap double before a collection), the runtime and
	// the binary. GOMEMLIMIT makes the runtime collect before that: the
	// recommended setting, with the tighter bound.
	for _, tc := range []struct {
		name     string
		env      string
		boundMiB int
	}{
		{"GOMEMLIMIT=150MiB", "GOMEMLIMIT=150MiB", 250},
		{"no GOMEMLIMIT", "", 400},
	} {
		t.Run(tc.name, func(t *testing.T) { overload(t, tc.env, tc.boundMiB) })
	}
}

func overload(t *testing.T, env string, boundMiB int) {
	const (
		limitMiB    = 100
		spansPerReq = 100
		payload     = 4096
	)
	duration := pick(5*time.Second, 60*time.Second)
	ep := newEndpoint(t, sink.Options{APIKey: relKey, Lean: true, Faults: sink.Faults{Latency: 500 * time.Millisecond}})
	s := ep.sink
	col := newRel(t, "otelcol-respan", ep.URL, colOpts{
		queueSize: 500000, consumers: 2, minBatch: 100, maxBatch: 200, memLimitMiB: limitMiB, env: []string{env},
	})
	pid := col.cmd.Process.Pid

	var peak memory
	var samples int
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if m, err := memoryOf(pid); err == nil {
					samples++
					peak.rssKiB = max(peak.rssKiB, m.rssKiB)
					peak.hwmKiB = max(peak.hwmKiB, m.hwmKiB)
				}
			}
		}
	}()

	ld := newLoader(col.otlp, 500, spansPerReq, payload)
	ld.client.Timeout = 5 * time.Second
	ld.sendFor(context.Background(), duration, 4)
	loadEnd := time.Now()
	if col.exited() {
		t.Fatalf("the collector exited under load: %v", col.err)
	}
	m := col.metricsOf(t)
	if hwm, err := memoryOf(pid); err == nil {
		peak.hwmKiB = max(peak.hwmKiB, hwm.hwmKiB)
	}
	close(stop)
	wg.Wait()

	// The API recovers: everything acknowledged must still arrive.
	s.SetFaults(sink.Faults{})
	acked := ld.ackedKeys()
	waitDelivered(t, s, acked, deliveryTimeout)
	drain := time.Since(loadEnd)
	settle()
	sent, ackedN, refusedN, statuses := ld.stats()
	received, lost, dups := account(acked, s)
	peakMiB := float64(peak.hwmKiB) / 1024
	figures{
		Scenario: fmt.Sprintf("5. overload %s, 4 KiB spans, API 500 ms, %s", duration, cmp.Or(env, "no GOMEMLIMIT")), Sent: sent, Acked: ackedN, Refused: refusedN,
		Received: received, Lost: lost, Duplicated: dups, Drain: drain.Round(10 * time.Millisecond).String(), PeakRSSMiB: peakMiB,
		Notes: fmt.Sprintf("memory_limiter limit_mib %d; bound %d MiB; max sampled VmRSS %.0f MiB (%d samples); client statuses %s; refused by memory_limiter %.0f, enqueue_failed %.0f",
			limitMiB, boundMiB, float64(peak.rssKiB)/1024, samples, fmtMap(statuses),
			metric(m, "otelcol_processor_refused_spans")+metric(m, "otelcol_receiver_refused_spans", `transport="http"`)-metric(m, "otelcol_exporter_enqueue_failed_spans"),
			metric(m, "otelcol_exporter_enqueue_failed_spans")),
	}.report(t)

	if peakMiB > float64(boundMiB) {
		t.Errorf("peak RSS %.0f MiB is above the bound of %d MiB", peakMiB, boundMiB)
	}
	if refusedN == 0 {
		t.Errorf("nothing was refused: the scenario did not overload the collector (sent %d)", sent)
	}
	if lost != 0 {
		t.Errorf("%d acknowledged span(s) lost", lost)
	}
	if col.exited() {
		t.Errorf("the collector exited: %v", col.err)
	}
}
