// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package benchdata

import (
	"bytes"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestTracesExactCountAndDeterministic(t *testing.T) {
	for _, n := range []int{0, 1, 7, 1000} {
		td := Traces(n, 1)
		if got := td.SpanCount(); got != n {
			t.Fatalf("Traces(%d) has %d spans", n, got)
		}
	}
	m := &ptrace.JSONMarshaler{}
	a, _ := m.MarshalTraces(Traces(300, 42))
	b, _ := m.MarshalTraces(Traces(300, 42))
	c, _ := m.MarshalTraces(Traces(300, 43))
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different data")
	}
	if bytes.Equal(a, c) {
		t.Fatal("different seeds, same data")
	}
}

func TestTracesLookRealistic(t *testing.T) {
	td := Traces(1000, 1)
	var chatInput []int
	seenScopes := map[string]bool{}
	spanIDs := map[string]bool{}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		if _, ok := rs.Resource().Attributes().Get("service.name"); !ok {
			t.Fatal("resource without service.name")
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			seenScopes[ss.Scope().Name()] = true
			for k := 0; k < ss.Spans().Len(); k++ {
				s := ss.Spans().At(k)
				if s.TraceID().IsEmpty() || s.SpanID().IsEmpty() {
					t.Fatal("span with an empty id")
				}
				if spanIDs[s.SpanID().String()] {
					t.Fatal("duplicate span id")
				}
				spanIDs[s.SpanID().String()] = true
				if s.EndTimestamp() < s.StartTimestamp() {
					t.Fatal("span ends before it starts")
				}
				if v, ok := s.Attributes().Get("gen_ai.input.messages"); ok && s.Name()[:4] == "chat" {
					chatInput = append(chatInput, len(v.Str()))
				}
			}
		}
	}
	for _, sc := range []string{"opentelemetry.instrumentation.openai_v2", "traceloop.tracer", "openinference.instrumentation.langchain", "ai"} {
		if !seenScopes[sc] {
			t.Errorf("no spans of scope %s", sc)
		}
	}
	if len(chatInput) == 0 {
		t.Fatal("no semconv chat spans")
	}
	sum, lo, hi := 0, 1<<30, 0
	for _, n := range chatInput {
		sum += n
		lo, hi = min(lo, n), max(hi, n)
	}
	avg := sum / len(chatInput)
	t.Logf("gen_ai.input.messages of %d chat spans: min %d, avg %d, max %d bytes", len(chatInput), lo, avg, hi)
	if avg < 1000 || avg > 4000 {
		t.Errorf("chat input messages average %d bytes, want ~1-4 KB", avg)
	}
	b, _ := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	t.Logf("1000 spans: %d bytes of OTLP/JSON, %d resources", len(b), td.ResourceSpans().Len())
}

func TestCorpus(t *testing.T) {
	c := Corpus(1)
	if len(c) != int(numConventions) {
		t.Fatalf("corpus has %d conventions", len(c))
	}
	for conv, td := range c {
		if td.SpanCount() < 3 {
			t.Errorf("%v: %d spans", conv, td.SpanCount())
		}
	}
}

// TestInterleave: every span of the input is in the output once, under
// one resource and its own scope name, and traces are mixed.
func TestInterleave(t *testing.T) {
	td := Traces(400, 3)
	out := Interleave(td, 1)
	if got, want := out.SpanCount(), td.SpanCount(); got != want {
		t.Fatalf("%d spans, want %d", got, want)
	}
	if out.ResourceSpans().Len() != 1 {
		t.Fatalf("%d resources, want 1", out.ResourceSpans().Len())
	}
	scopeOf := map[pcommon.SpanID]string{}
	rss := td.ResourceSpans()
	for r := 0; r < rss.Len(); r++ {
		for s := 0; s < rss.At(r).ScopeSpans().Len(); s++ {
			ss := rss.At(r).ScopeSpans().At(s)
			for k := 0; k < ss.Spans().Len(); k++ {
				scopeOf[ss.Spans().At(k).SpanID()] = ss.Scope().Name()
			}
		}
	}
	seen := map[pcommon.SpanID]bool{}
	changes := 0
	sss := out.ResourceSpans().At(0).ScopeSpans()
	for s := 0; s < sss.Len(); s++ {
		spans := sss.At(s).Spans()
		for k := 0; k < spans.Len(); k++ {
			id := spans.At(k).SpanID()
			if seen[id] || scopeOf[id] != sss.At(s).Scope().Name() {
				t.Fatalf("span %v: seen before %v, scope %q, want %q", id, seen[id], sss.At(s).Scope().Name(), scopeOf[id])
			}
			seen[id] = true
			if k > 0 && spans.At(k-1).TraceID() != spans.At(k).TraceID() {
				changes++
			}
		}
	}
	if changes < td.ResourceSpans().Len() {
		t.Fatalf("traces barely mixed: %d changes of trace between neighbours", changes)
	}
}
