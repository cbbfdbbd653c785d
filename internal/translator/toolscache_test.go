// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// toolsTraces is one chat span whose tool definitions make extraction do
// everything a cache hit must replay: a description cut to the content cap
// (a truncation count and a warning) and an unparseable schema (a warning).
func toolsTraces(desc string) ptrace.Traces {
	td := ptrace.NewTraces()
	s := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	s.SetTraceID(pcommon.TraceID{1})
	s.SetSpanID(pcommon.SpanID{2})
	s.SetName("chat m")
	s.SetStartTimestamp(1e18)
	s.SetEndTimestamp(1e18 + 1e9)
	a := s.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.request.model", "m")
	a.PutStr("gen_ai.tool.definitions", `[{"type":"function","name":"get_weather","description":"`+desc+`","parameters":"{\"type\":"}]`)
	return td
}

func TestToolsCacheAcrossBatches(t *testing.T) {
	opts := DefaultOptions()
	opts.MaxContentBytes = 64
	tr := New(opts)
	long := strings.Repeat("d", 200)

	first := tr.Translate(toolsTraces(long))
	second := tr.Translate(toolsTraces(long))
	fresh := New(opts).Translate(toolsTraces(long))
	a, b, c := EncodeArray(nil, first.Logs), EncodeArray(nil, second.Logs), EncodeArray(nil, fresh.Logs)
	if string(a) != string(b) || string(a) != string(c) {
		t.Fatalf("a cached translation differs from a fresh one:\nfirst:  %s\nsecond: %s\nfresh:  %s", a, b, c)
	}
	if first.TruncatedFields == 0 || second.TruncatedFields != first.TruncatedFields {
		t.Errorf("truncated fields: first %d, second (cache hit) %d; want equal and > 0", first.TruncatedFields, second.TruncatedFields)
	}
	w := strings.Join(second.Logs[0].Warnings, "; ")
	for _, want := range []string{"unparseable JSON in tool definition", "content truncated to max_content_bytes"} {
		if !strings.Contains(w, want) {
			t.Errorf("cache hit lost warning %q: %q", want, w)
		}
	}
	if len(second.Logs[0].Tools) != 1 {
		t.Fatalf("tools on a cache hit: %v", second.Logs[0].Tools)
	}

	// A different list under the same source key is a different entry.
	other := tr.Translate(toolsTraces("short"))
	if got := string(EncodeArray(nil, other.Logs)); !strings.Contains(got, `\"description\":\"short\"`) && !strings.Contains(got, `"description":"short"`) {
		t.Errorf("second tool list served from the first's cache entry: %s", got)
	}
}

func TestToolsCacheBounded(t *testing.T) {
	var c toolsCache
	big := strings.Repeat("x", maxToolsCacheBytes/3)
	for i := 0; i < 10; i++ {
		c.put(big+string(rune('a'+i)), cachedTools{})
		if c.bytes > maxToolsCacheBytes {
			t.Fatalf("cache holds %d bytes, above its bound %d", c.bytes, maxToolsCacheBytes)
		}
	}
	if _, ok := c.get([]byte(big + "j")); !ok {
		t.Error("the latest entry is not in the cache")
	}
}

// TestToolsCacheWithinBatch: in one batch, spans with the definitions of
// the span before them (the previous-key shortcut), with other
// definitions in between, and without any, give each the span log a fresh
// translator gives that span alone.
func TestToolsCacheWithinBatch(t *testing.T) {
	opts := DefaultOptions()
	opts.MaxContentBytes = 64
	long := strings.Repeat("d", 200)
	descs := []string{long, long, "short", long, "", long, long}
	batch := ptrace.NewTraces()
	for i, d := range descs {
		span := toolsTraces(d).ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
		if d == "" {
			span.Attributes().Remove("gen_ai.tool.definitions")
		}
		span.SetSpanID(pcommon.SpanID{byte(i + 2)})
		span.CopyTo(batch.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty())
	}
	tr := New(opts)
	for round := 0; round < 2; round++ { // the second round starts with the cross-batch cache warm
		res := tr.Translate(batch)
		if len(res.Logs) != len(descs) {
			t.Fatalf("%d span logs", len(res.Logs))
		}
		for i := range descs {
			one := ptrace.NewTraces()
			batch.ResourceSpans().At(i).CopyTo(one.ResourceSpans().AppendEmpty())
			want := EncodeArray(nil, New(opts).Translate(one).Logs)
			if got := EncodeArray(nil, res.Logs[i:i+1]); string(got) != string(want) {
				t.Fatalf("round %d, span %d (%.10q): in the batch\n%s\nalone\n%s", round, i, descs[i], got, want)
			}
		}
	}
}

// TestToolsCacheKeyUnambiguous: sources whose bytes concatenate alike (one
// list element holding a separator byte, two elements without it) are
// different cache entries: the second span keeps its own tools.
func TestToolsCacheKeyUnambiguous(t *testing.T) {
	t1 := `{"type":"function","name":"a","description":"d","inputSchema":{"type":"object"}}`
	t2 := `{"type":"function","name":"b","description":"d","inputSchema":{"type":"object"}}`
	span := func(tools ...string) ptrace.Traces {
		td := toolsTraces("x")
		a := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
		a.Remove("gen_ai.tool.definitions")
		l := a.PutEmptySlice("ai.prompt.tools")
		for _, s := range tools {
			l.AppendEmpty().SetStr(s)
		}
		return td
	}
	for _, pair := range [][2][]string{
		{{t1 + "\x01" + t2}, {t1, t2}},
		{{t1, t2}, {t1 + "\x01" + t2}},
		{{t1 + "\x00"}, {t1, ""}},
		{{t1 + t2[:5], t2[5:]}, {t1, t2}}, // the same bytes, cut elsewhere
	} {
		tr := New(DefaultOptions())
		tr.Translate(span(pair[0]...))
		got := EncodeArray(nil, tr.Translate(span(pair[1]...)).Logs)
		want := EncodeArray(nil, New(DefaultOptions()).Translate(span(pair[1]...)).Logs)
		if string(got) != string(want) {
			t.Errorf("after %q, %q gives\n%s\nwant (fresh)\n%s", pair[0], pair[1], got, want)
		}
	}
}
