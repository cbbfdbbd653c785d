// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator_test

// checkOutput: what every translation of any input satisfies. The ingest
// contract is internal/sink's (one checker for the stand-in and the tests);
// the rest is what our mapping guarantees on top of it.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/sink"
	"github.com/respanai/respanexporter/internal/translator"
)

func loadTraces(t testing.TB, path string) ptrace.Traces {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return td
}

// translateChecked translates td, runs checkOutput on the encoding and
// returns the Result with the span logs decoded (numbers as json.Number).
func translateChecked(t testing.TB, label string, td ptrace.Traces, opts translator.Options) (*translator.Result, []map[string]any) {
	t.Helper()
	var res *translator.Result
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s: Translate panicked: %v", label, r)
			}
		}()
		res = translator.New(opts).Translate(td)
	}()
	return res, checkOutput(t, label, res, td)
}

var (
	reHex    = regexp.MustCompile(`^[0-9a-f]+$`)
	reMicros = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$`)
	// Model-call log types: the only ones that carry usage and messages.
	llmLogTypes = map[string]bool{"chat": true, "completion": true, "response": true, "generation": true, "embedding": true}
	usageFields = []string{"prompt_tokens", "completion_tokens", "total_request_tokens", "prompt_cache_hit_tokens", "prompt_cache_creation_tokens", "cost", "usage"}
)

// checkOutput checks what holds for the translation of any input and
// returns the decoded span logs.
func checkOutput(t testing.TB, label string, res *translator.Result, td ptrace.Traces) []map[string]any {
	t.Helper()
	raw := translator.EncodeArray(nil, res.Logs)
	if !utf8.Valid(raw) {
		t.Errorf("%s: EncodeArray output is not valid UTF-8", label)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		t.Fatalf("%s: EncodeArray output is not a JSON array: %v: %s", label, err, show(string(raw)))
	}
	if len(items) != len(res.Logs) {
		t.Fatalf("%s: EncodeArray produced %d objects for %d logs", label, len(items), len(res.Logs))
	}
	src := sourceSpans(td)
	inInput := map[string]bool{}
	for _, s := range src {
		inInput[s.traceID+"/"+s.spanID] = true
	}
	logs := make([]map[string]any, len(items))
	inOutput := map[string]bool{}
	for i, item := range items {
		if err := decodeInto(item, &logs[i]); err != nil {
			t.Fatalf("%s: span log %d: %v", label, i, err)
		}
		inOutput[fmt.Sprint(logs[i]["trace_unique_id"], "/", logs[i]["span_unique_id"])] = true
		var alone map[string]any
		if err := decodeInto(res.Logs[i].AppendJSON(nil), &alone); err != nil || !reflect.DeepEqual(alone, logs[i]) {
			t.Errorf("%s: span log %d: AppendJSON differs from its element in EncodeArray (%v)", label, i, err)
		}
	}
	next := 0 // span logs keep the input order
	for i, l := range logs {
		sid, _ := l["span_unique_id"].(string)
		tid, _ := l["trace_unique_id"].(string)
		fail := func(field, format string, args ...any) {
			t.Helper()
			t.Errorf("%s: span log %d (%s): %s: %s", label, i, sid, field, fmt.Sprintf(format, args...))
		}
		_, problems := sink.CheckSpan(items[i])
		for _, p := range problems {
			fail("ingest contract", "%s", p)
		}
		for _, id := range []struct {
			field string
			n     int
		}{{"trace_unique_id", 32}, {"span_unique_id", 16}, {"span_parent_id", 16}} {
			v, present := l[id.field]
			s, _ := v.(string)
			if (present || id.field != "span_parent_id") && (len(s) != id.n || !reHex.MatchString(s) || strings.Trim(s, "0") == "") {
				fail(id.field, "want %d lower-case hex digits, not all zero, got %s", id.n, show(v))
			}
		}
		if p, ok := l["span_parent_id"].(string); ok && !inOutput[tid+"/"+p] && inInput[tid+"/"+p] {
			fail("span_parent_id", "parent %s is an input span that has no span log", p)
		}
		if _, ok := l["span_name"].(string); !ok {
			fail("span_name", "required, got %s", show(l["span_name"]))
		}
		lt, _ := l["log_type"].(string)
		if lt == "" {
			fail("log_type", "required")
		}
		var times [2]time.Time
		for j, k := range []string{"start_time", "timestamp"} {
			if v, present := l[k]; present {
				s, _ := v.(string)
				if !reMicros.MatchString(s) {
					fail(k, "want RFC 3339 UTC with microseconds, got %s", show(v))
				}
				times[j], _ = time.Parse(time.RFC3339Nano, s)
			}
		}
		if n, ok := l["latency"].(json.Number); ok && !times[0].IsZero() && !times[1].IsZero() {
			f, _ := n.Float64()
			// Microsecond times, plus float64's own spacing for spans centuries long.
			if d := times[1].Sub(times[0]).Seconds(); math.Abs(f-d) > 1.5e-6+1e-15*math.Abs(d) {
				fail("latency", "%v s, but timestamp - start_time is %v s", f, d)
			}
		}
		if !llmLogTypes[lt] {
			for _, k := range append(usageFields, "prompt_messages", "completion_message", "completion_messages") {
				if v, present := l[k]; present {
					fail(k, "only model-call log types carry usage and messages, log_type %q has %s", lt, show(v))
				}
			}
		}
		if n, ok := l["status_code"].(json.Number); ok {
			if c, err := n.Int64(); err != nil || c < 100 || c > 599 {
				fail("status_code", "want an HTTP status, got %s", n)
			}
		}
		next = checkAgainstSource(fail, l, src, next)
	}
	return logs
}

// srcSpan is what the invariants compare with an input span.
type srcSpan struct {
	traceID, spanID, parentID, name, scope, service string
	start, end                                      uint64
}

func sourceSpans(td ptrace.Traces) []srcSpan {
	var out []srcSpan
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		service := ""
		// Only a string is copied as is; other types are repaired first.
		if v, ok := rs.Resource().Attributes().Get("service.name"); ok && v.Type() == pcommon.ValueTypeStr {
			service = v.Str()
		}
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				s := ss.Spans().At(k)
				o := srcSpan{traceID: s.TraceID().String(), spanID: s.SpanID().String(), name: s.Name(),
					scope: ss.Scope().Name(), service: service,
					start: uint64(s.StartTimestamp()), end: uint64(s.EndTimestamp())}
				if !s.ParentSpanID().IsEmpty() {
					o.parentID = s.ParentSpanID().String()
				}
				out = append(out, o)
			}
		}
	}
	return out
}

// checkAgainstSource: ids, name, times, service and scope come from the
// input span unchanged (only repaired when invalid).
// It returns the index after the source span, where the next span log's
// source must start (the output keeps the input order).
func checkAgainstSource(fail func(field, format string, args ...any), l map[string]any, src []srcSpan, from int) int {
	var s *srcSpan
	for i := from; i < len(src) && s == nil; i++ {
		if src[i].spanID == l["span_unique_id"] && src[i].traceID == l["trace_unique_id"] {
			s, from = &src[i], i+1
		}
	}
	if s == nil {
		fail("span_unique_id", "no input span after the previous span log's has this trace and span id (output out of input order?)")
		return from
	}
	if p, _ := l["span_parent_id"].(string); p != s.parentID {
		fail("span_parent_id", "want the source parent %q (absent for a root), got %q", s.parentID, p)
	}
	if name, _ := l["span_name"].(string); utf8.ValidString(s.name) && name != truncateRunes(s.name, sink.MaxSpanNameChars) {
		fail("span_name", "want the source name, got %s", show(name))
	}
	sane := func(ns uint64) bool { return ns != 0 && ns <= math.MaxInt64 }
	micros := func(ns uint64) string { return time.Unix(0, int64(ns)).UTC().Format("2006-01-02T15:04:05.000000Z") }
	if sane(s.start) && l["start_time"] != micros(s.start) {
		fail("start_time", "want %s (source start), got %s", micros(s.start), show(l["start_time"]))
	}
	if sane(s.end) && s.end >= s.start {
		if l["timestamp"] != micros(s.end) {
			fail("timestamp", "want %s (source end), got %s", micros(s.end), show(l["timestamp"]))
		}
		if _, ok := l["latency"]; !ok && sane(s.start) {
			fail("latency", "required when the source has both times")
		}
	}
	md, _ := l["metadata"].(map[string]any)
	for key, want := range map[string]string{"service.name": s.service, "otel.scope.name": s.scope} {
		// Plain short text is copied as is; JSON text is normalised and
		// long values capped, so of those only the presence is checked.
		if _, isJSON := decodeJSON(want); want == "" || !utf8.ValidString(want) || (md[key] != nil && (isJSON == nil || len(want) > 256)) {
			continue
		}
		if md[key] != want {
			fail("metadata."+key, "want %q from the input, got %s", want, show(md[key]))
		}
	}
	return from
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
