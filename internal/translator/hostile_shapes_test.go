// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

//go:build unix

package translator

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// hostileTrace builds one trace of n spans in one of the shapes that once
// made the batch passes quadratic: "chain" nests every span in the previous
// one (a parent chain n deep), "fanout" hangs every span under one root.
// Every span is a model call reporting the same usage, so nested-usage
// de-duplication has something to do at every level, and only the root
// carries the customer and thread identifiers, so propagation must reach the
// deepest span.
func hostileTrace(shape string, n int) ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	spans := ss.Spans()
	spans.EnsureCapacity(n)
	tid := pcommon.TraceID{0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	spanID := func(i int) pcommon.SpanID {
		var id pcommon.SpanID
		binary.BigEndian.PutUint64(id[:], uint64(i)+1)
		return id
	}
	start := pcommon.Timestamp(1_787_220_900_000_000_000)
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetTraceID(tid)
		s.SetSpanID(spanID(i))
		switch {
		case i == 0:
		case shape == "chain":
			s.SetParentSpanID(spanID(i - 1))
		default:
			s.SetParentSpanID(spanID(0))
		}
		s.SetName("chat")
		s.SetStartTimestamp(start)
		s.SetEndTimestamp(start + 1_000_000)
		a := s.Attributes()
		a.PutStr("gen_ai.operation.name", "chat")
		a.PutStr("gen_ai.request.model", "gpt-4o")
		a.PutInt("gen_ai.usage.input_tokens", 10)
		a.PutInt("gen_ai.usage.output_tokens", 5)
		if i == 0 {
			a.PutStr("user.id", "cust_hostile")
			a.PutStr("session.id", "thread_hostile")
		}
	}
	return td
}

// TestHostileShapesScaleLinearly: propagation and de-duplication cost grows
// linearly with a parent chain's depth and a root's fan-out. With 16x the
// spans a linear pass costs about 16x, a quadratic one about 256x; the bound
// of 64x leaves room for a busy machine (the fastest of three runs after a
// collection is compared, in CPU time of the process, so that other
// processes on a busy machine do not count).
func TestHostileShapesScaleLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	tr := New(DefaultOptions())
	for _, shape := range []string{"chain", "fanout"} {
		t.Run(shape, func(t *testing.T) {
			small, large := hostileTrace(shape, 2_000), hostileTrace(shape, 32_000)
			fastest := func(td ptrace.Traces) time.Duration {
				best := time.Duration(1<<63 - 1)
				for r := 0; r < 3; r++ {
					runtime.GC()
					t0 := cpuTime(t)
					res := tr.Translate(td)
					if d := cpuTime(t) - t0; d < best {
						best = d
					}
					checkHostileResult(t, shape, res)
				}
				return best
			}
			ts, tl := fastest(small), fastest(large)
			ratio := float64(tl) / float64(ts)
			t.Logf("%s: 2,000 spans %v, 32,000 spans %v, ratio %.1f (linear 16, quadratic 256)", shape, ts, tl, ratio)
			if ratio > 64 {
				t.Errorf("%s: 16x the spans cost %.1fx the time: not linear", shape, ratio)
			}
		})
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// checkHostileResult asserts what the passes must still do on these shapes:
// every span inherits the root's identifiers, and the usage is counted once,
// on the innermost span (chain) or on every leaf (fan-out, where no model
// call is nested in another leaf; the root's copy is suppressed).
func checkHostileResult(t *testing.T, shape string, res *Result) {
	t.Helper()
	counted := 0
	for _, sl := range res.Logs {
		if sl.CustomerIdentifier != "cust_hostile" || sl.ThreadIdentifier != "thread_hostile" {
			t.Fatalf("%s: span %s lacks the root's identifiers: %q %q", shape, sl.SpanID, sl.CustomerIdentifier, sl.ThreadIdentifier)
		}
		if sl.PromptTokens.Set {
			counted++
		}
	}
	want := 1
	if shape == "fanout" {
		want = len(res.Logs) - 1
	}
	if counted != want {
		t.Fatalf("%s: usage counted on %d spans, want %d", shape, counted, want)
	}
}

// BenchmarkHostileShapes reports the cost per span of the hostile shapes at
// several sizes; linear passes keep ns/span flat as n grows.
func BenchmarkHostileShapes(b *testing.B) {
	tr := New(DefaultOptions())
	for _, shape := range []string{"chain", "fanout"} {
		for _, n := range []int{1_000, 10_000, 50_000} {
			td := hostileTrace(shape, n)
			b.Run(fmt.Sprintf("shape=%s/spans=%d", shape, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					tr.Translate(td)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/span")
			})
		}
	}
}
