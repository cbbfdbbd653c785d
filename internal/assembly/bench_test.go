// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly

import (
	"context"
	"encoding/binary"
	"math/rand"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/respanai/respanexporter/internal/benchdata"
	"github.com/respanai/respanexporter/internal/translator"
)

// The stage's cost, next to the exporter's per-span work (translate and
// encode, internal/translator BenchmarkTranslateEncode1000). docs/assembly.md
// quotes:
//
//	go test -run '^$' -bench 'Stage|TranslateMemory|MemoryOps' -benchtime 200x ./internal/assembly
//	go test -run 'TestAddedLatency|TestMemoryPerWaitingSpan' -v ./internal/assembly

const benchSpans = 1000

// renumber gives every trace of td a fresh id (the same rewrite for the
// spans of one trace), so each round holds new traces.
func renumber(td ptrace.Traces, round uint64) {
	eachSpan(td, func(sp ptrace.Span) {
		id := sp.TraceID()
		binary.BigEndian.PutUint64(id[8:], round)
		sp.SetTraceID(id)
	})
}

func benchStage(b testing.TB, cfg Config, forward func(context.Context, ptrace.Traces) error) (*Stage, *fakeClock) {
	st := New(cfg, DefaultJoinConfig(), forward, nopTelemetry(b), zap.NewNop())
	clock := newFakeClock()
	st.SetClock(clock.Now)
	return st, clock
}

// BenchmarkStage: 1,000 spans of generated agent runs (four conventions,
// ~10 spans a trace) per ConsumeTraces call, held whole and released by
// the next sweep, root_grace later; ns/span is the stage's own CPU per
// span: placing into the trace groups, bookkeeping, release, telemetry.
// "owned" is what the collector runs (the exporter declares MutatesData,
// spans are moved), "copy" what a caller that keeps its data gets. The
// fresh copy of the input each owned round is outside the timer.
// translate_encode is the yardstick: the exporter's own per-span work
// behind the queue (translation and JSON encoding, no HTTP).
func BenchmarkStage(b *testing.B) {
	for _, c := range []struct {
		name               string
		wait, owned, mixed bool
	}{
		{"trace_waiting_owned", true, true, false},
		{"trace_waiting_owned_mixed", true, true, true},
		{"trace_waiting_copy", true, false, false},
		{"off_no_logs", false, false, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := DefaultConfig(1 << 30)
			cfg.WaitForTraces = c.wait
			cfg.MaxBytes = 1 << 40
			st, clock := benchStage(b, cfg, func(context.Context, ptrace.Traces) error { return nil })
			if c.owned {
				st.TakeOwnership()
			}
			template := benchdata.Traces(benchSpans, 1)
			if c.mixed {
				// A batch span processor's export: every trace under
				// one resource, the whole-resource move never applies.
				template = benchdata.Interleave(template, 1)
			}
			ctx := context.Background()
			var round uint64
			b.ReportAllocs()
			for b.Loop() {
				round++
				td := template
				if c.owned {
					// The stage takes the spans out: a fresh input each
					// round, outside the timer.
					b.StopTimer()
					td = ptrace.NewTraces()
					template.CopyTo(td)
					b.StartTimer()
				}
				renumber(td, round)
				if err := st.ConsumeTraces(ctx, td); err != nil {
					b.Fatal(err)
				}
				clock.Advance(cfg.RootGrace)
				st.Sweep()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
		})
	}
	b.Run("translate_encode", func(b *testing.B) {
		td := benchdata.Traces(benchSpans, 1)
		tr := translator.New(translator.DefaultOptions())
		var dst []byte
		b.ReportAllocs()
		for b.Loop() {
			dst = translator.EncodeArray(dst[:0], tr.Translate(td).Logs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
	})
}

// BenchmarkTranslateMemory: what the late-span memory adds behind the
// queue: TranslateWith (one lookup per trace) and Remember, next to
// Translate alone.
func BenchmarkTranslateMemory(b *testing.B) {
	td := benchdata.Traces(benchSpans, 1)
	tr := translator.New(translator.DefaultOptions())
	b.Run("translate", func(b *testing.B) {
		for b.Loop() {
			_ = tr.Translate(td)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
	})
	b.Run("translate_with_memory", func(b *testing.B) {
		m := NewMemory(MemoryConfig{MaxSpans: 50000, TTL: time.Minute})
		var round uint64
		for b.Loop() {
			round++
			renumber(td, round)
			res := tr.TranslateWith(td, m.Facts)
			m.Remember(res.Facts)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
	})
}

// TestMemoryPerWaitingSpan measures the heap a waiting span costs (the
// generated spans carry ~1 KiB of attributes each, as agent spans do;
// prompts add their own size on top).
func TestMemoryPerWaitingSpan(t *testing.T) {
	cfg := DefaultConfig(1 << 30)
	cfg.MaxBytes = 1 << 40
	st, _ := benchStage(t, cfg, func(context.Context, ptrace.Traces) error { return nil })
	const rounds = 20
	var base, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	for i := range rounds {
		td := benchdata.Traces(benchSpans, uint64(i+1))
		renumber(td, uint64(i+1))
		require.NoError(t, st.ConsumeTraces(context.Background(), td))
	}
	// The requests are gone; their copies (sharing the requests' string
	// bytes, as in the collector) wait.
	runtime.GC()
	runtime.ReadMemStats(&after)
	st.mu.Lock()
	n, size := st.spans, st.bytes
	st.mu.Unlock()
	require.Equal(t, rounds*benchSpans, n)
	perSpan := (float64(after.HeapAlloc) - float64(base.HeapAlloc)) / float64(n)
	t.Logf("%d spans waiting: %.0f bytes of heap per span (OTLP size %.0f bytes per span)", n, perSpan, float64(size)/float64(n))
	assert.Less(t, perSpan, 8*float64(size)/float64(n), "the heap per waiting span is a small multiple of its OTLP size")
	runtime.KeepAlive(st)
}

// TestAddedLatency simulates applications exporting agent runs of 1 s,
// 10 s and 60 s with the batch span processor (every 5 s, OTEL_BSP_SCHEDULE_DELAY):
// each span leaves the application at the first export tick after it
// ends, the root last. The stage's added latency for a span is the time
// from its arrival to its release. Percentiles over 200 runs per duration
// at random phases, with the default root_grace (2 s) and max_wait (60 s).
func TestAddedLatency(t *testing.T) {
	const bsp = 5 * time.Second
	for _, dur := range []time.Duration{time.Second, 10 * time.Second, 60 * time.Second} {
		cfg := DefaultConfig(1 << 30)
		cfg.MaxBytes = 1 << 40
		arrived := map[spanKey]time.Time{}
		var waits []time.Duration
		var clock *fakeClock
		st, c := benchStage(t, cfg, func(_ context.Context, td ptrace.Traces) error {
			eachSpan(td, func(sp ptrace.Span) {
				waits = append(waits, clock.Now().Sub(arrived[spanKey{sp.TraceID(), sp.SpanID()}]))
			})
			return nil
		})
		clock = c
		rng := rand.New(rand.NewSource(int64(dur)))
		type arrival struct {
			at   time.Duration
			span spanSpec
		}
		var events []arrival
		const runs, children = 200, 9
		for run := range runs {
			start := time.Duration(rng.Int63n(int64(10 * time.Minute)))
			phase := time.Duration(rng.Int63n(int64(bsp)))
			tick := func(end time.Duration) time.Duration { // the export after end
				k := (end - phase) / bsp
				return phase + (k+1)*bsp
			}
			tb := byte(run)
			for k := range children {
				end := start + time.Duration(rng.Int63n(int64(dur)))
				events = append(events, arrival{tick(end), spanSpec{trace: tb, id: byte(k + 2), parent: 1}})
			}
			events = append(events, arrival{tick(start + dur), spanSpec{trace: tb, id: 1}})
		}
		sort.SliceStable(events, func(a, b int) bool { return events[a].at < events[b].at })
		base := clock.Now()
		for _, e := range events {
			for clock.Now().Sub(base) < e.at {
				clock.Advance(100 * time.Millisecond) // the expiry loop's tick
				st.Sweep()
			}
			td := spansOf(e.span)
			sp := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
			arrived[spanKey{sp.TraceID(), sp.SpanID()}] = clock.Now()
			require.NoError(t, st.ConsumeTraces(context.Background(), td))
		}
		for range 1200 {
			clock.Advance(100 * time.Millisecond)
			st.Sweep()
		}
		require.Len(t, waits, runs*(children+1))
		sort.Slice(waits, func(a, b int) bool { return waits[a] < waits[b] })
		p50, p99 := waits[len(waits)/2], waits[len(waits)*99/100]
		t.Logf("traces of %s: added latency p50 %s, p99 %s", dur, p50.Round(10*time.Millisecond), p99.Round(10*time.Millisecond))
		// A span never waits longer than max_wait plus a sweep.
		assert.LessOrEqual(t, waits[len(waits)-1], cfg.MaxWait+200*time.Millisecond)
	}
}

// BenchmarkMemoryOps: what the late-span memory itself costs per span
// behind the queue: one Facts lookup per trace and Remember of every
// span's facts (translating each round's fresh trace ids is excluded).
func BenchmarkMemoryOps(b *testing.B) {
	td := benchdata.Traces(benchSpans, 1)
	tr := translator.New(translator.DefaultOptions())
	m := NewMemory(MemoryConfig{MaxSpans: 50000, TTL: time.Minute})
	var round uint64
	b.ReportAllocs()
	for b.Loop() {
		round++
		b.StopTimer()
		renumber(td, round)
		fresh := tr.TranslateWith(td, func(pcommon.TraceID) []translator.SpanFact { return nil }).Facts
		b.StartTimer()
		var last pcommon.TraceID
		for i := range fresh {
			if id := fresh[i].TraceID(); id != last {
				_ = m.Facts(id)
				last = id
			}
		}
		m.Remember(fresh)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSpans, "ns/span")
}
